import { afterAll, describe, expect, it } from '@jest/globals';
import { transcribe } from './helpers/app.js';
import { longSpeechMp3 } from './helpers/long-audio.js';
import { descendants, isAlive } from './helpers/processes.js';
import { startServer, waitForReady, type ServerProcess } from './helpers/server-process.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (check: () => boolean, ms: number) => {
  for (const end = Date.now() + ms; !check() && Date.now() < end; ) await sleep(20);
  return check();
};

/** The embedded model, greedy, on two lanes: six long mp3 uploads keep ffmpeg and the lanes busy for seconds. */
const ENV = { PARAKEET_LANES: '2', PARAKEET_DECODING: 'greedy', PARAKEET_DECODE_CONCURRENCY: '6', PARAKEET_DRAIN_DELAY_S: '0.5', PARAKEET_SHUTDOWN_TIMEOUT_S: '60' };
const servers: ServerProcess[] = [];
afterAll(async () => {
  for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
});

function start(options: Parameters<typeof startServer>[1]): ServerProcess {
  const server = startServer(ENV, options);
  servers.push(server);
  return server;
}

/** Sends six long uploads; returns (their answers to come) once ffmpeg is decoding under the server. */
async function sixLongUploads(server: ServerProcess, url: string) {
  const mp3 = longSpeechMp3(129);
  const answers = Promise.all(Array.from({ length: 6 }, () => transcribe(url, mp3, {}, { filename: 'long.mp3' }).then(async (r) => ({ status: r.status, text: await r.text() }))));
  answers.catch(() => {});
  const decoding = await until(() => descendants(server.child.pid!).some((p) => p.comm === 'ffmpeg'), 20000);
  expect(decoding).toBe(true);
  return { answers };
}

describe.each(['SIGTERM', 'SIGINT'] as const)('%s to the whole process group (a terminal, kill -- -PGID, systemd)', (signal) => {
  it('drains like a signal to the server alone: every accepted upload answered 200, not ready meanwhile, no child process left', async () => {
    // SIGINT through npm (Ctrl-C under `npm start`): npm, the server, its decoder host and ffmpeg all get it.
    const viaNpm = signal === 'SIGINT';
    const server = start({ detached: true, command: viaNpm ? ['npm', 'run', '--silent', 'start:prod'] : undefined });
    const url = await server.url;
    await waitForReady(url, 60000);
    const { answers } = await sixLongUploads(server, url);
    const family = descendants(server.child.pid!);
    process.kill(-server.child.pid!, signal);
    await sleep(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    const results = await answers;
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    for (const r of results) expect(JSON.parse(r.text).text).toMatch(/quick brown fox/);
    const { code } = await server.exit;
    // The server exits 0. npm waits for it, then ends by the signal it was sent: by the time npm is gone, so is
    // every process under it.
    if (viaNpm) expect([code, server.child.signalCode]).toEqual([null, 'SIGINT']);
    else expect(code).toBe(0);
    expect(family.filter((p) => isAlive(p.pid))).toEqual([]);
  });
});

describe('SIGKILL', () => {
  it('a server killed with SIGKILL mid-decode leaves no decoder host or ffmpeg running', async () => {
    const server = start({ detached: true });
    const url = await server.url;
    await waitForReady(url, 60000);
    await sixLongUploads(server, url);
    const family = descendants(server.child.pid!);
    expect(family.map((p) => p.comm)).toContain('ffmpeg');
    server.child.kill('SIGKILL');
    await server.exit;
    expect(await until(() => family.every((p) => !isAlive(p.pid)), 10000)).toBe(true);
  });
});
