import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wordErrors } from '../src/asr/word-error-rate.js';
import { readWav } from '../src/audio/wav-reader.js';
import { EMBEDDED_MODEL_DIR } from '../src/common/project-paths.js';
import { modelFiles } from '../src/model/model-directory.js';
import { ModelRunner } from '../src/model/runner/model-runner.js';
import type { Decoding } from '../src/model/runner/runner-protocol.js';
import { startApp, transcribe, type RunningApp } from './helpers/app.js';
import { pcm16Wav } from './helpers/audio.js';

const HELDOUT = join(process.cwd(), 'test', 'fixtures', 'heldout');
const items = JSON.parse(readFileSync(join(HELDOUT, 'manifest.json'), 'utf8')) as { file: string; text: string; synth: string }[];

/**
 * The embedded model through the whole TypeScript core. The bound is a regression guard set just above
 * what the shipped model measures (see models/parakeet-tiny-en/MODEL_CARD.md), so a featurizer or
 * decoder bug that costs words fails CI.
 */
const MAX_HELDOUT_WER = 0.34;

describe('embedded default model', () => {
  let runner: ModelRunner;
  beforeAll(async () => {
    runner = new ModelRunner({ files: modelFiles(EMBEDDED_MODEL_DIR, 'none'), intraOpThreads: 1, providers: ['cpu'], warmupBatchSizes: [] });
    await runner.start();
  });
  afterAll(() => runner.close());

  it(`keeps held-out WER under ${MAX_HELDOUT_WER * 100}% and says nothing for non-speech`, async () => {
    const speech = items.filter((i) => i.text.trim());
    const silent = items.filter((i) => !i.text.trim());
    expect(speech.length).toBeGreaterThanOrEqual(20);
    expect(silent.length).toBeGreaterThanOrEqual(2);
    const { transcripts } = await runner.run(items.map((i) => readWav(readFileSync(join(HELDOUT, i.file))).samples));
    let errors = 0;
    let words = 0;
    items.forEach((item, k) => {
      if (!item.text.trim()) {
        expect(transcripts[k].text).toBe('');
        return;
      }
      const e = wordErrors(item.text, transcripts[k].text);
      errors += e.errors;
      words += e.words;
    });
    expect(errors / words).toBeLessThanOrEqual(MAX_HELDOUT_WER);
  });

  it('gives every clip the same transcript alone as in a batch of 8 mixed lengths (the int8 encoder quantizes each clip on its own)', async () => {
    const clips = items.map((i) => readWav(readFileSync(join(HELDOUT, i.file))).samples);
    // Longest with shortest, so every batch pads a lot if it pads at all.
    const order = clips.map((_, k) => k).sort((a, b) => clips[a].length - clips[b].length);
    const mixed = order.map((_, j) => order[j % 2 ? order.length - 1 - (j >> 1) : j >> 1]);
    const inBatch = new Map<number, string>();
    for (let j = 0; j < mixed.length; j += 8) {
      const group = mixed.slice(j, j + 8);
      const { transcripts } = await runner.run(group.map((k) => clips[k].slice()));
      group.forEach((k, g) => inBatch.set(k, transcripts[g].text));
    }
    const differ: string[] = [];
    for (let k = 0; k < clips.length; k++) {
      const alone = (await runner.run([clips[k].slice()])).transcripts[0].text;
      if (alone !== inBatch.get(k)) differ.push(`${items[k].file}: alone "${alone}", batched "${inBatch.get(k)}"`);
    }
    expect(differ).toEqual([]);
    expect([...inBatch.values()].filter((t) => t).length).toBeGreaterThanOrEqual(20);
  });
});

