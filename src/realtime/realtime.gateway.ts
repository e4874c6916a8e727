import { Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayConnection } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { ApiKeys, bearerToken } from '../auth/api-keys.js';
import { AppConfig } from '../config/app-config.js';
import { DrainState } from '../health/drain-state.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ChunkedTranscriber } from '../scheduler/chunked-transcriber.js';
import { TranscriptionService } from '../transcription/transcription.service.js';
import { VadService } from '../vad/vad.service.js';
import { RealtimeProtocolError } from './protocol/realtime-error.js';
import { errorEvent, newId } from './protocol/server-events.js';
import { RealtimeSession, type RealtimeDeps } from './realtime-session.js';
import { RealtimeSocket } from './realtime-socket.js';
import { KEY_PROTOCOL_PREFIX } from './realtime-ws.adapter.js';
import { OPENAI_VAD, type SessionConfig } from './session-config.js';

/** Longest a shutdown waits for committed turns before the sockets are cut. */
const DRAIN_TIMEOUT_MS = 30_000;

/**
 * WS /v1/realtime: OpenAI-Realtime-compatible transcription on the HTTP port. `?intent=transcription` opens
 * OpenAI's transcription session (24 kHz, server VAD); no intent opens the reference flow (16 kHz,
 * response.create). Refusals are an `error` event followed by a close code, which every client can show.
 */
@WebSocketGateway({ path: '/v1/realtime' })
export class RealtimeGateway implements OnGatewayConnection, BeforeApplicationShutdown {
  private readonly logger = new Logger(RealtimeGateway.name);
  private readonly sessions = new Set<RealtimeSession>();
  private draining = false;
  private readonly deps: RealtimeDeps;

  constructor(
    private readonly config: AppConfig,
    private readonly keys: ApiKeys,
    chunked: ChunkedTranscriber,
    vad: VadService,
    transcription: TranscriptionService,
    metrics: MetricsService,
    private readonly drain: DrainState,
  ) {
    this.deps = {
      limits: { maxBufferS: config.realtimeMaxBufferS, partialMs: config.realtimePartialMs },
      transcribe: (samples, signal, onText) => chunked.transcribe(samples, { priority: 'realtime', signal, onText }),
      openVad: () => vad.openStream(),
      modelAllowed: (id) => !config.strictModel || transcription.modelIds().includes(id),
      recordTurn: (fields) => metrics.recordTurn(fields),
    };
    metrics.live.activeSessions = () => this.sessions.size;
  }

  get activeSessions(): number {
    return this.sessions.size;
  }

  handleConnection(ws: WebSocket, request: IncomingMessage): void {
    const socket = new RealtimeSocket(ws, { sendBufferBytes: this.config.realtimeSendBufferMb * 1024 * 1024, idleMs: this.config.realtimeIdleS * 1000 });
    const url = new URL(request.url ?? '/', 'ws://localhost');
    const protocols = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
    const refuse = (code: number, error: RealtimeProtocolError) => {
      socket.send(errorEvent(error, null));
      socket.close(code, error.message.slice(0, 120));
    };
    const key = bearerToken(request.headers.authorization) ?? protocols.find((p) => p.startsWith(KEY_PROTOCOL_PREFIX))?.slice(KEY_PROTOCOL_PREFIX.length) ?? url.searchParams.get('api_key') ?? undefined;
    const auth = this.keys.check(key);
    if (auth !== 'ok') {
      const message = auth === 'missing' ? 'Missing API key: send `Authorization: Bearer KEY`, the subprotocol `openai-insecure-api-key.KEY` or `?api_key=KEY`.' : 'Incorrect API key provided.';
      return refuse(1008, new RealtimeProtocolError(auth === 'missing' ? 'missing_api_key' : 'invalid_api_key', message));
    }
    if (this.draining || this.drain.refusing) return refuse(1001, new RealtimeProtocolError('server_shutting_down', 'The server is shutting down.', null, 'server_error'));
    if (this.sessions.size >= this.config.realtimeMaxSessions) {
      return refuse(1013, new RealtimeProtocolError('session_limit_reached', `The server has reached its limit of ${this.config.realtimeMaxSessions} realtime sessions; try again later.`, null, 'server_error'));
    }
    const intent = url.searchParams.get('intent');
    if (intent !== null && intent !== 'transcription') {
      return refuse(1008, new RealtimeProtocolError('invalid_value', `Unsupported intent "${intent.slice(0, 32)}": use intent=transcription, or no intent for the response.create flow.`, 'intent'));
    }
    const beta = /realtime=v1/.test(String(request.headers['openai-beta'] ?? '')) || protocols.includes('openai-beta.realtime-v1');
    const session = new RealtimeSession(this.initialConfig(intent === 'transcription'), beta ? 'beta' : 'ga', this.deps, socket);
    this.sessions.add(session);
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      socket.touch();
      if (isBinary) session.receiveBinary();
      else session.receive(data.toString('utf8'));
    });
    ws.once('close', () => {
      this.sessions.delete(session);
      session.dispose();
    });
    session.open();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.draining = true;
    if (this.sessions.size === 0) return;
    this.logger.log(`finishing committed turns of ${this.sessions.size} realtime session(s)`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, DRAIN_TIMEOUT_MS)));
    await Promise.race([Promise.all([...this.sessions].map((s) => s.drain())), timeout]);
    clearTimeout(timer);
  }

  private initialConfig(transcription: boolean): SessionConfig {
    return {
      id: newId('sess'),
      type: transcription ? 'transcription' : 'realtime',
      encoding: 'pcm16',
      rate: transcription ? 24000 : this.config.realtimeSampleRate,
      model: this.config.modelId,
      language: 'en',
      prompt: '',
      turnDetection: transcription ? { ...OPENAI_VAD } : null,
      noiseReduction: null,
      include: [],
    };
  }
}
