import WebSocket from 'ws';
import { encodePcm16 } from '../../src/audio/pcm16.js';

export interface RealtimeEvent {
  type: string;
  event_id: string;
  [key: string]: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A real `ws` client that records every server event with its arrival time. */
export class RealtimeClient {
  readonly events: (RealtimeEvent & { at: number })[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      this.events.push({ ...(JSON.parse(data.toString()) as RealtimeEvent), at: performance.now() });
      this.wake();
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.wake();
      }),
    );
    ws.on('error', () => {});
  }

  /** `ca`: the certificates to trust for a wss:// URL (an https:// base URL becomes wss://). */
  static connect(url: string, options: { path?: string; headers?: Record<string, string>; protocols?: readonly string[]; ca?: string } = {}): Promise<RealtimeClient> {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + (options.path ?? '/v1/realtime?intent=transcription'), [...(options.protocols ?? [])], { headers: options.headers, ca: options.ca });
    const client = new RealtimeClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  send(event: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(event));
  }

  /** Appends 16-bit PCM in pieces of `chunkMs`, optionally paced at real time. */
  async appendPcm(samples: Float32Array, rate: number, chunkMs = 100, realtime = false): Promise<void> {
    const step = Math.round((rate * chunkMs) / 1000);
    for (let i = 0; i < samples.length; i += step) {
      this.send({ type: 'input_audio_buffer.append', audio: pcm16Base64(samples.subarray(i, i + step)) });
      if (realtime) await new Promise((r) => setTimeout(r, chunkMs));
    }
  }

  of(type: string): (RealtimeEvent & { at: number })[] {
    return this.events.filter((e) => e.type === type);
  }

  /** The first event (after `from`) of this type that matches, waiting for it. */
  async next(type: string, match: (e: RealtimeEvent) => boolean = () => true, timeoutMs = 30000, from = 0): Promise<RealtimeEvent & { at: number }> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.slice(from).find((e) => e.type === type && match(e));
      if (found) return found;
      if (Date.now() > until || this.ws.readyState === WebSocket.CLOSED) {
        throw new Error(`no ${type} event within ${timeoutMs} ms; got ${this.events.map((e) => e.type).join(', ')}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(10, until - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): Promise<{ code: number; reason: string }> {
    this.ws.close();
    return this.closed;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

export function pcm16Base64(samples: Float32Array): string {
  return encodePcm16(samples).toString('base64');
}
