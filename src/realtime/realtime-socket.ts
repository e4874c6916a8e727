import type { WebSocket } from 'ws';
import type { ServerEvent } from './protocol/server-events.js';
import type { EventSink } from './realtime-session.js';

/** How long a closing socket may take to finish its close handshake before it is cut. */
const CLOSE_GRACE_MS = 5000;

/**
 * The server side of one socket: JSON out with a bounded send buffer (a client that stops reading is closed
 * with 1008, not buffered without end), an idle timer on client messages, and a close that always finishes.
 */
export class RealtimeSocket implements EventSink {
  private idleTimer?: NodeJS.Timeout;
  private closing = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly limits: { sendBufferBytes: number; idleMs: number },
  ) {
    this.touch();
    ws.once('close', () => clearTimeout(this.idleTimer));
  }

  get open(): boolean {
    return !this.closing && this.ws.readyState === this.ws.OPEN;
  }

  /** A client message arrived: the session is not idle. */
  touch(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.close(1000, 'idle timeout'), this.limits.idleMs);
    this.idleTimer.unref();
  }

  send(event: ServerEvent): void {
    if (!this.open) return;
    this.ws.send(JSON.stringify(event));
    if (this.ws.bufferedAmount > this.limits.sendBufferBytes) {
      this.close(1008, 'slow reader: send buffer limit exceeded');
    }
  }

  close(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    clearTimeout(this.idleTimer);
    if (this.ws.readyState === this.ws.CLOSED) return;
    this.ws.close(code, reason);
    setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS).unref();
  }
}
