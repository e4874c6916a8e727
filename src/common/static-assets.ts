import type { FastifyReply } from 'fastify';
import { readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { ApiError } from './api-error.js';

const CONTENT_TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.wav': 'audio/wav',
};

export interface StaticAsset {
  readonly body: Buffer;
  readonly contentType: string;
}

/**
 * A fixed set of files read into memory once. Serving only names from an explicit list means no request path
 * ever reaches the file system, so traversal tricks have nothing to work on.
 */
export class StaticAssets {
  private readonly files = new Map<string, StaticAsset>();

  constructor(dir: string, names: readonly string[]) {
    for (const name of names) this.add(name, readFileSync(join(dir, name)));
  }

  add(name: string, body: Buffer | string): void {
    this.files.set(name, { body: Buffer.isBuffer(body) ? body : Buffer.from(body), contentType: CONTENT_TYPES[extname(name)] ?? 'application/octet-stream' });
  }

  get(name: string): StaticAsset | undefined {
    return this.files.get(name);
  }
}

/** Answers with a listed asset and the given headers, or an OpenAI-shaped 404 naming what was asked for. */
export function sendAsset(reply: FastifyReply, assets: StaticAssets, name: string, headers: Record<string, string>, what: string): void {
  const asset = assets.get(name);
  if (!asset) throw new ApiError(404, `No such ${what}: ${name.slice(0, 64)}`, 'not_found');
  void reply.headers(headers).type(asset.contentType).send(asset.body);
}
