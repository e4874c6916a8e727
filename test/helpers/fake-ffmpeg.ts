import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { locateFfmpeg } from '../../src/audio/ffmpeg-binary.js';

/**
 * An `ffmpeg` for PARAKEET_FFMPEG_PATH that answers the capability probes like the real one, then runs `decode`
 * (shell; `$REAL` is the real ffmpeg, `"$@"` the decode's arguments) in place of the decode.
 */
export function fakeFfmpeg(decode: string): { path: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'parakeet-fake-ffmpeg-'));
  const path = join(dir, 'ffmpeg');
  const real = locateFfmpeg(undefined).path;
  writeFileSync(path, `#!/bin/sh\nREAL=${real}\ncase "$*" in *-version*|*-formats*|*-encoders*|*-codecs*|*-protocols*|*-demuxers*) exec "$REAL" "$@";; esac\n${decode}\n`);
  chmodSync(path, 0o755);
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
