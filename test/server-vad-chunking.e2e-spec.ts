import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toFloat32 } from '../src/asr/samples.js';
import { normalizeWords, wordErrors } from '../src/asr/word-error-rate.js';
import { AudioService } from '../src/audio/audio.service.js';
import { EMBEDDED_MODEL_DIR } from '../src/common/project-paths.js';
import { MicrobatchScheduler } from '../src/scheduler/microbatch-scheduler.js';
import { SERVER_VAD_DEFAULTS } from '../src/transcription/chunking-strategy.js';
import { planSpeechChunks } from '../src/vad/speech-chunk-plan.js';
import { VadService } from '../src/vad/vad.service.js';
import { startApp, transcribe, type RunningApp } from './helpers/app.js';

const RATE = 16000;
const AUDIO = join(process.cwd(), 'test', 'fixtures', 'audio');
const manifest = JSON.parse(readFileSync(join(AUDIO, 'manifest.json'), 'utf8')) as { clips: { file: string; text: string; duration_s: number }[] };
const LONG = manifest.clips.find((c) => c.file === 'long.opus')!;
const fixture = (file: string) => new Uint8Array(readFileSync(join(AUDIO, file)));

interface Verbose {
  text: string;
  duration: number;
  words: { word: string; start: number; end: number }[];
}

async function verbose(server: RunningApp, file: string, fields: Record<string, string>): Promise<Verbose> {
  const res = await transcribe(server.url, fixture(file), { response_format: 'verbose_json', 'timestamp_granularities[]': 'word', ...fields });
  expect(res.status).toBe(200);
  return (await res.json()) as Verbose;
}

/** Whether the app's VAD worker has been started (it starts on first use). */
const vadStarted = (server: RunningApp) => (server.app.get(VadService) as unknown as { client?: unknown }).client !== undefined;

