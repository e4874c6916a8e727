import { RealtimeProtocolError } from './realtime-error.js';

export type ClientEvent =
  | { type: 'session.update' | 'transcription_session.update'; event_id?: string; session: Record<string, unknown> }
  | { type: 'input_audio_buffer.append'; event_id?: string; audio: string }
  | { type: 'input_audio_buffer.commit' | 'input_audio_buffer.clear'; event_id?: string }
  | { type: 'response.create'; event_id?: string; response?: Record<string, unknown> };

export const CLIENT_EVENT_TYPES = [
  'session.update',
  'transcription_session.update',
  'input_audio_buffer.append',
  'input_audio_buffer.commit',
  'input_audio_buffer.clear',
  'response.create',
] as const;

const KNOWN = new Set<string>(CLIENT_EVENT_TYPES);
const MAX_EVENT_ID = 512;

export interface ParsedClientEvent {
  event?: ClientEvent;
  /** The client's event_id when it could be read, so an error can name the event that caused it. */
  eventId: string | null;
  error?: RealtimeProtocolError;
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One text frame → a typed client event, or the error event's content. Never throws. */
export function parseClientEvent(text: string): ParsedClientEvent {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { eventId: null, error: new RealtimeProtocolError('invalid_json', 'The message is not valid JSON.') };
  }
  if (!isObject(raw)) return { eventId: null, error: new RealtimeProtocolError('invalid_event', 'An event must be a JSON object with a "type".') };
  let eventId: string | null = null;
  if (raw.event_id !== undefined) {
    if (typeof raw.event_id !== 'string' || raw.event_id.length > MAX_EVENT_ID) {
      return { eventId: null, error: new RealtimeProtocolError('invalid_value', `event_id must be a string of at most ${MAX_EVENT_ID} characters.`, 'event_id') };
    }
    eventId = raw.event_id;
  }
  const fail = (code: string, message: string, param: string | null = null) => ({ eventId, error: new RealtimeProtocolError(code, message, param) });
  if (typeof raw.type !== 'string') return fail('invalid_event', 'An event must have a string "type".', 'type');
  if (!KNOWN.has(raw.type)) {
    return fail('unknown_event_type', `Unsupported event type "${raw.type.slice(0, 64)}". Supported: ${CLIENT_EVENT_TYPES.join(', ')}.`, 'type');
  }
  switch (raw.type) {
    case 'session.update':
    case 'transcription_session.update':
      if (!isObject(raw.session)) return fail('invalid_value', '"session" must be an object.', 'session');
      break;
    case 'input_audio_buffer.append':
      if (typeof raw.audio !== 'string') return fail('invalid_value', '"audio" must be a base64 string.', 'audio');
      break;
    case 'response.create':
      if (raw.response !== undefined && raw.response !== null && !isObject(raw.response)) return fail('invalid_value', '"response" must be an object.', 'response');
      break;
  }
  return { eventId, event: raw as unknown as ClientEvent };
}
