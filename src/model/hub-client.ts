export type HubErrorKind = 'unauthorized' | 'forbidden' | 'not-found' | 'http' | 'network';

/** A hub request that failed; `kind` tells retryable (network, 5xx) from final (401/403/404). */
export class HubError extends Error {
  override name = 'HubError';
  constructor(
    readonly kind: HubErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }

  get retryable(): boolean {
    return this.kind === 'network' || (this.kind === 'http' && (this.status ?? 0) >= 500);
  }
}

export interface HubFileResponse {
  /** Byte offset of the first byte of `body` (0 unless the hub honoured a Range request). */
  start: number;
  /** Size of the whole file, when the hub says it. */
  size?: number;
  /** sha256 of the whole file, when the hub's LFS metadata gives one. */
  sha256?: string;
  body: ReadableStream<Uint8Array>;
}

/** `416 Range Not Satisfiable`: the requested offset is at (or past) the end of the file. */
export interface HubRangeEnd {
  rangeEnd: true;
  size?: number;
}

const SHA256 = /^[0-9a-f]{64}$/;

function unquote(etag: string | null): string | undefined {
  if (!etag) return undefined;
  const v = etag.trim().replace(/^W\//, '').replace(/^"|"$/g, '').toLowerCase();
  return SHA256.test(v) ? v : undefined;
}

function positiveInt(v: string | null | undefined): number | undefined {
  if (!v || !/^\d+$/.test(v.trim())) return undefined;
  return Number(v.trim());
}

/**
 * Reads files from a Hugging-Face-style hub (`<base>/<repo>/resolve/main/<file>`). LFS files answer with
 * a redirect whose headers carry the file's sha256 (`x-linked-etag`) and size (`x-linked-size`); the
 * redirect is followed by hand to keep them, and the token is never sent to another host.
 */
export class HubClient {
  private readonly base: string;

  constructor(
    baseUrl: string,
    private readonly token?: string,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    this.base = baseUrl.replace(/\/+$/, '');
  }

  fileUrl(repo: string, file: string): string {
    const path = repo.split('/').map(encodeURIComponent).join('/');
    return `${this.base}/${path}/resolve/main/${file.split('/').map(encodeURIComponent).join('/')}`;
  }

  async get(repo: string, file: string, offset = 0): Promise<HubFileResponse | HubRangeEnd> {
    const url = this.fileUrl(repo, file);
    const origin = new URL(url).origin;
    const what = `${repo}/${file}`;
    let res = await this.request(url, offset, true, what);
    let sha256 = unquote(res.headers.get('x-linked-etag'));
    let size = positiveInt(res.headers.get('x-linked-size'));
    // Renamed repositories redirect within the hub, LFS files to a CDN: follow a few hops by hand.
    for (let hop = 0; hop < 5 && res.status >= 300 && res.status < 400 && res.headers.get('location'); hop++) {
      const next = new URL(res.headers.get('location')!, res.url || url);
      await res.body?.cancel();
      res = await this.request(next.href, offset, next.origin === origin, what);
      sha256 ??= unquote(res.headers.get('x-linked-etag'));
      size ??= positiveInt(res.headers.get('x-linked-size'));
    }
    if (res.status === 416) {
      await res.body?.cancel();
      return { rangeEnd: true, size: size ?? positiveInt(/\/(\d+)$/.exec(res.headers.get('content-range') ?? '')?.[1]) };
    }
    if (res.status !== 200 && res.status !== 206) {
      const code = res.headers.get('x-error-code') ?? '';
      await res.body?.cancel();
      throw this.statusError(res.status, code, what);
    }
    if (!res.body) throw new HubError('http', `${what}: the hub sent no body`, res.status);
    sha256 ??= unquote(res.headers.get('etag'));
    let start = 0;
    if (res.status === 206) {
      const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
      if (!m) {
        await res.body.cancel();
        throw new HubError('http', `${what}: 206 without a usable Content-Range`, 206);
      }
      start = Number(m[1]);
      size ??= m[3] === '*' ? undefined : Number(m[3]);
    } else if (!res.headers.get('content-encoding') || res.headers.get('content-encoding') === 'identity') {
      size ??= positiveInt(res.headers.get('content-length'));
    }
    return { start, size, sha256, body: res.body };
  }

  private async request(url: string, offset: number, sameOrigin: boolean, what: string): Promise<Response> {
    // identity: sizes and Range offsets must count the bytes written to disk, not compressed ones.
    const headers: Record<string, string> = { 'user-agent': 'parakeet-nest fetch-model', 'accept-encoding': 'identity' };
    if (offset > 0) headers.range = `bytes=${offset}-`;
    if (this.token && sameOrigin) headers.authorization = `Bearer ${this.token}`;
    try {
      return await this.fetchImpl(url, { headers, redirect: 'manual' });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (e as Error).message;
      throw new HubError('network', `${what}: cannot reach ${new URL(url).origin} (${why}); check the network or PARAKEET_HUB_URL`);
    }
  }

  private statusError(status: number, code: string, what: string): HubError {
    const gated = code === 'GatedRepo' ? ' (gated repository: accept its terms on the hub)' : '';
    switch (status) {
      case 401:
        return new HubError(
          'unauthorized',
          `${what}: 401 Unauthorized${gated}; ${this.token ? 'HF_TOKEN was rejected' : 'set HF_TOKEN'} (the hub also answers 401 for a repository that does not exist)`,
          status,
        );
      case 403:
        return new HubError('forbidden', `${what}: 403 Forbidden${gated}; HF_TOKEN lacks access to this repository`, status);
      case 404:
        return new HubError(
          'not-found',
          `${what}: 404 Not Found${code === 'RepoNotFound' ? ' (no such repository)' : code === 'EntryNotFound' ? ' (no such file in the repository)' : ''}; check --id / PARAKEET_MODEL_ID`,
          status,
        );
      default:
        return new HubError('http', `${what}: HTTP ${status}${code ? ` (${code})` : ''}`, status);
    }
  }
}