describe('chunking_strategy server_vad', () => {
  let server: RunningApp;
  let onePass: Verbose;
  beforeAll(async () => {
    // The ≈41 s fixture fits one pass at 390 s: the transcript without any seam.
    const whole = await startApp({ PARAKEET_MODEL_DIR: EMBEDDED_MODEL_DIR, PARAKEET_CHUNK_SECONDS: '390' });
    try {
      onePass = await verbose(whole, LONG.file, {});
    } finally {
      await whole.close();
    }
    // Batches of one: a chunk's words then do not depend on what it was padded with, so they can be compared.
    server = await startApp({ PARAKEET_MODEL_DIR: EMBEDDED_MODEL_DIR, PARAKEET_CHUNK_SECONDS: '10', PARAKEET_CHUNK_OVERLAP_SECONDS: '2', PARAKEET_MICROBATCH_MAX_BATCH: '1' });
  });
  afterAll(() => server.close());

  it('leaves audio that fits one chunk to one pass, without running the VAD', async () => {
    const plain = (await (await transcribe(server.url, fixture('speech.wav'))).json()) as { text: string };
    const vad = (await (await transcribe(server.url, fixture('speech.wav'), { 'chunking_strategy[type]': 'server_vad' })).json()) as { text: string };
    expect(vad.text).toBe(plain.text);
    expect(vadStarted(server)).toBe(false);
  });

  it('cuts long audio at pauses: the words are those of its chunks transcribed alone, nothing lost or repeated at a seam', async () => {
    // json: a response without times runs no VAD pass for word starts, so fixed windows start no VAD at all.
    const fixed = (await (await transcribe(server.url, fixture(LONG.file), { chunking_strategy: 'auto' })).json()) as { text: string };
    expect(vadStarted(server)).toBe(false);
    const vad = await verbose(server, LONG.file, { 'chunking_strategy[type]': 'server_vad' });
    expect(vadStarted(server)).toBe(true);
    expect(vad.duration).toBeCloseTo(LONG.duration_s, 1);
    for (let i = 1; i < vad.words.length; i++) expect(vad.words[i].start).toBeGreaterThanOrEqual(vad.words[i - 1].start);

    // The same cuts, from the same parts, and each chunk through the scheduler on its own.
    const { samples } = await server.app.get(AudioService).decode(fixture(LONG.file));
    const probabilities = await server.app.get(VadService).speechProbabilities(toFloat32(samples));
    const spans = planSpeechChunks(probabilities, samples.length, { ...SERVER_VAD_DEFAULTS, maxChunk: 10 * RATE, overlap: 2 * RATE });
    expect(spans.length).toBeGreaterThanOrEqual(5);
    spans.slice(1).forEach((s, i) => expect(s.start).toBe(spans[i].end)); // pauses everywhere: no fallback windows
    const alone: string[] = [];
    for (const s of spans) alone.push((await server.app.get(MicrobatchScheduler).submit(samples.subarray(s.start, s.end))).transcript.text);
    expect(normalizeWords(vad.text)).toEqual(normalizeWords(alone.join(' ')));

    // Cutting at pauses costs no accuracy against the script: no worse than one pass or fixed windows here.
    const errors = (text: string) => wordErrors(LONG.text, text).errors;
    process.stdout.write(`long.opus word errors vs its script: one pass ${errors(onePass.text)}, fixed 10/2 s windows ${errors(fixed.text)}, server_vad ${errors(vad.text)} (of ${normalizeWords(LONG.text).length})\n`);
    expect(errors(vad.text)).toBeLessThanOrEqual(errors(onePass.text));
    // The tiny model hears a word differently with different context, so cuts in other places can cost or save a
    // word or two against fixed windows; what must not happen is losing or repeating words at the seams.
    expect(errors(vad.text)).toBeLessThanOrEqual(errors(fixed.text) + 2);
    expect(wordErrors(onePass.text, vad.text).errors / normalizeWords(onePass.text).length).toBeLessThan(0.12);
  });

  it('takes server_vad settings flattened or as JSON', async () => {
    const flat = await verbose(server, LONG.file, { 'chunking_strategy[type]': 'server_vad', 'chunking_strategy[threshold]': '0.6', 'chunking_strategy[silence_duration_ms]': '300', 'chunking_strategy[prefix_padding_ms]': '200' });
    const json = await verbose(server, LONG.file, { chunking_strategy: JSON.stringify({ type: 'server_vad', threshold: 0.6, silence_duration_ms: 300, prefix_padding_ms: 200 }) });
    expect(json.text).toBe(flat.text);
    expect(wordErrors(LONG.text, flat.text).errors).toBeLessThanOrEqual(wordErrors(LONG.text, onePass.text).errors);
  });

  it.each([
    [{ 'chunking_strategy[type]': 'server_vad', 'chunking_strategy[threshold]': '1.5' }, 'chunking_strategy.threshold'],
    [{ 'chunking_strategy[type]': 'server_vad', 'chunking_strategy[threshold]': 'high' }, 'chunking_strategy.threshold'],
    [{ 'chunking_strategy[type]': 'server_vad', 'chunking_strategy[prefix_padding_ms]': '-1' }, 'chunking_strategy.prefix_padding_ms'],
    [{ 'chunking_strategy[type]': 'server_vad', 'chunking_strategy[silence_duration_ms]': '20000' }, 'chunking_strategy.silence_duration_ms'],
    [{ chunking_strategy: JSON.stringify({ type: 'server_vad', threshold: '0.5' }) }, 'chunking_strategy.threshold'],
  ])('answers %j with an OpenAI-shaped 400 naming the field', async (fields, param) => {
    const res = await transcribe(server.url, fixture('speech.wav'), fields);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string; type: string; param: string; code: string } };
    expect(body.error).toEqual({ message: expect.stringMatching(/must be a number from 0 to/), type: 'invalid_request_error', param, code: 'invalid_request' });
  });
});
