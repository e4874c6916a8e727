import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ModelNotReadyError } from '../model/model.service.js';
import { RunnerUnavailableError } from '../model/runner/model-runner.js';
import { ApiError, defaultType, errorBody } from './api-error.js';

const STATUS_CODES: Record<number, string> = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limit_exceeded',
  503: 'service_unavailable',
};

/**
 * The one exception filter: every error leaves as an OpenAI-shaped body. Unknown errors are logged with
 * their stack and answered 500 with a generic message, so no path or stack trace reaches a client.
 */
@Catch()
export class OpenAiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    if (request.raw.destroyed && reply.raw.destroyed) {
      // The client went away (mid-upload or while waiting): nobody to answer, and nothing went wrong here.
      this.logger.debug(`client disconnected: ${exception instanceof Error ? exception.message : String(exception)}`);
      return;
    }
    const { status, body } = this.describe(exception);
    // 503s (queue wait, not ready, draining) are load, not faults: a warning without a stack.
    if (status === 503 && exception instanceof Error) this.logger.warn(`${exception.name}: ${exception.message}`);
    else if (status >= 500) this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    if (reply.sent) return;
    if (status === 503 || status === 429) reply.header('retry-after', String(retryAfterOf(exception)));
    void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
  }

  private describe(exception: unknown) {
    if (exception instanceof ApiError) {
      return { status: exception.status, body: errorBody(exception.message, exception.type, exception.code, exception.param) };
    }
    if (exception instanceof ModelNotReadyError || exception instanceof RunnerUnavailableError) {
      return { status: 503, body: errorBody(`The model is not ready: ${exception.message}`, 'server_error', 'model_not_ready') };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      let message = exception.message;
      if (typeof response === 'object' && response !== null && 'message' in response) {
        const m = (response as { message: unknown }).message;
        message = Array.isArray(m) ? m.join('; ') : String(m);
      }
      return { status, body: errorBody(message, defaultType(status), STATUS_CODES[status] ?? null) };
    }
    const status = statusOf(exception);
    if (status && status >= 400 && status < 500) {
      // Fastify's own errors (bad content type, body too large) carry a statusCode and a safe message.
      return { status, body: errorBody((exception as Error).message, defaultType(status), STATUS_CODES[status] ?? null) };
    }
    return { status: 500, body: errorBody('Internal server error', 'server_error', 'internal_error') };
  }
}

/** Seconds a client should wait: the error's own hint (queue errors carry PARAKEET_MAX_QUEUE_WAIT_S), else 1. */
function retryAfterOf(e: unknown): number {
  const hint = typeof e === 'object' && e !== null && 'retryAfterS' in e ? Number((e as { retryAfterS: unknown }).retryAfterS) : NaN;
  return Number.isFinite(hint) && hint > 0 ? Math.ceil(hint) : 1;
}

function statusOf(e: unknown): number | undefined {
  if (typeof e === 'object' && e !== null && 'statusCode' in e) {
    const s = (e as { statusCode: unknown }).statusCode;
    return typeof s === 'number' ? s : undefined;
  }
  return undefined;
}
