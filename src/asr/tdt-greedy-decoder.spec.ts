import { describe, expect, it } from '@jest/globals';
import type { JointStep, JointStepInput, JointStepOutput } from './joint-step.js';
import { TdtGreedyDecoder } from './tdt-greedy-decoder.js';
import { encoderBatch } from '../../test/helpers/encoder-batch.js';

const BLANK = 4;
const V = 5;
const DURATIONS = [0, 1, 2, 3, 4];

/** What the scripted joint answers for utterance `utt` on frame `t` after `k` emitted tokens. */
type Script = (utt: number, t: number, k: number, prev: number) => { token: number; dur: number };

/**
 * A joint whose "LSTM state" counts emitted tokens (h' = h + 1), so a decoder that commits the state on
 * blanks, or routes one utterance's state to another, gets different answers from the script.
 */
class ScriptedJoint implements JointStep {
  readonly encoderDim = 2;
  readonly stateLayers = 1;
  readonly stateSize = 1;
  readonly logitWidth = V + DURATIONS.length;
  calls: number[] = [];

  constructor(private readonly script: Script) {}

  async run(input: JointStepInput): Promise<JointStepOutput> {
    this.calls.push(input.batch);
    const logits = new Float32Array(input.batch * this.logitWidth);
    const h = new Float32Array(input.batch);
    const c = new Float32Array(input.batch);
    for (let a = 0; a < input.batch; a++) {
      const utt = input.encoderFrames[a * 2];
      const t = input.encoderFrames[a * 2 + 1];
      const k = input.h[a];
      const { token, dur } = this.script(utt, t, k, input.targets[a]);
      logits[a * this.logitWidth + token] = 10;
      logits[a * this.logitWidth + V + DURATIONS.indexOf(dur)] = 10;
      h[a] = k + 1;
      c[a] = input.c[a];
    }
    return { logits, h, c };
  }
}


const decoderFor = (script: Script) => {
  const joint = new ScriptedJoint(script);
  return { joint, decoder: new TdtGreedyDecoder(joint, { blankId: BLANK, vocabSize: V, durations: DURATIONS, maxSymbolsPerStep: 10 }) };
};

describe('TdtGreedyDecoder', () => {
  it('advances one frame on a blank with duration 0 and never decodes past the encoded length', async () => {
    const { decoder, joint } = decoderFor(() => ({ token: BLANK, dur: 0 }));
    const [out] = await decoder.decode(encoderBatch([6], 12));
    expect(out.tokens).toEqual([]);
    expect(joint.calls).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('skips frames by the predicted duration, for blanks and tokens', async () => {
    const { decoder } = decoderFor((_u, t) => (t === 0 ? { token: 1, dur: 3 } : t === 3 ? { token: BLANK, dur: 2 } : { token: 2, dur: 4 }));
    const [out] = await decoder.decode(encoderBatch([12]));
    expect(out.tokens).toEqual([1, 2, 2]);
    expect(out.frames).toEqual([0, 5, 9]);
    expect(out.durations).toEqual([3, 4, 4]);
  });

  it('stays on a frame after a token with duration 0 and advances the state only on tokens', async () => {
    // Frame 0: emit 1, 2 (duration 0), then blank. The state counter k must count tokens only.
    const { decoder } = decoderFor((_u, t, k) => {
      if (t === 0 && k === 0) return { token: 1, dur: 0 };
      if (t === 0 && k === 1) return { token: 2, dur: 0 };
      if (t === 0) return { token: BLANK, dur: 0 };
      if (t === 1 && k === 2) return { token: 3, dur: 1 };
      return { token: BLANK, dur: 1 };
    });
    const [out] = await decoder.decode(encoderBatch([4]));
    expect(out.tokens).toEqual([1, 2, 3]);
    expect(out.frames).toEqual([0, 0, 1]);
  });

  it('feeds the previous token (blank before the first) as the target', async () => {
    const seen: number[] = [];
    const { decoder } = decoderFor((_u, t, _k, prev) => {
      seen.push(prev);
      return t < 3 ? { token: t, dur: 1 } : { token: BLANK, dur: 1 };
    });
    await decoder.decode(encoderBatch([5]));
    expect(seen).toEqual([BLANK, 0, 1, 2, 2]);
  });

  it('forces the decoder on after max symbols on one frame', async () => {
    const { decoder } = decoderFor((_u, t) => (t === 0 ? { token: 1, dur: 0 } : { token: BLANK, dur: 1 }));
    const [out] = await decoder.decode(encoderBatch([3]));
    expect(out.tokens.length).toBe(10);
    expect(out.frames.every((f) => f === 0)).toBe(true);
  });

  it('decodes a batch exactly as each utterance alone while the active set shrinks', async () => {
    const script: Script = (u, t, k) => {
      const r = (u * 31 + t * 7 + k * 13) % 11;
      if (r < 4) return { token: r, dur: (r + t) % 3 };
      return { token: BLANK, dur: r % 5 };
    };
    const lengths = [9, 3, 14, 0, 7, 1, 11, 5];
    const { decoder, joint } = decoderFor(script);
    const batch = await decoder.decode(encoderBatch(lengths));
    expect(Math.max(...joint.calls)).toBe(7); // the zero-length utterance never enters a call
    expect(joint.calls[joint.calls.length - 1]).toBeLessThan(7);
    for (let b = 0; b < lengths.length; b++) {
      // Alone, utterance b must see the same frame contents, so keep its id in channel 0.
      const alone = encoderBatch([lengths[b]]);
      alone.data.fill(b, 0, alone.frames);
      const [single] = await decoderFor(script).decoder.decode(alone);
      expect(batch[b]).toEqual(single);
    }
    expect(batch[3].tokens).toEqual([]);
  });

  it('clamps encoded lengths that exceed the tensor', async () => {
    const { decoder, joint } = decoderFor(() => ({ token: BLANK, dur: 1 }));
    await decoder.decode({ ...encoderBatch([4], 4), lengths: [9] });
    expect(joint.calls.length).toBe(4);
  });

  it('rejects a joint whose output width does not match tokens + durations', () => {
    const joint = new ScriptedJoint(() => ({ token: BLANK, dur: 1 }));
    expect(() => new TdtGreedyDecoder(joint, { blankId: BLANK, vocabSize: V + 1, durations: DURATIONS, maxSymbolsPerStep: 10 })).toThrow(/width/);
  });
});
