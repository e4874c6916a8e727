import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { SpeechDetector, type SpeechDetectorSettings, type SpeechEvent } from './speech-detector.js';

const F = 512;
const SETTINGS: SpeechDetectorSettings = { threshold: 0.5, prefixPaddingMs: 300, silenceDurationMs: 200 };
const probs = (...values: number[]) => Float32Array.from(values);
/** `n` frames of probability `p`. */
const frames = (n: number, p: number) => new Array<number>(n).fill(p);

describe('SpeechDetector', () => {
  it('starts at the first of minSpeechMs worth of speech frames, padded back by the prefix', () => {
    const d = new SpeechDetector(SETTINGS);
    // 20 quiet frames (640 ms), then speech.
    expect(d.push(probs(...frames(20, 0.1), 0.9))).toEqual([]);
    expect(d.speaking).toBe(false);
    const events = d.push(probs(0.8));
    expect(events).toEqual([{ type: 'speech_started', atSample: 20 * F, paddedStartSample: 20 * F - 4800 }]);
    expect(d.speaking).toBe(true);
    expect(d.position).toBe(22 * F);
  });

  it('does not take one loud frame (a click) for speech, unless minSpeechMs allows it', () => {
    const clicks = probs(0.1, 0.99, 0.1, 0.1, 0.99, 0.2, 0.99, 0.1);
    expect(new SpeechDetector(SETTINGS).push(clicks)).toEqual([]);
    expect(new SpeechDetector({ ...SETTINGS, minSpeechMs: 96 }).push(probs(0.9, 0.9, 0.1, 0.9, 0.9, 0.9))).toEqual([
      { type: 'speech_started', atSample: 3 * F, paddedStartSample: 0 },
    ]);
    expect(new SpeechDetector({ ...SETTINGS, minSpeechMs: 0, prefixPaddingMs: 0 }).push(clicks)[0]).toEqual({ type: 'speech_started', atSample: F, paddedStartSample: F });
  });

  it('keeps speaking down to threshold − 0.15 and stops once silence has lasted silenceDurationMs', () => {
    const d = new SpeechDetector({ ...SETTINGS, silenceDurationMs: 100 });
    // 0.4 is below the threshold but above 0.35: still speech. Three quiet frames are 96 ms: not yet.
    expect(d.push(probs(0.9, 0.9, 0.4, 0.4, 0.3, 0.3, 0.3, 0.9))).toHaveLength(1);
    expect(d.speaking).toBe(true);
    const events = d.push(probs(0.3, 0.3, 0.3, 0.3, 0.3));
    // Speech last at frame 7 (ends 8·512); 100 ms = 1600 samples of silence is reached at the end of frame 11.
    expect(events).toEqual([{ type: 'speech_stopped', atSample: 8 * F, detectedAtSample: 12 * F }]);
    expect(d.speaking).toBe(false);
  });

  it('never lets the continue level fall below 0.05', () => {
    const d = new SpeechDetector({ ...SETTINGS, threshold: 0.1, silenceDurationMs: 0 });
    expect(d.push(probs(0.2, 0.2, 0.06)).map((e) => e.type)).toEqual(['speech_started']);
    expect(d.push(probs(0.04))).toEqual([{ type: 'speech_stopped', atSample: 3 * F, detectedAtSample: 4 * F }]);
  });

  it('reset() forgets open speech and pads no further back than where it was called', () => {
    const d = new SpeechDetector(SETTINGS);
    d.push(probs(0.1, 0.9, 0.9, 0.9));
    expect(d.speaking).toBe(true);
    d.reset();
    expect(d.speaking).toBe(false);
    expect(d.position).toBe(4 * F);
    // Still loud after the reset: a new start, its padding clamped to the reset position.
    expect(d.push(probs(0.9, 0.9))).toEqual([{ type: 'speech_started', atSample: 4 * F, paddedStartSample: 4 * F }]);
    // No speech_stopped for the forgotten turn.
    expect(d.push(probs(...frames(10, 0)))).toEqual([{ type: 'speech_stopped', atSample: 6 * F, detectedAtSample: 13 * F }]);
  });

  it('update() applies new settings to the frames that follow', () => {
    const d = new SpeechDetector(SETTINGS);
    expect(d.push(probs(0.6, 0.6))).toHaveLength(1);
    d.update({ ...SETTINGS, threshold: 0.9, silenceDurationMs: 0 });
    expect(d.push(probs(0.7))).toEqual([{ type: 'speech_stopped', atSample: 2 * F, detectedAtSample: 3 * F }]);
    expect(d.push(probs(0.8, 0.8))).toEqual([]);
  });

  it('honours other frame sizes and sample rates', () => {
    const d = new SpeechDetector({ ...SETTINGS, prefixPaddingMs: 100 }, 256, 8000);
    expect(d.push(probs(0.1, 0.1, 0.1, 0.1, 0.9, 0.9))).toEqual([{ type: 'speech_started', atSample: 1024, paddedStartSample: 224 }]);
  });

  it('gives the same events however the probabilities are split into pushes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: 0, max: 1, noNaN: true }), { maxLength: 300 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 30 }),
        fc.record({ threshold: fc.double({ min: 0.05, max: 0.95, noNaN: true }), prefixPaddingMs: fc.integer({ min: 0, max: 1000 }), silenceDurationMs: fc.integer({ min: 0, max: 1000 }) }),
        (values, cuts, settings) => {
          const all = Float32Array.from(values);
          const whole = new SpeechDetector(settings).push(all);
          const split = new SpeechDetector(settings);
          const events: SpeechEvent[] = [];
          let at = 0;
          for (let k = 0; at < all.length; k = (k + 1) % cuts.length) {
            events.push(...split.push(all.subarray(at, at + cuts[k])));
            at += cuts[k];
          }
          expect(events).toEqual(whole);
          expect(split.position).toBe(all.length * F);
          // Events alternate, starting with speech_started, and move forward in time.
          events.forEach((e, i) => expect(e.type).toBe(i % 2 ? 'speech_stopped' : 'speech_started'));
          for (let i = 1; i < events.length; i++) expect(events[i].atSample).toBeGreaterThanOrEqual(events[i - 1].atSample);
        },
      ),
    );
  });
});
