import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface HubRequest {
  path: string;
  range?: string;
  auth?: string;
}

/**
 * A local HTTP server with the Hugging Face `resolve/main` behaviour the downloader relies on: large
 * (LFS) files answer with a 302 carrying `x-linked-etag` (sha256) and `x-linked-size`, their content is
 * served with Range support, small files are served directly; 401/403/404 carry `x-error-code`.
 * Faults are switched on per file: a dropped connection, a wrong checksum, a held response.
 */
export class FakeHub {
  readonly requests: HubRequest[] = [];
  private readonly repos = new Map<string, Map<string, Buffer>>();
  private server?: Server;
  /** Files whose first full-body response is cut after half of the bytes. */
  readonly dropOnce = new Set<string>();
  /** Files whose advertised sha256 is wrong. */
  readonly wrongSha = new Set<string>();
  /** Files served with a `content` override (e.g. an HTML page instead of a model) and no sha256. */
  readonly replaced = new Map<string, Buffer>();
  /** Repositories that answer 403. */
  readonly forbidden = new Set<string>();
  /** Old repository name → new one: the old name answers 307 to the new (as the hub does after a rename). */
  readonly renamed = new Map<string, string>();
  /** When set, every request needs `Authorization: Bearer <token>`. */
  token?: string;
  private readonly held = new Map<string, { requested: Promise<void>; arrived: () => void; release: () => void; released: Promise<void> }>();

  /** Serves every file of a model directory under `repo`. */
  addRepo(repo: string, dir: string): this {
    const files = new Map<string, Buffer>();
    for (const name of readdirSync(dir)) files.set(name, readFileSync(join(dir, name)));
    this.repos.set(repo, files);
    return this;
  }

  /** Holds the response for `file` until `release()`; `requested` resolves when the request has arrived. */
  hold(file: string): { requested: Promise<void>; release: () => void } {
    let arrived!: () => void;
    let release!: () => void;
    const requested = new Promise<void>((r) => (arrived = r));
    const released = new Promise<void>((r) => (release = r));
    this.held.set(file, { requested, arrived, release, released });
    return { requested, release };
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const h of this.held.values()) h.release();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    this.requests.push({ path, range: req.headers.range, auth: req.headers.authorization });
    if (this.token && req.headers.authorization !== `Bearer ${this.token}`) return this.fail(res, 401, 'GatedRepo');
    const lfs = /^\/lfs\/(.+?\/.+?)\/(.+)$/.exec(path);
    const resolve = /^\/(.+?\/.+?)\/resolve\/main\/(.+)$/.exec(path);
    const m = lfs ?? resolve;
    if (!m) return this.fail(res, 404, 'RepoNotFound');
    const [, repo, file] = m;
    const moved = this.renamed.get(repo);
    if (resolve && moved) {
      res.writeHead(307, { location: `/${moved}/resolve/main/${file}` });
      res.end();
      return;
    }
    if (this.forbidden.has(repo)) return this.fail(res, 403, 'GatedRepo');
    const files = this.repos.get(repo);
    if (!files) return this.fail(res, 404, 'RepoNotFound');
    const real = files.get(file);
    if (!real) return this.fail(res, 404, 'EntryNotFound');
    const content = this.replaced.get(file) ?? real;
    const isLfs = (file.endsWith('.onnx') || file.endsWith('.data')) && !this.replaced.has(file);
    if (resolve && isLfs) {
      const sha = createHash('sha256').update(content).digest('hex');
      res.writeHead(302, {
        location: `/lfs/${repo}/${file}`,
        'x-linked-etag': `"${this.wrongSha.has(file) ? sha.replace(/^./, sha[0] === '0' ? '1' : '0') : sha}"`,
        'x-linked-size': String(content.length),
      });
      res.end();
      return;
    }
    const held = this.held.get(file);
    if (held) {
      held.arrived();
      await held.released;
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    if (start >= content.length && range) {
      res.writeHead(416, { 'content-range': `bytes */${content.length}` });
      res.end();
      return;
    }
    const body = content.subarray(start);
    res.writeHead(range ? 206 : 200, {
      'content-length': String(body.length),
      'content-type': 'application/octet-stream',
      ...(range ? { 'content-range': `bytes ${start}-${content.length - 1}/${content.length}` } : {}),
    });
    if (!range && this.dropOnce.delete(file)) {
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.destroy());
      return;
    }
    res.end(body);
  }

  private fail(res: ServerResponse, status: number, code: string): void {
    res.writeHead(status, { 'x-error-code': code, 'content-type': 'text/plain' });
    res.end(`${status} ${code}`);
  }
}
