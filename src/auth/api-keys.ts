import { Injectable, Logger } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AppConfig } from '../config/app-config.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * A test for "is this one of the secrets": SHA-256 digests compared with timingSafeEqual, every secret every
 * time, so neither content nor length leaks through timing.
 */
export function secretMatcher(secrets: string[]): (candidate: string) => boolean {
  const digests = secrets.map(digest);
  return (candidate) => {
    const given = digest(candidate);
    let ok = false;
    for (const d of digests) ok = timingSafeEqual(d, given) || ok;
    return ok;
  };
}

export type KeyCheck = 'ok' | 'missing' | 'invalid';

/** PARAKEET_API_KEYS, compared in constant time (secretMatcher). */
@Injectable()
export class ApiKeys {
  readonly required: boolean;
  private readonly matches: (candidate: string) => boolean;

  constructor(config: AppConfig) {
    const keys = (config.apiKeys ?? '').split(',').map((k) => k.trim()).filter(Boolean);
    this.required = keys.length > 0;
    this.matches = secretMatcher(keys);
    const loopback = ['127.0.0.1', '::1', 'localhost'].includes(config.host);
    if (!this.required && !loopback) {
      new Logger(ApiKeys.name).warn(`PARAKEET_API_KEYS is unset: the API on ${config.host}:${config.port} is open to anyone who can reach it`);
    }
  }

  check(candidate: string | undefined): KeyCheck {
    if (!this.required) return 'ok';
    if (!candidate) return 'missing';
    return this.matches(candidate) ? 'ok' : 'invalid';
  }
}

/** The key from `Authorization: Bearer KEY`, if the header has that form. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return match?.[1].trim() || undefined;
}
