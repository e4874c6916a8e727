import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestModel } from '../../scripts/test-model/make-test-model.js';
import { FakeHub } from '../../test/helpers/fake-hub.js';
import { DirectoryLockedError } from './directory-lock.js';
import { HubClient, HubError } from './hub-client.js';
import { inspectModelDirectory } from './model-directory.js';
import { DownloadVerificationError, ModelDownloader, type DownloadProgress } from './model-downloader.js';

const REPO = 'istupakov/parakeet-tdt-0.6b-v2-onnx';
const MODEL_FILES = ['config.json', 'decoder_joint-model.onnx', 'encoder-model.onnx', 'vocab.txt'];

let source: string;
let hub: FakeHub;
let out: string;
const temps: string[] = [];

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

const downloader = (token?: string) => new ModelDownloader(new HubClient(hub.url, token), { attempts: 3, delayMs: 1 });

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the download to fail');
}

beforeAll(() => {
  source = makeTestModel({ out: tempDir('parakeet-hub-src-'), shape: 'parakeet', seed: 3 });
});
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});
beforeEach(async () => {
  hub = new FakeHub().addRepo(REPO, source);
  await hub.start();
  out = join(tempDir('parakeet-fetch-'), 'parakeet-fp32');
});
afterEach(async () => {
  await hub.stop();
});

