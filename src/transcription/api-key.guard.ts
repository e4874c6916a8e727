import { Injectable, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error.js';
import { AppConfig } from '../config/app-config.js';

const digest = (s: string) => createHash('sha256').update(s).digest();
let warned = false;

/**
 * `Authorization: Bearer KEY` against PARAKEET_API_KEYS. Keys are compared as SHA-256 digests with
 * timingSafeEqual, so neither content nor length leaks through timing.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: Buffer[];

  constructor(config: AppConfig) {
    this.keys = (config.apiKeys ?? '').split(',').map((k) => k.trim()).filter(Boolean).map(digest);
    const loopback = ['127.0.0.1', '::1', 'localhost'].includes(config.host);
    if (this.keys.length === 0 && !loopback && !warned) {
      warned = true;
      new Logger(ApiKeyGuard.name).warn(`PARAKEET_API_KEYS is unset: the API on ${config.host}:${config.port} is open to anyone who can reach it`);
    }
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.keys.length === 0) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match) throw new ApiError(401, 'Missing API key: send `Authorization: Bearer YOUR_KEY`.', 'missing_api_key', null, 'invalid_request_error');
    const candidate = digest(match[1].trim());
    let ok = false;
    for (const key of this.keys) ok = timingSafeEqual(key, candidate) || ok;
    if (!ok) throw new ApiError(401, 'Incorrect API key provided.', 'invalid_api_key', null, 'invalid_request_error');
    return true;
  }
}