describe('beam search and the word LM on the embedded model', () => {
  const LM = { path: join(EMBEDDED_MODEL_DIR, 'lm.arpa.gz'), weight: 0.3, wordBonus: 2, unkPenalty: -10 };
  const heldoutErrors = async (decoding: Decoding) => {
    const runner = new ModelRunner({ files: modelFiles(EMBEDDED_MODEL_DIR, 'none'), intraOpThreads: 1, providers: ['cpu'], warmupBatchSizes: [], decoding });
    try {
      const info = await runner.start();
      expect(info.decoding).toBe(decoding.strategy === 'greedy' ? 'greedy' : `beam 4${decoding.lm ? ' + word LM lm.arpa.gz (weight 0.3, word bonus 2)' : ''}`);
      const { transcripts } = await runner.run(items.map((i) => readWav(readFileSync(join(HELDOUT, i.file))).samples));
      let errors = 0;
      items.forEach((item, k) => {
        if (item.text.trim()) errors += wordErrors(item.text, transcripts[k].text).errors;
        else expect(transcripts[k].text).toBe('');
      });
      return errors;
    } finally {
      await runner.close();
    }
  };

  it('makes no more errors than greedy decoding on the held-out subset, with or without the LM, and says nothing for non-speech', async () => {
    // Measured with the shipped model: 28 (greedy), 27 (beam 4) and 27 (beam 4 + LM) errors in 94 words.
    const greedy = await heldoutErrors({ strategy: 'greedy', beamSize: 4 });
    const beam = await heldoutErrors({ strategy: 'beam', beamSize: 4 });
    const fused = await heldoutErrors({ strategy: 'beam', beamSize: 4, lm: LM });
    expect(beam).toBeLessThanOrEqual(greedy);
    expect(fused).toBeLessThanOrEqual(beam);
  });

  it('serves beam search with the model directory\'s LM by default, says so in /readyz, and transcribes the sample', async () => {
    const server = await startApp({ PARAKEET_BEAM_SIZE: '3' });
    try {
      const ready = (await (await fetch(`${server.url}/readyz`)).json()) as { details: { model: { decoding: string } } };
      expect(ready.details.model.decoding).toBe('beam 3 + word LM lm.arpa.gz (weight 0.3, word bonus 2)');
      const res = await transcribe(server.url, new Uint8Array(readFileSync(join(process.cwd(), 'test', 'fixtures', 'audio', 'speech.mp3'))), { model: 'whisper-1' });
      expect(res.status).toBe(200);
      const { text } = (await res.json()) as { text: string };
      expect(wordErrors('the quick brown fox jumps over the lazy dog while seven birds sing', text).errors).toBeLessThanOrEqual(1);
    } finally {
      await server.close();
    }
  });

  it('serves greedy decoding and plain beam search when asked', async () => {
    for (const [env, decoding] of [
      [{ PARAKEET_DECODING: 'greedy' }, 'greedy'],
      [{ PARAKEET_DECODING: 'beam', PARAKEET_LM_PATH: 'none' }, 'beam 4'],
    ] as const) {
      const server = await startApp(env);
      try {
        const ready = (await (await fetch(`${server.url}/readyz`)).json()) as { details: { model: { decoding: string } } };
        expect(ready.details.model.decoding).toBe(decoding);
      } finally {
        await server.close();
      }
    }
  });

  it('stops at start-up on an LM file that is not ARPA, naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lm-'));
    const bad = join(dir, 'bad.arpa');
    writeFileSync(bad, 'not a language model\n');
    const runner = new ModelRunner({ files: modelFiles(EMBEDDED_MODEL_DIR, 'none'), intraOpThreads: 1, providers: ['cpu'], warmupBatchSizes: [], decoding: { strategy: 'beam', beamSize: 2, lm: { ...LM, path: bad } } });
    try {
      await expect(runner.start()).rejects.toThrow(`${bad}: no \\data\\ header`);
    } finally {
      await runner.close();
      rmSync(dir, { recursive: true });
    }
  });
});

describe('chunked long audio on the embedded model', () => {
  const SENTENCE = 'the quick brown fox jumps over the lazy dog while seven birds sing';
  const speech = readWav(readFileSync(join(process.cwd(), 'test', 'fixtures', 'audio', 'speech.wav'))).samples;
  // Four sentences with a second of silence between: about 23 s, short enough for one pass.
  const long = new Float32Array(4 * (speech.length + 16000));
  for (let k = 0; k < 4; k++) long.set(speech, k * (speech.length + 16000));
  const reference = Array(4).fill(SENTENCE).join(' ');

  it('gives the same words in overlapping chunks as in one pass, with nothing lost or repeated at the seams', async () => {
    const texts: string[] = [];
    for (const chunk of ['390', '7']) {
      const server = await startApp({ PARAKEET_CHUNK_SECONDS: chunk, PARAKEET_CHUNK_OVERLAP_SECONDS: '2' });
      try {
        const res = await transcribe(server.url, pcm16Wav(long), { response_format: 'verbose_json', 'timestamp_granularities[]': 'word' });
        expect(res.status).toBe(200);
        const body = (await res.json()) as { text: string; duration: number; words: { start: number }[] };
        expect(body.duration).toBeCloseTo(long.length / 16000, 2);
        for (let i = 1; i < body.words.length; i++) expect(body.words[i].start).toBeGreaterThanOrEqual(body.words[i - 1].start);
        texts.push(body.text);
      } finally {
        await server.close();
      }
    }
    const [onePass, chunked] = texts;
    const server = await startApp({ PARAKEET_CHUNK_SECONDS: '7', PARAKEET_CHUNK_OVERLAP_SECONDS: '2' });
    try {
      const res = await transcribe(server.url, pcm16Wav(long), { stream: 'true' });
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const events = (await res.text()).trim().split('\n\n').map((e) => JSON.parse(e.replace(/^data: /, '')) as { type: string; delta?: string; text?: string });
      const deltas = events.filter((e) => e.type === 'transcript.text.delta');
      // One delta per decoded chunk, not one at the end: long audio streams early.
      expect(deltas.length).toBeGreaterThanOrEqual(3);
      expect(events[events.length - 1]).toMatchObject({ type: 'transcript.text.done', text: chunked });
      expect(deltas.map((d) => d.delta).join('')).toBe(chunked);
    } finally {
      await server.close();
    }
    expect(wordErrors(onePass, chunked).errors).toBeLessThanOrEqual(2);
    expect(wordErrors(reference, chunked).errors).toBeLessThanOrEqual(4);
  });
});

describe('the service on its embedded model', () => {
  let server: RunningApp;
  beforeAll(async () => {
    server = await startApp({});
  });
  afterAll(() => server.close());

  it('transcribes the committed English sample from every container', async () => {
    for (const file of ['speech.mp3', 'speech.wav', 'speech-48k-stereo.wav', 'speech.webm', 'speech-moov-at-end.m4a']) {
      const res = await transcribe(server.url, new Uint8Array(readFileSync(join(process.cwd(), 'test', 'fixtures', 'audio', file))), { model: 'whisper-1' });
      expect(res.status).toBe(200);
      const { text } = (await res.json()) as { text: string };
      expect(wordErrors('the quick brown fox jumps over the lazy dog while seven birds sing', text).errors).toBeLessThanOrEqual(2);
    }
  });
});
