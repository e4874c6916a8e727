import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';

const FIXTURES = join(process.cwd(), 'test', 'fixtures', 'audio');
export const speech = () => new Uint8Array(readFileSync(join(FIXTURES, 'speech.wav')));
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const SECRET = 'test-webhook-secret';

export interface Job {
  id: string;
  status: string;
  attempts: number;
  progress: number;
  error: { code: string } | null;
}

export function submit(url: string, file: Uint8Array, fields: Record<string, string> = {}, headers: Record<string, string> = {}, withFile = true, filename = 'speech.wav'): Promise<Response> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  if (withFile) form.append('file', new Blob([file]), filename);
  return fetch(`${url}/v1/audio/transcriptions/jobs`, { method: 'POST', body: form, headers });
}

export async function job(url: string, id: string): Promise<Job> {
  return (await (await fetch(`${url}/v1/audio/transcriptions/jobs/${id}`)).json()) as Job;
}

/** Polls `probe` until it answers something other than undefined. */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 120_000): Promise<T> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) {
    const value = await probe();
    if (value !== undefined) return value;
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** speech.wav at /speech.wav, a redirect to it at /moved, 404 elsewhere. */
export function serveAudio(): Server {
  return createServer((req, res) => {
    if (req.url === '/speech.wav') return res.end(Buffer.from(speech()));
    if (req.url === '/moved') return res.writeHead(302, { location: '/speech.wav' }).end();
    res.writeHead(404).end();
  });
}

/** `job … completed on …` lines of a server's log, by job id. */
export const completions = (stdout: string) => [...stdout.matchAll(/job (job_\w+) completed on/g)].map((m) => m[1]);
