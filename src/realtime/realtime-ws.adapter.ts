import { Logger, type INestApplicationContext } from '@nestjs/common';
import type { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import { WsAdapter } from '@nestjs/platform-ws';
import type { EnvironmentVariables } from '../config/env.schema.js';

type WsServer = EventEmitter;

/** Subprotocols that carry credentials, never to be echoed back as the chosen protocol. */
export const KEY_PROTOCOL_PREFIX = 'openai-insecure-api-key.';

/**
 * Nest's ws adapter with what the realtime endpoint needs from the ws server itself: the message size limit
 * from config, and subprotocol selection that answers `realtime` (browsers drop a socket whose server picks
 * none of the offered protocols, and must never be answered with their API key). Messages are parsed by the
 * session, not routed through Nest's `{event, data}` convention, which OpenAI's events do not follow.
 */
export class RealtimeWsAdapter extends WsAdapter {
  private readonly socketLogger = new Logger('RealtimeSocket');

  constructor(
    app: INestApplicationContext,
    private readonly config: EnvironmentVariables,
  ) {
    super(app, { messageParser: () => undefined });
  }

  /** Socket errors are the client's doing (an oversized or malformed frame): ws closes the socket itself. */
  override bindErrorHandler(server: WsServer): WsServer {
    server.on('connection', (ws: WebSocket) => ws.on('error', (err: Error) => this.socketLogger.debug(`socket closed on a client error: ${err.message}`)));
    server.on('error', (err: Error) => this.socketLogger.error(err));
    return server;
  }

  override create(port: number, options: Record<string, unknown> & { path?: string } = {}) {
    return super.create(port, {
      ...options,
      maxPayload: Math.floor(this.config.realtimeMaxMessageMb * 1024 * 1024),
      perMessageDeflate: false,
      handleProtocols: (protocols: Set<string>) => {
        if (protocols.has('realtime')) return 'realtime';
        for (const p of protocols) if (!p.startsWith(KEY_PROTOCOL_PREFIX)) return p;
        return false;
      },
    });
  }
}
