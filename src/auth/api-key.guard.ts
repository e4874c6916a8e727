import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error.js';
import { ApiKeys, bearerToken } from './api-keys.js';

/** `Authorization: Bearer KEY` on the REST API, as OpenAI clients send it. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly keys: ApiKeys) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    switch (this.keys.check(bearerToken(request.headers.authorization))) {
      case 'missing':
        throw new ApiError(401, 'Missing API key: send `Authorization: Bearer YOUR_KEY`.', 'missing_api_key', null, 'invalid_request_error');
      case 'invalid':
        throw new ApiError(401, 'Incorrect API key provided.', 'invalid_api_key', null, 'invalid_request_error');
      default:
        return true;
    }
  }
}
