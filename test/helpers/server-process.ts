import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { SERVER_NODE_FLAGS } from '../../src/common/node-flags.js';
import { TEST_METRICS_DIR } from './app.js';

export interface ServerProcess {
  child: ChildProcess;
  url: Promise<string>;
  exit: Promise<{ code: number | null; stderr: string; stdout: string }>;
  /** What the server has written to stdout so far. */
  log(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** The command line (default: node with the server's flags on dist/src/main.js). */
  command?: string[];
  /** Leads a process group of its own, so a test can signal the group as a terminal or systemd would. */
  detached?: boolean;
}

/** Starts the production build (`node dist/src/main.js`) on a free port with the given environment. */
export function startServer(env: Record<string, string>, options: StartOptions = {}): ServerProcess {
  const [command, ...args] = options.command ?? [process.execPath, ...SERVER_NODE_FLAGS, join(process.cwd(), 'dist', 'src', 'main.js')];
  const child = spawn(command, args, {
    env: { PATH: process.env.PATH ?? '', PARAKEET_PORT: '0', PARAKEET_HOST: '127.0.0.1', PARAKEET_DRAIN_DELAY_S: '0', PARAKEET_METRICS_DIR: TEST_METRICS_DIR, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  let stdout = '';
  let stderr = '';
  let resolveUrl: (u: string) => void;
  let rejectUrl: (e: Error) => void;
  const url = new Promise<string>((res, rej) => {
    resolveUrl = res;
    rejectUrl = rej;
  });
  url.catch(() => {});
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
    const m = /listening on (https?:\/\/[^"\s]+)/.exec(stdout);
    if (m) resolveUrl(m[1]);
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) => {
    child.on('exit', (code) => {
      rejectUrl(new Error(`server exited with ${code} before listening: ${stderr}`));
      resolve({ code, stderr, stdout });
    });
  });
  return {
    child,
    url,
    exit,
    log: () => stdout,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exit;
    },
  };
}

export async function waitForReady(url: string, timeoutMs = 30000): Promise<Response> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${url}/readyz`);
    if (res.status === 200 || Date.now() > until) return res;
    await new Promise((r) => setTimeout(r, 100));
  }
}
