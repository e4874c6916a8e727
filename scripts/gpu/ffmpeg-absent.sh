#!/bin/sh
# Stands in for ffmpeg on a host that has none (the GPU host): PARAKEET_FFMPEG_PATH=scripts/gpu/ffmpeg-absent.sh
# lets the production server start WAV-only. WAV uploads never reach ffmpeg (the in-process WAV path); every
# other format fails to decode with this message instead of the server refusing to start.
if [ "$2" = "-version" ] || [ "$1" = "-version" ]; then
  echo "ffmpeg version absent-wav-only (scripts/gpu/ffmpeg-absent.sh: no ffmpeg on this host)"
  exit 0
fi
echo "no ffmpeg on this host: only WAV uploads can be decoded (scripts/gpu/ffmpeg-absent.sh)" >&2
exit 1
