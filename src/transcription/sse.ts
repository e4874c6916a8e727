import type { FastifyReply } from 'fastify';
import { ApiError, errorBody } from '../common/api-error.js';

/**
 * Server-Sent Events for `stream=true`, as OpenAI sends them: `data:` lines of JSON with a `type`. The
 * response starts with the first event, so errors before any text still get their proper HTTP status.
 */
export class SseWriter {
  private started = false;

  constructor(private readonly reply: FastifyReply) {}

  get hasStarted(): boolean {
    return this.started;
  }

  send(event: object): void {
    if (!this.started) {
      this.started = true;
      this.reply.hijack();
      this.reply.raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
    }
    if (!this.reply.raw.destroyed) this.reply.raw.write(`data: ${JSON.stringify(event)}\n\n`);
  }

  /** A failure after the 200: a data event carrying `error`, which the OpenAI SDK raises as APIError. */
  fail(error: unknown): void {
    const body =
      error instanceof ApiError
        ? errorBody(error.message, error.type, error.code, error.param)
        : errorBody('Internal server error', 'server_error', 'internal_error');
    this.send(body);
    this.end();
  }

  end(): void {
    if (!this.reply.raw.destroyed) this.reply.raw.end();
  }
}
