import { Injectable, Logger } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AppConfig } from '../config/app-config.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

export type KeyCheck = 'ok' | 'missing' | 'invalid';

/**
 * PARAKEET_API_KEYS. Keys are compared as SHA-256 digests with timingSafeEqual, so neither content nor
 * length leaks through timing; every key is compared every time.
 */
@Injectable()
export class ApiKeys {
  private readonly keys: Buffer[];

  constructor(config: AppConfig) {
    this.keys = (config.apiKeys ?? '').split(',').map((k) => k.trim()).filter(Boolean).map(digest);
    const loopback = ['127.0.0.1', '::1', 'localhost'].includes(config.host);
    if (this.keys.length === 0 && !loopback) {
      new Logger(ApiKeys.name).warn(`PARAKEET_API_KEYS is unset: the API on ${config.host}:${config.port} is open to anyone who can reach it`);
    }
  }

  get required(): boolean {
    return this.keys.length > 0;
  }

  check(candidate: string | undefined): KeyCheck {
    if (!this.required) return 'ok';
    if (!candidate) return 'missing';
    const given = digest(candidate);
    let ok = false;
    for (const key of this.keys) ok = timingSafeEqual(key, given) || ok;
    return ok ? 'ok' : 'invalid';
  }
}

/** The key from `Authorization: Bearer KEY`, if the header has that form. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return match?.[1].trim() || undefined;
}
