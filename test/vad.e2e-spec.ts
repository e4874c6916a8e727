import { afterAll, describe, expect, it } from '@jest/globals';
import { SpeechDetector, type SpeechEvent } from '../src/vad/speech-detector.js';
import { VadAbortedError, VadStreamClosedError, VadUnavailableError } from '../src/vad/vad-errors.js';
import { VAD_FRAME_SAMPLES, VadService } from '../src/vad/vad.service.js';
import { VadWorkerClient } from '../src/vad/vad-worker-client.js';
import { fixtureAudio } from './helpers/audio.js';

const RATE = 16000;
const TURNS = { threshold: 0.5, prefixPaddingMs: 300, silenceDurationMs: 500 };

/** `parts` one after another: numbers are seconds of digital silence. */
function concat(...parts: (Float32Array | number)[]): Float32Array {
  const arrays = parts.map((p) => (typeof p === 'number' ? new Float32Array(Math.round(p * RATE)) : p));
  const out = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

/** First and last sample of a 10 ms window louder than −40 dBFS RMS: where the talking is. */
function loudSpan(samples: Float32Array): [number, number] {
  const win = 160;
  let first = -1;
  let last = -1;
  for (let at = 0; at + win <= samples.length; at += win) {
    let sum = 0;
    for (let i = at; i < at + win; i++) sum += samples[i] * samples[i];
    if (Math.sqrt(sum / win) > 0.01) {
      if (first < 0) first = at;
      last = at + win;
    }
  }
  return [first, last];
}

const maxDifference = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
const mean = (a: Float32Array) => a.reduce((s, x) => s + x, 0) / a.length;

async function streamAll(vad: VadService, samples: Float32Array, sizes: number[]): Promise<Float32Array> {
  const stream = vad.openStream();
  const pushes: Promise<Float32Array>[] = [];
  for (let at = 0, k = 0; at < samples.length; at += sizes[k % sizes.length], k++) pushes.push(stream.push(samples.subarray(at, at + sizes[k % sizes.length])));
  const parts = await Promise.all(pushes);
  stream.close();
  return concat(...parts);
}

describe('VadService (Silero VAD v4 in its worker)', () => {
  const vad = new VadService();
  afterAll(() => vad.onApplicationShutdown());

  const speech = fixtureAudio('audio/speech.wav');
  const speechA = fixtureAudio('nemo128/speech_a.wav');
  const speechB = fixtureAudio('nemo128/speech_b.wav');

  it('is high where someone speaks and low in the silence around it, and the detector finds the turn there', async () => {
    for (const [name, clip] of [['speech.wav', speech], ['speech_a.wav', speechA], ['speech_b.wav', speechB]] as const) {
      const padded = concat(2, clip, 3);
      const [loudFrom, loudTo] = loudSpan(clip).map((x) => x + 2 * RATE);
      const p = await vad.speechProbabilities(padded);
      expect(p).toHaveLength(Math.floor(padded.length / VAD_FRAME_SAMPLES));
      const frameOf = (sample: number) => Math.floor(sample / VAD_FRAME_SAMPLES);
      const inside = p.subarray(frameOf(loudFrom), frameOf(loudTo));
      const before = p.subarray(0, frameOf(loudFrom) - 8);
      const after = p.subarray(frameOf(loudTo) + 16);
      expect({ name, meanInside: mean(inside) > 0.7, maxBefore: Math.max(...before) < 0.2, maxAfter: Math.max(...after) < 0.2 }).toEqual({ name, meanInside: true, maxBefore: true, maxAfter: true });

      const events = new SpeechDetector(TURNS).push(p);
      expect(events.map((e) => e.type)).toEqual(['speech_started', 'speech_stopped']);
      const [started, stopped] = events as [Extract<SpeechEvent, { type: 'speech_started' }>, Extract<SpeechEvent, { type: 'speech_stopped' }>];
      expect(Math.abs(started.atSample - loudFrom) / RATE).toBeLessThan(0.15);
      expect(started.paddedStartSample).toBe(started.atSample - 0.3 * RATE);
      expect(Math.abs(stopped.atSample - loudTo) / RATE).toBeLessThan(0.35);
      expect(stopped.detectedAtSample - stopped.atSample).toBeGreaterThanOrEqual(0.5 * RATE);
    }
  });

  it('stays low on noise, a tone sweep, non-speech fixtures and silence', async () => {
    for (const name of ['nemo128/noise.wav', 'nemo128/sweep.wav', 'heldout/nonspeech_0.wav', 'heldout/nonspeech_1.wav', 'heldout/nonspeech_2.wav']) {
      const p = await vad.speechProbabilities(concat(fixtureAudio(name), 1));
      expect({ name, max: Math.max(...p) < 0.5 }).toEqual({ name, max: true });
      expect(new SpeechDetector(TURNS).push(p)).toEqual([]);
    }
    const silent = await vad.speechProbabilities(new Float32Array(5 * RATE));
    expect(Math.max(...silent)).toBeLessThan(0.1);
  });

  it('gives the same probabilities for pushes of any size as for one push, each push answering the frames it completes', async () => {
    const clip = concat(0.5, speechA, 0.7, speech);
    const whole = await streamAll(vad, clip, [clip.length]);
    expect(whole).toHaveLength(Math.floor(clip.length / VAD_FRAME_SAMPLES));

    const stream = vad.openStream();
    const sizes = [1, 511, 700, 160, 2049, 512, 33, 4000];
    const lengths: number[] = [];
    const parts: Float32Array[] = [];
    let at = 0;
    for (let k = 0; at < clip.length; k++) {
      const n = sizes[k % sizes.length];
      const before = Math.floor(at / VAD_FRAME_SAMPLES);
      at += n;
      lengths.push(Math.floor(Math.min(at, clip.length) / VAD_FRAME_SAMPLES) - before);
      parts.push(await stream.push(clip.subarray(at - n, at)));
    }
    stream.close();
    expect(parts.map((p) => p.length)).toEqual(lengths);
    expect(maxDifference(concat(...parts), whole)).toBeLessThan(1e-5);
    expect(maxDifference(await streamAll(vad, clip, [320, 333, 4096]), whole)).toBeLessThan(1e-5);
  });

  it('keeps concurrent streams apart: interleaved pushes give what separate runs give', async () => {
    const a = concat(0.3, speechA, 0.5);
    const b = concat(1, speechB);
    const c = concat(0.2, speech, 0.2, speech);
    const alone = [await streamAll(vad, a, [a.length]), await streamAll(vad, b, [b.length]), await streamAll(vad, c, [c.length])];
    const together = await Promise.all([streamAll(vad, a, [640]), streamAll(vad, b, [320, 1000]), streamAll(vad, c, [512])]);
    together.forEach((p, k) => {
      expect(p).toHaveLength(alone[k].length);
      expect(maxDifference(p, alone[k])).toBeLessThan(1e-4);
    });
  });

  it('computes a long clip in parallel segments, agreeing with one stream run over it', async () => {
    const long = concat(1, speech, 0.8, speechA, 1.5, speechB, 0.4, speech, 2, speechA, 0.6, speechB, 1, speech, 0.5, speechA, 3, speechB, 1, speech, 1, speechA, 0.7, speech);
    expect(long.length / RATE).toBeGreaterThan(60);
    await vad.speechProbabilities(long.subarray(0, RATE)); // worker up
    let started = performance.now();
    const offline = await vad.speechProbabilities(long);
    const offlineMs = performance.now() - started;
    started = performance.now();
    const streamed = await streamAll(vad, long, [long.length]);
    const streamedMs = performance.now() - started;
    process.stdout.write(`VAD over ${(long.length / RATE).toFixed(1)} s: segments ${offlineMs.toFixed(0)} ms, one stream ${streamedMs.toFixed(0)} ms\n`);

    expect(offline).toHaveLength(streamed.length);
    let agree = 0;
    for (let i = 0; i < offline.length; i++) if (offline[i] >= 0.5 === streamed[i] >= 0.5) agree++;
    expect(agree / offline.length).toBeGreaterThan(0.98);
    expect(maxDifference(offline, streamed)).toBeGreaterThan(0); // really segmented (LSTM state differs a little)
    const turns = (p: Float32Array) => new SpeechDetector({ ...TURNS, silenceDurationMs: 200 }).push(p);
    const [fromOffline, fromStream] = [turns(offline), turns(streamed)];
    expect(fromOffline.map((e) => e.type)).toEqual(fromStream.map((e) => e.type));
    fromOffline.forEach((e, i) => expect(Math.abs(e.atSample - fromStream[i].atSample)).toBeLessThanOrEqual(2 * VAD_FRAME_SAMPLES));
    // The times are printed, not asserted: speed belongs to benchmarks (this one failed once on a busy 2-core CI box).
  });

  it('rejects an aborted clip and keeps serving', async () => {
    const long = concat(speechA, speechB, speechA, speechB, speechA, speechB);
    await expect(vad.speechProbabilities(long, AbortSignal.abort())).rejects.toBeInstanceOf(VadAbortedError);
    const controller = new AbortController();
    const pending = vad.speechProbabilities(long, controller.signal);
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(VadAbortedError);
    expect(await vad.speechProbabilities(speech)).toHaveLength(Math.floor(speech.length / VAD_FRAME_SAMPLES));
  });

  it('answers pushes made before close(), and rejects those after it', async () => {
    const stream = vad.openStream();
    const made = stream.push(speech);
    stream.close();
    expect(await made).toHaveLength(Math.floor(speech.length / VAD_FRAME_SAMPLES));
    await expect(stream.push(speech)).rejects.toBeInstanceOf(VadStreamClosedError);
  });

  it('rejects what a dead worker held with VadUnavailableError and starts a new one on the next call', async () => {
    const stream = vad.openStream();
    await stream.push(speech.subarray(0, 4096));
    const pending = stream.push(concat(speechA, speechB, speechA, speechB));
    const clip = vad.speechProbabilities(concat(speechB, speechA));
    // A real crash: a message the worker chokes on throws there, uncaught, and the thread dies.
    const worker = (vad as unknown as { client: { worker: { postMessage(m: unknown): void } } }).client.worker;
    worker.postMessage({ type: 'clip', id: -1, samples: null });
    await expect(pending).rejects.toBeInstanceOf(VadUnavailableError);
    await expect(clip).rejects.toBeInstanceOf(VadUnavailableError);
    await expect(stream.push(speech)).rejects.toBeInstanceOf(VadUnavailableError);

    const fresh = vad.openStream();
    const again = await fresh.push(concat(1, speech));
    expect(Math.max(...again)).toBeGreaterThan(0.9);
    fresh.close();
  });
});

describe('VadWorkerClient', () => {
  it('rejects with VadUnavailableError when the model cannot be loaded', async () => {
    const client = new VadWorkerClient({ modelPath: '/nonexistent/silero_vad.onnx', maxBatch: 8 });
    const stream = client.openStream();
    await expect(client.push(stream, new Float32Array(2048))).rejects.toBeInstanceOf(VadUnavailableError);
    expect(client.usable).toBe(false);
    await expect(client.clip(new Float32Array(2048))).rejects.toMatchObject({ status: 503, reason: expect.stringMatching(/could not be loaded/) });
    await client.close();
  });
});
