import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { startApp, transcribe, type RunningApp } from './helpers/app.js';

const AUDIO = join(process.cwd(), 'test', 'fixtures', 'audio');
const manifest = JSON.parse(readFileSync(join(AUDIO, 'manifest.json'), 'utf8')) as { clips: { file: string; text: string; duration_s: number; onsets_s?: number[] }[] };
const clip = (file: string) => manifest.clips.find((c) => c.file === file)!;
const fixture = (file: string) => new Uint8Array(readFileSync(join(AUDIO, file)));

// The W3C validator's WebVTT parser (CommonJS): it reports every syntax error a browser's <track> would trip on.
const { WebVTTParser } = createRequire(import.meta.url)('webvtt-parser') as {
  WebVTTParser: new () => { parse(input: string, mode?: string): { cues: { startTime: number; endTime: number; text: string }[]; errors: { message: string; line: number }[] } };
};

interface Cue {
  start: number;
  end: number;
  lines: string[];
}

const seconds = (clock: string) => {
  const [h, m, s] = clock.replace(',', '.').split(':');
  return Number(h) * 3600 + Number(m) * 60 + Number(s);
};

/** SubRip cues, checking the numbering and time lines on the way. */
function parseSrt(srt: string): Cue[] {
  return srt
    .trim()
    .split('\n\n')
    .map((block, i) => {
      const [n, times, ...lines] = block.split('\n');
      expect(n).toBe(String(i + 1));
      const match = /^(\d{2}:\d{2}:\d{2},\d{3}) --> (\d{2}:\d{2}:\d{2},\d{3})$/.exec(times);
      expect(match).not.toBeNull();
      return { start: seconds(match![1]), end: seconds(match![2]), lines };
    });
}

const wordsOf = (text: string) => text.split(/\s+/).filter(Boolean);

/** The common subtitle rules, as the defaults promise them. */
function expectReadable(cues: Cue[]) {
  cues.forEach((c, k) => {
    expect(c.lines.length).toBeGreaterThanOrEqual(1);
    expect(c.lines.length).toBeLessThanOrEqual(2);
    for (const line of c.lines) expect(line.length).toBeLessThanOrEqual(42);
    expect(c.end).toBeGreaterThan(c.start);
    expect(c.end - c.start).toBeLessThanOrEqual(7.0005);
    if (k) expect(c.start).toBeGreaterThanOrEqual(cues[k - 1].end);
  });
}

describe('transcripts people can read (embedded model)', () => {
  let server: RunningApp;
  beforeAll(async () => {
    server = await startApp({});
  });
  afterAll(() => server.close());

  it('cuts two minutes of unpunctuated speech into segments and subtitle cues at its pauses', async () => {
    const story = fixture('story-unpunctuated.mp3');
    const verbose = (await (await transcribe(server.url, story, { response_format: 'verbose_json', 'timestamp_granularities[]': ['word', 'segment'] })).json()) as {
      text: string;
      duration: number;
      segments: { id: number; seek: number; start: number; end: number; text: string; tokens: number[]; temperature: number; avg_logprob: number; compression_ratio: number; no_speech_prob: number }[];
      words: { word: string; start: number; end: number }[];
    };
    expect(verbose.duration).toBeGreaterThan(120);
    expect(verbose.text).not.toMatch(/[.?!]/);
    expect(verbose.segments.length).toBeGreaterThanOrEqual(5);
    verbose.segments.forEach((s, i) => {
      expect(s).toEqual({ id: i, seek: 0, start: expect.any(Number), end: expect.any(Number), text: expect.any(String), tokens: expect.any(Array), temperature: 0, avg_logprob: expect.any(Number), compression_ratio: 1, no_speech_prob: 0 });
      expect(s.end - s.start).toBeLessThanOrEqual(30);
      expect(s.tokens.length).toBeGreaterThan(0);
    });
    expect(verbose.segments.map((s) => s.text).join(' ')).toBe(verbose.text);

    const srt = parseSrt(await (await transcribe(server.url, story, { response_format: 'srt' })).text());
    expect(srt.length).toBeGreaterThanOrEqual(10);
    expectReadable(srt);
    expect(srt.flatMap((c) => wordsOf(c.lines.join(' ')))).toEqual(wordsOf(verbose.text));

    const vttResponse = await transcribe(server.url, story, { response_format: 'vtt' });
    expect(vttResponse.headers.get('content-type')).toMatch(/^text\/vtt/);
    const vtt = await vttResponse.text();
    const parsed = new WebVTTParser().parse(vtt, 'metadata');
    expect(parsed.errors).toEqual([]);
    const vttCues = parsed.cues.map((c) => ({ start: c.startTime, end: c.endTime, lines: c.text.split('\n') }));
    expect(vttCues).toEqual(srt);
    const durations = srt.map((c) => (c.end - c.start).toFixed(2));
    process.stdout.write(`${verbose.duration} s unpunctuated: ${verbose.segments.length} segments (longest ${Math.max(...verbose.segments.map((s) => s.end - s.start)).toFixed(1)} s), ${srt.length} cues (longest ${Math.max(...durations.map(Number))} s, ${Math.max(...srt.flatMap((c) => c.lines.map((l) => l.length)))} chars a line)\n`);
  });

  it('starts the first word of each sentence on its speech, after silence and after a pause', async () => {
    const { onsets_s: onsets, text } = clip('pauses.wav');
    const verbose = (await (await transcribe(server.url, fixture('pauses.wav'), { response_format: 'verbose_json', 'timestamp_granularities[]': 'word' })).json()) as {
      words: { word: string; start: number; end: number }[];
    };
    const words = verbose.words;
    expect(words.length).toBeGreaterThanOrEqual(wordsOf(text).length - 3);
    // The second sentence starts after the longest gap between words.
    let second = 1;
    for (let i = 1; i < words.length; i++) if (words[i].start - words[i - 1].end > words[second].start - words[second - 1].end) second = i;
    const starts = [words[0].start, words[second].start];
    process.stdout.write(`speech onsets ${onsets!.join(', ')} s; first words start at ${starts.join(', ')} s\n`);
    expect(Math.abs(starts[0] - onsets![0])).toBeLessThanOrEqual(0.3);
    expect(Math.abs(starts[1] - onsets![1])).toBeLessThanOrEqual(0.3);
    for (const w of words) expect(w.end).toBeGreaterThan(w.start);

    const cues = parseSrt(await (await transcribe(server.url, fixture('pauses.wav'), { response_format: 'srt' })).text());
    expect(cues[0].start).toBeGreaterThanOrEqual(onsets![0] - 0.3);
    expect(cues.find((c) => c.start > onsets![0] + 1)!.start).toBeGreaterThanOrEqual(onsets![1] - 0.3);

    // Plain json shows no times and runs no VAD: its text is the same.
    const json = (await (await transcribe(server.url, fixture('pauses.wav'))).json()) as { text: string };
    expect(json.text).toBe(words.map((w) => w.word).join(' '));
  });
});
