import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { CLIENT_EVENT_TYPES, parseClientEvent, type ParsedClientEvent } from './client-events.js';
import { RealtimeProtocolError } from './realtime-error.js';

const CODES = ['invalid_json', 'invalid_event', 'unknown_event_type', 'invalid_value'];

/** Never throws; exactly one of event / error; an eventId only as a string of at most 512 characters. */
function checkedParse(text: string): ParsedClientEvent {
  let parsed: ParsedClientEvent;
  try {
    parsed = parseClientEvent(text);
  } catch (e) {
    throw new Error(`parseClientEvent threw ${String(e)}`);
  }
  expect((parsed.event === undefined) !== (parsed.error === undefined)).toBe(true);
  expect(parsed.eventId === null || (typeof parsed.eventId === 'string' && parsed.eventId.length <= 512)).toBe(true);
  if (parsed.error) {
    expect(parsed.error).toBeInstanceOf(RealtimeProtocolError);
    expect(CODES).toContain(parsed.error.code);
    expect(parsed.error.type).toBe('invalid_request_error');
    // The message never echoes more than a short piece of the input.
    expect(parsed.error.message.length).toBeLessThanOrEqual(300);
  } else {
    expect(CLIENT_EVENT_TYPES).toContain(parsed.event!.type);
  }
  return parsed;
}

// At most 256 code points: at most 512 UTF-16 units, the limit.
const eventIdArb = fc.option(fc.string({ unit: 'binary', maxLength: 256 }), { nil: undefined });
const extraArb = fc.dictionary(
  fc.string({ maxLength: 12 }).filter((k) => !['type', 'event_id', 'audio', 'session', 'response', '__proto__'].includes(k)),
  fc.jsonValue({ maxDepth: 3 }),
  { maxKeys: 3 },
);
const objectArb = fc.dictionary(fc.string({ maxLength: 12 }).filter((k) => k !== '__proto__'), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 });

/** Any valid client event, with an optional event_id and extra fields a client may add. */
const validEventArb: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(
    fc.oneof(
      fc.record({ type: fc.constantFrom('session.update', 'transcription_session.update'), session: objectArb }),
      fc.record({ type: fc.constant('input_audio_buffer.append'), audio: fc.oneof(fc.base64String({ maxLength: 200 }), fc.string({ maxLength: 20 })) }),
      fc.record({ type: fc.constantFrom('input_audio_buffer.commit', 'input_audio_buffer.clear') }),
      fc.record({ type: fc.constant('response.create'), response: fc.option(objectArb, { nil: undefined }) }, { requiredKeys: ['type'] }),
    ),
    eventIdArb,
    extraArb,
  )
  .map(([event, eventId, extra]) => ({ ...extra, ...event, ...(eventId === undefined ? {} : { event_id: eventId }) }));

describe('parseClientEvent (properties)', () => {
  it('any string: never throws, exactly one of event or error', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: fc.constantFrom(...'{}[]":,tyep_ 0a\\'), maxLength: 60 })), (text) => {
        checkedParse(text);
      }),
      { numRuns: 1000 },
    );
  });

  it('any JSON value: never throws; anything but an object is invalid_event', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const parsed = checkedParse(JSON.stringify(value));
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          expect(parsed.error?.code).toBe('invalid_event');
          expect(parsed.eventId).toBeNull();
        }
      }),
      { numRuns: 500 },
    );
  });

  it('any object with arbitrary type / event_id / payload fields: never throws, codes as documented', () => {
    const anyField = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(...CLIENT_EVENT_TYPES), fc.constant(undefined));
    fc.assert(
      fc.property(fc.record({ type: anyField, event_id: fc.oneof(anyField, fc.string({ minLength: 500, maxLength: 600 })), audio: anyField, session: anyField, response: anyField }, { requiredKeys: [] }), (raw) => {
        const parsed = checkedParse(JSON.stringify(raw));
        const id = raw.event_id;
        const idValid = id === undefined || (typeof id === 'string' && id.length <= 512);
        if (!idValid) expect(parsed.error).toMatchObject({ code: 'invalid_value', param: 'event_id' });
        else expect(parsed.eventId).toBe(id ?? null);
        if (idValid && typeof raw.type !== 'string') expect(parsed.error).toMatchObject({ code: 'invalid_event', param: 'type' });
        if (idValid && typeof raw.type === 'string' && !(CLIENT_EVENT_TYPES as readonly string[]).includes(raw.type)) {
          expect(parsed.error).toMatchObject({ code: 'unknown_event_type', param: 'type' });
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('any valid event round-trips: the same event back, and its event_id', () => {
    fc.assert(
      fc.property(validEventArb, (event) => {
        const parsed = checkedParse(JSON.stringify(event));
        expect(parsed.error).toBeUndefined();
        expect(parsed.event).toEqual(JSON.parse(JSON.stringify(event)));
        expect(JSON.stringify(parsed.event)).toBe(JSON.stringify(event));
        expect(parsed.eventId).toBe((event.event_id as string | undefined) ?? null);
      }),
      { numRuns: 500 },
    );
  });

  it('a valid event with a payload of the wrong kind is invalid_value naming that field, with its event_id', () => {
    const wrong = fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.integer(), { maxLength: 3 }), fc.constant(null));
    fc.assert(
      fc.property(fc.constantFrom('session.update', 'transcription_session.update', 'input_audio_buffer.append'), wrong, eventIdArb, (type, value, eventId) => {
        const field = type === 'input_audio_buffer.append' ? 'audio' : 'session';
        const parsed = checkedParse(JSON.stringify({ type, [field]: value, ...(eventId === undefined ? {} : { event_id: eventId }) }));
        expect(parsed.error).toMatchObject({ code: 'invalid_value', param: field });
        expect(parsed.eventId).toBe(eventId ?? null);
      }),
      { numRuns: 300 },
    );
  });

  it('truncating a valid event anywhere gives invalid_json, never a partial event', () => {
    fc.assert(
      fc.property(validEventArb, fc.nat(), (event, cut) => {
        const text = JSON.stringify(event);
        const at = cut % text.length;
        const parsed = checkedParse(text.slice(0, at));
        expect(parsed.error?.code).toBe('invalid_json');
      }),
      { numRuns: 300 },
    );
  });

  it('"__proto__" keys are data, not a way to pollute prototypes or smuggle a type', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(...CLIENT_EVENT_TYPES), (value, type) => {
        const text = `{"__proto__":{"type":${JSON.stringify(type)},"polluted":${JSON.stringify(value)}},"event_id":"p"}`;
        const parsed = checkedParse(text);
        expect(parsed.error).toMatchObject({ code: 'invalid_event', param: 'type' });
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(({} as Record<string, unknown>).type).toBeUndefined();
      }),
      { numRuns: 100 },
    );
  });
});
