import { randomBytes } from 'node:crypto';
import type { RealtimeProtocolError } from './realtime-error.js';

/** OpenAI-style ids: a prefix and 22 url-safe random characters. */
export const newId = (prefix: 'event' | 'item' | 'sess' | 'resp'): string => `${prefix}_${randomBytes(16).toString('base64url').slice(0, 22)}`;

export type ServerEvent = { type: string; event_id: string } & Record<string, unknown>;

export function serverEvent(type: string, fields: Record<string, unknown> = {}): ServerEvent {
  return { event_id: newId('event'), type, ...fields };
}

export function errorEvent(error: RealtimeProtocolError, eventId: string | null): ServerEvent {
  return serverEvent('error', { error: { type: error.type, code: error.code, message: error.message, param: error.param, event_id: eventId } });
}

/** The user item a committed buffer becomes (speaches and OpenAI's beta fill the content this way). */
export function userAudioItem(id: string) {
  return { id, object: 'realtime.item', type: 'message', status: 'completed', role: 'user', content: [{ type: 'input_audio', transcript: null }] };
}
