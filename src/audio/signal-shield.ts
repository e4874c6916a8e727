import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../common/project-paths.js';

/** Runs PARAKEET_FFMPEG with the signals that a group or cgroup stop sends blocked. */
const LAUNCHER = join(PROJECT_ROOT, 'src', 'audio', 'ffmpeg-shielded.sh');

/**
 * The launcher that starts ffmpeg with SIGINT, SIGTERM and SIGHUP blocked (GNU env --block-signal, coreutils ≥
 * 8.31), or undefined where that cannot work. Ctrl-C under `npm start`, `kill -- -PGID` and systemd's stop reach
 * every process of the group or cgroup, and ffmpeg stops early on them (a truncated decode). Blocked, not
 * ignored: ffmpeg installs its own handlers, but a blocked signal is never delivered, and the mask survives exec.
 * The server stops its ffmpeg processes itself, with SIGKILL, which cannot be blocked.
 */
export function signalShield(): string | undefined {
  try {
    accessSync(LAUNCHER, constants.X_OK);
    execFileSync('env', ['--block-signal=INT', '--', 'true'], { stdio: 'ignore', timeout: 5000 });
    return LAUNCHER;
  } catch {
    return undefined;
  }
}
