import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { signalShield } from './signal-shield.js';

export interface FfmpegBinary {
  path: string;
  version: string;
  source: 'PARAKEET_FFMPEG_PATH' | 'PATH' | '@ffmpeg-installer/linux-x64';
  /** Launcher that runs `path` shielded from group signals (signal-shield.ts); absent where unsupported. */
  shield?: string;
}

export class FfmpegNotFoundError extends Error {
  override name = 'FfmpegNotFoundError';
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A bare command name lets the OS search PATH; the version call proves one is there. */
function onPath(name: string): string | undefined {
  try {
    versionOf(name);
    return name;
  } catch {
    return undefined;
  }
}

function bundled(): string | undefined {
  try {
    // The installer package has no JS entry: resolve its package.json and take the binary beside it.
    const require = createRequire(import.meta.url);
    const candidate = join(dirname(require.resolve('@ffmpeg-installer/linux-x64/package.json')), 'ffmpeg');
    return executable(candidate) ? candidate : undefined;
  } catch {
    return undefined;
  }
}

function versionOf(path: string): string {
  const out = execFileSync(path, ['-hide_banner', '-version'], { encoding: 'utf8', timeout: 10000, stdio: ['ignore', 'pipe', 'ignore'] });
  const first = out.split('\n')[0] ?? '';
  return /ffmpeg version (\S+)/.exec(first)?.[1] ?? first.trim();
}

/**
 * Picks the ffmpeg to run: an explicit path, else a system ffmpeg on PATH (maintained, current), else the
 * static build that `npm ci` brings (old, but always there).
 */
export function locateFfmpeg(explicit: string | undefined): FfmpegBinary {
  const found = findFfmpeg(explicit);
  const shield = signalShield();
  return shield ? { ...found, shield } : found;
}

function findFfmpeg(explicit: string | undefined): FfmpegBinary {
  if (explicit) {
    if (!executable(explicit)) throw new FfmpegNotFoundError(`PARAKEET_FFMPEG_PATH=${explicit} is not an executable file`);
    return { path: explicit, version: versionOf(explicit), source: 'PARAKEET_FFMPEG_PATH' };
  }
  const system = onPath('ffmpeg');
  if (system) return { path: system, version: versionOf(system), source: 'PATH' };
  const fallback = bundled();
  if (fallback) return { path: fallback, version: versionOf(fallback), source: '@ffmpeg-installer/linux-x64' };
  throw new FfmpegNotFoundError('no ffmpeg found: install one (apt-get install ffmpeg) or set PARAKEET_FFMPEG_PATH');
}
