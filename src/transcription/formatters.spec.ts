import { describe, expect, it } from '@jest/globals';
import { assembleTranscript } from '../asr/stitch-transcripts.js';
import type { TimedToken } from '../asr/transcript.js';
import { formatTranscript, showsTimes } from './formatters.js';
import { DEFAULT_LAYOUT } from './transcript-layout.js';

/** "hello there" at 0.5–1.2 s, then "general kenobi" after a 2-s pause, in 5 s of audio. */
const tokens: TimedToken[] = [
  [' hello', 0.5, 0.8],
  [' there', 0.8, 1.2],
  [' general', 3.2, 3.7],
  [' kenobi', 3.7, 4.2],
].map(([text, start, end], id) => ({ id, text: text as string, start: start as number, end: end as number, logprob: -0.2 }));
const t = assembleTranscript(tokens, 5);

describe('formatTranscript', () => {
  it('writes srt cues from the words, numbered, with comma milliseconds and a cue per pause', () => {
    const { body, contentType } = formatTranscript(t, 'srt', ['segment']);
    expect(contentType).toBe('text/plain; charset=utf-8');
    expect(body).toBe('1\n00:00:00,500 --> 00:00:01,333\nhello there\n\n2\n00:00:03,200 --> 00:00:04,200\ngeneral kenobi\n');
  });

  it('writes WebVTT with its header and dot milliseconds', () => {
    const { body, contentType } = formatTranscript(t, 'vtt', ['segment']);
    expect(contentType).toBe('text/vtt; charset=utf-8');
    expect(body).toBe('WEBVTT\n\n00:00:00.500 --> 00:00:01.333\nhello there\n\n00:00:03.200 --> 00:00:04.200\ngeneral kenobi\n');
  });

  it('gives verbose_json segments cut at the pause once the stretch runs past the target', () => {
    const body = formatTranscript(t, 'verbose_json', ['segment'], { ...DEFAULT_LAYOUT, segments: { targetSeconds: 2, maxSeconds: 4, minPauseSeconds: 0.5 } }).body as { segments: { text: string; start: number; end: number; tokens: number[] }[] };
    expect(body.segments.map((s) => [s.text, s.start, s.end, s.tokens])).toEqual([
      ['hello there', 0.5, 1.2, [0, 1]],
      ['general kenobi', 3.2, 4.2, [2, 3]],
    ]);
  });

  it('says which formats show times (and so pay for word starts on the speech)', () => {
    expect(['json', 'text', 'srt', 'vtt', 'verbose_json'].filter((f) => showsTimes(f as never))).toEqual(['srt', 'vtt', 'verbose_json']);
  });
});
