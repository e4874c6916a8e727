#!/bin/sh
# ffmpeg (the one PARAKEET_FFMPEG names) with SIGINT, SIGTERM and SIGHUP blocked: see signal-shield.ts.
exec env --block-signal=INT --block-signal=TERM --block-signal=HUP -- "$PARAKEET_FFMPEG" "$@"
