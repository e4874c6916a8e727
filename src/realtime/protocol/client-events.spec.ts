import { describe, expect, it } from '@jest/globals';
import { parseClientEvent } from './client-events.js';

describe('parseClientEvent', () => {
  it('passes a well-formed event through with its event_id', () => {
    const parsed = parseClientEvent('{"type":"input_audio_buffer.append","audio":"AAAA","event_id":"e1"}');
    expect(parsed).toEqual({ eventId: 'e1', event: { type: 'input_audio_buffer.append', audio: 'AAAA', event_id: 'e1' } });
  });

  it.each([
    ['not json', 'invalid_json', null],
    ['[1,2]', 'invalid_event', null],
    ['"text"', 'invalid_event', null],
    ['{"event_id":"x"}', 'invalid_event', 'x'],
    ['{"type":"response.cancel","event_id":"y"}', 'unknown_event_type', 'y'],
    ['{"type":"input_audio_buffer.append"}', 'invalid_value', null],
    ['{"type":"input_audio_buffer.append","audio":5}', 'invalid_value', null],
    ['{"type":"session.update","session":[]}', 'invalid_value', null],
    ['{"type":"response.create","response":"now"}', 'invalid_value', null],
    [`{"type":"input_audio_buffer.commit","event_id":"${'x'.repeat(513)}"}`, 'invalid_value', null],
  ])('answers %s with %s', (text, code, eventId) => {
    const parsed = parseClientEvent(text);
    expect(parsed.event).toBeUndefined();
    expect(parsed.error?.code).toBe(code);
    expect(parsed.eventId).toBe(eventId);
  });
});
