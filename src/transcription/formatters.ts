import type { Transcript } from '../asr/transcript.js';

export const RESPONSE_FORMATS = ['json', 'text', 'srt', 'verbose_json', 'vtt'] as const;
export type ResponseFormat = (typeof RESPONSE_FORMATS)[number];
export type Granularity = 'word' | 'segment';

export interface FormattedBody {
  contentType: string;
  body: string | object;
}

const usage = (t: Transcript) => ({ type: 'duration', seconds: Math.ceil(t.duration) });
const round = (x: number) => Math.round(x * 1000) / 1000;

function clock(seconds: number, separator: ',' | '.'): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const h = Math.floor(ms / 3600000);
  const m = Math.floor((ms % 3600000) / 60000);
  const s = Math.floor((ms % 60000) / 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}${separator}${pad(ms % 1000, 3)}`;
}

/** The response body for one transcript, shaped exactly as OpenAI shapes each format. */
export function formatTranscript(t: Transcript, format: ResponseFormat, granularities: Granularity[]): FormattedBody {
  switch (format) {
    case 'text':
      return { contentType: 'text/plain; charset=utf-8', body: `${t.text}\n` };
    case 'srt':
      return {
        contentType: 'text/plain; charset=utf-8',
        body: t.segments.map((s, i) => `${i + 1}\n${clock(s.start, ',')} --> ${clock(s.end, ',')}\n${s.text}\n`).join('\n'),
      };
    case 'vtt':
      return {
        contentType: 'text/vtt; charset=utf-8',
        body: `WEBVTT\n\n${t.segments.map((s) => `${clock(s.start, '.')} --> ${clock(s.end, '.')}\n${s.text}\n`).join('\n')}`,
      };
    case 'verbose_json': {
      const body: Record<string, unknown> = { task: 'transcribe', language: 'english', duration: t.duration, text: t.text };
      if (granularities.includes('segment') || granularities.length === 0) {
        body.segments = t.segments.map((s) => ({
          id: s.id,
          seek: 0,
          start: s.start,
          end: s.end,
          text: s.text,
          tokens: s.tokens,
          temperature: 0,
          avg_logprob: round(s.avgLogprob),
          compression_ratio: 1,
          no_speech_prob: 0,
        }));
      }
      if (granularities.includes('word')) body.words = t.words.map((w) => ({ word: w.word, start: w.start, end: w.end, probability: round(w.probability) }));
      body.usage = usage(t);
      return { contentType: 'application/json; charset=utf-8', body };
    }
    default:
      return { contentType: 'application/json; charset=utf-8', body: { text: t.text, usage: usage(t) } };
  }
}
