/**
 * A client mistake answered with an `error` event; the session stays open. `param` names the offending field
 * as a dotted path inside the client event.
 */
export class RealtimeProtocolError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly param: string | null = null,
    readonly type: 'invalid_request_error' | 'server_error' = 'invalid_request_error',
  ) {
    super(message);
    this.name = 'RealtimeProtocolError';
  }
}
