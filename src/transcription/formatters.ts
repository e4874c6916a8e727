import { buildSegments } from '../asr/segments.js';
import type { Transcript } from '../asr/transcript.js';
import { buildCues, type SubtitleCue } from './subtitle-cues.js';
import { DEFAULT_LAYOUT, type TranscriptLayout } from './transcript-layout.js';

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

/** Whether a response shows times (and so is worth moving word starts onto the speech for). */
export function showsTimes(format: ResponseFormat): boolean {
  return format === 'srt' || format === 'vtt' || format === 'verbose_json';
}

/** Cue text: a line of WebVTT or SubRip must not be empty or hold `-->`. */
const cueText = (c: SubtitleCue) => c.lines.map((l) => l.replaceAll('-->', '->')).join('\n');

/** The response body for one transcript, shaped exactly as OpenAI shapes each format. */
export function formatTranscript(t: Transcript, format: ResponseFormat, granularities: Granularity[], layout: TranscriptLayout = DEFAULT_LAYOUT): FormattedBody {
  switch (format) {
    case 'text':
      return { contentType: 'text/plain; charset=utf-8', body: `${t.text}\n` };
    case 'srt':
      return {
        contentType: 'text/plain; charset=utf-8',
        body: buildCues(t.words, t.duration, layout.subtitles)
          .map((c, i) => `${i + 1}\n${clock(c.start, ',')} --> ${clock(c.end, ',')}\n${cueText(c)}\n`)
          .join('\n'),
      };
    case 'vtt':
      return {
        contentType: 'text/vtt; charset=utf-8',
        body: `WEBVTT\n\n${buildCues(t.words, t.duration, layout.subtitles)
          .map((c) => `${clock(c.start, '.')} --> ${clock(c.end, '.')}\n${cueText(c)}\n`)
          .join('\n')}`,
      };
    case 'verbose_json': {
      const body: Record<string, unknown> = { task: 'transcribe', language: 'english', duration: t.duration, text: t.text };
      if (granularities.includes('segment') || granularities.length === 0) {
        body.segments = buildSegments(t, layout.segments).map((s) => ({
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
