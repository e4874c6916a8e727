import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/common/project-paths.js';
import { SERVER_NODE_FLAGS } from '../../src/common/node-flags.js';

/** The production build as `npm start` runs it (`node <SERVER_NODE_FLAGS> dist/src/main.js`), as a child process on a free loopback port. */
export interface ServerChild {
  child: ChildProcess;
  pid: number;
  url: string;
  /** The last few KiB of the server's output, for error messages. */
  tail(): string;
  stop(): Promise<number | null>;
}

const TAIL = 16 * 1024;

export async function startServerChild(env: Record<string, string>, nodeArgs: string[] = [], readyTimeoutMs = 180_000): Promise<ServerChild> {
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, ...nodeArgs, join(PROJECT_ROOT, 'dist', 'src', 'main.js')], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PARAKEET_PORT: '0', PARAKEET_HOST: '127.0.0.1', PARAKEET_DRAIN_DELAY_S: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 2 * TAIL) out = out.slice(-TAIL);
  };
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    let found = false;
    child.stdout!.on('data', (d: Buffer) => {
      keep(d);
      if (found) return;
      seen += d.toString();
      const m = /listening on (http:\/\/[^"\s]+)/.exec(seen);
      if (m) {
        found = true;
        resolve(m[1]);
      }
    });
    child.stderr!.on('data', keep);
    void exited.then((code) => reject(new Error(`server exited with ${code} before listening: ${out.slice(-2000)}`)));
  });
  const until = Date.now() + readyTimeoutMs;
  for (;;) {
    const res = await fetch(`${url}/readyz`).catch(() => undefined);
    if (res?.status === 200) break;
    if (child.exitCode !== null || Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`server not ready (${res?.status ?? 'no answer'}): ${out.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    child,
    pid: child.pid!,
    url,
    tail: () => out.slice(-4000),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
