import type { ScheduledResult } from '../scheduler/microbatch-scheduler.js';
import { errorEvent, newId, serverEvent, type ServerEvent } from './protocol/server-events.js';
import { RealtimeProtocolError } from './protocol/realtime-error.js';
import { turnFailure } from './turn-failure.js';
import type { TurnHandlers } from './turn-results.js';

/**
 * The reference service's flow: `response.create` transcribes the buffer and answers as a response —
 * `response.created`, `response.output_text.delta` as text decodes, `response.output_text.done`,
 * `response.completed` (the reference's name, kept for its clients), then OpenAI's `response.done`.
 */
export function respondToTurn(send: (event: ServerEvent) => void, inputItemId: string): TurnHandlers {
  const id = newId('resp');
  const itemId = newId('item');
  const position = { response_id: id, item_id: itemId, output_index: 0, content_index: 0 };
  const response = (status: string, text: string | null, extra: Record<string, unknown> = {}) => ({
    id,
    object: 'realtime.response',
    status,
    output: text === null ? [] : [{ id: itemId, object: 'realtime.item', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'text', text }] }],
    metadata: { input_item_id: inputItemId },
    ...extra,
  });
  send(serverEvent('response.created', { response: response('in_progress', null) }));
  return {
    onText: (delta) => send(serverEvent('response.output_text.delta', { ...position, delta })),
    onDone: (result: ScheduledResult) => {
      const text = result.transcript.text;
      send(serverEvent('response.output_text.done', { ...position, text }));
      const done = response('completed', text, { usage: { type: 'duration', seconds: result.transcript.duration } });
      send(serverEvent('response.completed', { response: done }));
      send(serverEvent('response.done', { response: done }));
    },
    onError: (error: Error) => {
      const failure = turnFailure(error);
      send(errorEvent(new RealtimeProtocolError(failure.code, failure.message, null, 'server_error'), null));
      send(serverEvent('response.done', { response: response('failed', null, { status_details: { type: 'failed', error: failure } }) }));
    },
  };
}
