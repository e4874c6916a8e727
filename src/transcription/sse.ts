import type { Transcript } from '../asr/transcript.js';

/**
 * Server-Sent Events for `stream=true`, as OpenAI sends them: `transcript.text.delta` events, then one
 * `transcript.text.done` with the full text. Deltas are the transcript's segments (sentences).
 */
export function streamEvents(t: Transcript): string {
  const events: object[] = [];
  t.segments.forEach((s, i) => events.push({ type: 'transcript.text.delta', delta: i === 0 ? s.text : ` ${s.text}` }));
  if (events.length === 0) events.push({ type: 'transcript.text.delta', delta: '' });
  events.push({ type: 'transcript.text.done', text: t.text, usage: { type: 'duration', seconds: Math.ceil(t.duration) } });
  return events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('');
}
