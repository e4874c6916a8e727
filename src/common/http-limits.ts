import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { bearerToken } from '../auth/api-keys.js';
import type { EnvironmentVariables } from '../config/env.schema.js';
import { ApiError } from './api-error.js';

/**
 * Who a request is from, for rate limits and the scheduler's fair turns: the API key when one is sent (hashed: keys
 * never sit in memory as map keys), else the client's address.
 */
export function clientKey(request: FastifyRequest): string {
  const key = bearerToken(request.headers.authorization);
  return key ? `key:${createHash('sha256').update(key).digest('base64url')}` : `ip:${request.ip}`;
}

/** CORS (closed unless configured) and per-key / per-address rate limits on /v1. */
export async function registerHttpLimits(fastify: FastifyInstance, config: EnvironmentVariables): Promise<void> {
  const origins = (config.corsOrigins ?? '').split(',').map((o) => o.trim()).filter(Boolean);
  if (origins.length) {
    await fastify.register(cors, {
      origin: origins.includes('*') ? '*' : origins,
      methods: ['GET', 'POST', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type', 'x-priority', 'x-request-id', 'openai-beta', 'idempotency-key'],
      exposedHeaders: ['x-request-id', 'x-audio-duration', 'x-queue-wait-ms', 'x-batch-size', 'retry-after', 'location'],
      maxAge: 600,
    });
  }
  if (config.rateLimitPerMin > 0) {
    await fastify.register(rateLimit, {
      global: true,
      max: config.rateLimitPerMin,
      timeWindow: 60_000,
      keyGenerator: clientKey,
      allowList: (request) => !request.url.startsWith('/v1/'),
      errorResponseBuilder: (_request, context) =>
        Object.assign(new ApiError(429, `Rate limit reached: ${context.max} requests per minute; retry in ${Math.ceil(context.ttl / 1000)} s.`, 'rate_limit_exceeded'), {
          retryAfterS: context.ttl / 1000,
        }),
    });
  }
}