describe('ModelDownloader against a local hub', () => {
  it('downloads a parakeet-shape model byte for byte, verified, skipping absent optional files', async () => {
    const events: string[] = [];
    const progress: DownloadProgress = {
      fileStarted: (f, size) => events.push(`start ${f} ${size}`),
      bytes: () => {},
      fileDone: (f, outcome) => events.push(`${outcome} ${f}`),
    };
    const result = await downloader().download({ repo: REPO, out, quantization: 'none', progress });
    expect([...result.files].sort()).toEqual(MODEL_FILES);
    for (const f of MODEL_FILES) expect(readFileSync(join(out, f)).equals(readFileSync(join(source, f)))).toBe(true);
    expect(() => inspectModelDirectory(out, 'none')).not.toThrow();
    expect(events).toContain('absent encoder-model.onnx.data');
    expect(events).toContain(`start decoder_joint-model.onnx ${readFileSync(join(source, 'decoder_joint-model.onnx')).length}`);
    // No lock, no partial files left behind.
    expect(readdirSync(out).sort()).toEqual(['.fetch-model.json', ...MODEL_FILES]);
    // The large files went through the LFS redirect, whose sha256 was checked.
    expect(hub.requests.map((r) => r.path)).toContain(`/lfs/${REPO}/encoder-model.onnx`);

    // A second run keeps what is complete and downloads nothing.
    hub.requests.length = 0;
    await downloader().download({ repo: REPO, out, quantization: 'none' });
    expect(hub.requests.filter((r) => !r.path.endsWith('.data'))).toEqual([]);
  });

  it('resumes with an HTTP Range request after the connection drops half-way', async () => {
    const file = 'decoder_joint-model.onnx';
    const size = readFileSync(join(source, file)).length;
    hub.dropOnce.add(file);
    await downloader().download({ repo: REPO, out, quantization: 'none' });
    expect(readFileSync(join(out, file)).equals(readFileSync(join(source, file)))).toBe(true);
    const ranges = hub.requests.filter((r) => r.path === `/lfs/${REPO}/${file}`).map((r) => r.range);
    expect(ranges).toHaveLength(2);
    expect(ranges[0]).toBeUndefined();
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(ranges[1] ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThan(size);
  });

  it('follows a renamed repository through two redirects and still checks the sha256', async () => {
    hub.renamed.set('istupakov/old-name', REPO);
    hub.wrongSha.add('decoder_joint-model.onnx');
    const e = await failure(downloader().download({ repo: 'istupakov/old-name', out, quantization: 'none' }));
    expect(e).toBeInstanceOf(DownloadVerificationError);
    expect(e.message).toContain('decoder_joint-model.onnx: sha256');
    hub.wrongSha.clear();
    await downloader().download({ repo: 'istupakov/old-name', out, quantization: 'none' });
    expect(readFileSync(join(out, 'decoder_joint-model.onnx')).equals(readFileSync(join(source, 'decoder_joint-model.onnx')))).toBe(true);
    expect(hub.requests.some((r) => r.path === `/lfs/${REPO}/decoder_joint-model.onnx`)).toBe(true);
  });

  it('rejects a file whose sha256 does not match the hub and leaves nothing in its place', async () => {
    hub.wrongSha.add('encoder-model.onnx');
    const e = await failure(downloader().download({ repo: REPO, out, quantization: 'none' }));
    expect(e).toBeInstanceOf(DownloadVerificationError);
    expect(e.message).toContain('encoder-model.onnx');
    expect(e.message).toContain('sha256');
    expect(existsSync(join(out, 'encoder-model.onnx'))).toBe(false);
    expect(existsSync(join(out, '.fetch-model.lock'))).toBe(false);
  });

  it('rejects a graph that does not parse as ONNX', async () => {
    hub.replaced.set('decoder_joint-model.onnx', Buffer.from('<!doctype html><html>rate limited</html>'));
    const e = await failure(downloader().download({ repo: REPO, out, quantization: 'none' }));
    expect(e).toBeInstanceOf(DownloadVerificationError);
    expect(e.message).toMatch(/decoder_joint-model\.onnx: does not parse as ONNX/);
  });

  it('reports a missing repository as 404 and says which id to check', async () => {
    const e = await failure(downloader().download({ repo: 'nobody/no-such-model', out, quantization: 'none' }));
    expect(e).toBeInstanceOf(HubError);
    expect((e as HubError).kind).toBe('not-found');
    expect(e.message).toContain('404');
    expect(e.message).toContain('PARAKEET_MODEL_ID');
  });

  it('reports 401 without HF_TOKEN, and sends the token when set', async () => {
    hub.token = 'hf_secret';
    const e = await failure(downloader().download({ repo: REPO, out, quantization: 'none' }));
    expect((e as HubError).kind).toBe('unauthorized');
    expect(e.message).toContain('set HF_TOKEN');
    await downloader('hf_secret').download({ repo: REPO, out, quantization: 'none' });
    expect(hub.requests.at(-1)?.auth).toBe('Bearer hf_secret');
  });

  it('reports 403 as a token without access', async () => {
    hub.forbidden.add(REPO);
    const e = await failure(downloader('hf_other').download({ repo: REPO, out, quantization: 'none' }));
    expect((e as HubError).kind).toBe('forbidden');
    expect(e.message).toContain('403');
  });

  it('reports an unreachable hub as a network error', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const e = await failure(new ModelDownloader(new HubClient(`http://127.0.0.1:${port}`), { attempts: 2, delayMs: 1 }).download({ repo: REPO, out, quantization: 'none' }));
    expect((e as HubError).kind).toBe('network');
    expect(e.message).toContain('ECONNREFUSED');
  });

  it('keeps a second download out of a directory that is being downloaded into', async () => {
    const gate = hub.hold('vocab.txt');
    const first = downloader().download({ repo: REPO, out, quantization: 'none' });
    await gate.requested;
    const e = await failure(downloader().download({ repo: REPO, out, quantization: 'none' }));
    expect(e).toBeInstanceOf(DirectoryLockedError);
    expect(e.message).toContain(`process ${process.pid}`);
    gate.release();
    await first;
    expect(() => inspectModelDirectory(out, 'none')).not.toThrow();
  });

  it('takes over a lock left by a process that no longer exists', async () => {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(out, { recursive: true });
    const { hostname } = await import('node:os');
    writeFileSync(join(out, '.fetch-model.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), since: 'earlier' }));
    await downloader().download({ repo: REPO, out, quantization: 'none' });
    expect(existsSync(join(out, '.fetch-model.lock'))).toBe(false);
  });

  it('respects a fresh lock from another host, and takes over one nobody has touched for minutes', async () => {
    const { mkdirSync, utimesSync } = await import('node:fs');
    mkdirSync(out, { recursive: true });
    const lock = join(out, '.fetch-model.lock');
    writeFileSync(lock, JSON.stringify({ pid: 1, host: 'another-pod', since: 'earlier' }));
    const e = await failure(downloader().download({ repo: REPO, out, quantization: 'none' }));
    expect(e).toBeInstanceOf(DirectoryLockedError);
    expect(e.message).toContain('process 1 on another-pod');
    const tenMinutesAgo = new Date(Date.now() - 600_000);
    utimesSync(lock, tenMinutesAgo, tenMinutesAgo);
    await downloader().download({ repo: REPO, out, quantization: 'none' });
    expect(existsSync(lock)).toBe(false);
  });
});
