import { describe, expect, it } from '@jest/globals';
import type { JointStep, JointStepInput, JointStepOutput } from './joint-step.js';
import { NgramLm } from './ngram-lm.js';
import { TdtBeamDecoder } from './tdt-beam-decoder.js';
import { TdtGreedyDecoder } from './tdt-greedy-decoder.js';
import { encoderBatch } from '../../test/helpers/encoder-batch.js';
import { WordLmFusion } from './word-lm-fusion.js';

const BLANK = 4;
const V = 5;
const DURATIONS = [0, 1, 2];

/** Probabilities of the tokens (blank included) and of the durations, given where the decoder stands. */
type Table = (utt: number, t: number, prev: number, emitted: number) => { tokens: Record<number, number | undefined>; durations: number[] };

/**
 * A joint that answers log-probabilities from a table. Its "LSTM state" counts the tokens consumed (h' = h + 1),
 * so state routed to the wrong hypothesis or utterance changes the answers.
 */
class TableJoint implements JointStep {
  readonly encoderDim = 2;
  readonly stateLayers = 1;
  readonly stateSize = 1;
  readonly logitWidth = V + DURATIONS.length;
  rows = 0;

  constructor(private readonly table: Table) {}

  async run(input: JointStepInput): Promise<JointStepOutput> {
    this.rows += input.batch;
    const logits = new Float32Array(input.batch * this.logitWidth);
    const h = new Float32Array(input.batch);
    const c = new Float32Array(input.batch);
    for (let a = 0; a < input.batch; a++) {
      const { tokens, durations } = this.table(input.encoderFrames[a * 2], input.encoderFrames[a * 2 + 1], input.targets[a], input.h[a]);
      const row = logits.subarray(a * this.logitWidth, (a + 1) * this.logitWidth);
      for (let k = 0; k < V; k++) row[k] = Math.log(tokens[k] ?? 1e-6);
      DURATIONS.forEach((_, k) => (row[V + k] = Math.log(durations[k] ?? 1e-6)));
      h[a] = input.h[a] + 1;
      c[a] = input.c[a];
    }
    return { logits, h, c };
  }
}


const OPTIONS = { blankId: BLANK, vocabSize: V, durations: DURATIONS, maxSymbolsPerStep: 3 };
const ONE_FRAME = [0.02, 0.96, 0.02];

/**
 * Frame 0 slightly prefers token 0 over token 1, but after token 0 the next frame is unsure of everything,
 * while after token 1 it is sure of token 2: the best sequence is [1, 2], which greedy decoding misses.
 */
const garden: Table = (_utt, t, prev) => {
  if (t === 0) return { tokens: { 0: 0.4, 1: 0.35, [BLANK]: 0.25 }, durations: ONE_FRAME };
  if (t === 1 && prev === 0) return { tokens: { 0: 0.2, 1: 0.2, 2: 0.2, 3: 0.2, [BLANK]: 0.2 }, durations: ONE_FRAME };
  if (t === 1 && prev === 1) return { tokens: { 2: 0.95, [BLANK]: 0.05 }, durations: ONE_FRAME };
  return { tokens: { [BLANK]: 0.99 }, durations: ONE_FRAME };
};

describe('TdtBeamDecoder', () => {
  it('finds the more probable sequence that greedy decoding misses', async () => {
    const greedy = await new TdtGreedyDecoder(new TableJoint(garden), OPTIONS).decode(encoderBatch([3]));
    expect(greedy[0].tokens[0]).toBe(0);
    const [beam] = await new TdtBeamDecoder(new TableJoint(garden), OPTIONS, 4).decode(encoderBatch([3]));
    expect(beam.tokens).toEqual([1, 2]);
    expect(beam.frames).toEqual([0, 1]);
    expect(beam.durations).toEqual([1, 1]);
    expect(beam.logprobs[0]).toBeCloseTo(Math.log(0.35), 4);
    expect(beam.logprobs[1]).toBeCloseTo(Math.log(0.95), 4);
  });

  it('agrees with greedy decoding when every step is certain, duration jumps and 0-duration runs included', async () => {
    // Per frame: emit token (t % 4) with a duration 2 jump on even frames; on frame 1, two tokens in place first.
    const certain: Table = (_utt, t, _prev, emitted) => {
      if (t === 1 && emitted < 3) return { tokens: { [emitted % 4]: 0.999 }, durations: [0.999, 0.0005, 0.0005] };
      if (t % 2 === 0) return { tokens: { [t % 4]: 0.999 }, durations: [0.0005, 0.0005, 0.999] };
      return { tokens: { [BLANK]: 0.999 }, durations: ONE_FRAME };
    };
    const enc = encoderBatch([7, 1, 0, 4]);
    const greedy = await new TdtGreedyDecoder(new TableJoint(certain), OPTIONS).decode(enc);
    const beam = await new TdtBeamDecoder(new TableJoint(certain), OPTIONS, 3).decode(enc);
    expect(beam.map((r) => r.tokens)).toEqual(greedy.map((r) => r.tokens));
    expect(beam.map((r) => r.frames)).toEqual(greedy.map((r) => r.frames));
    expect(beam[2].tokens).toEqual([]);
  });

  it('gives each utterance of a batch the result it gets alone', async () => {
    const table: Table = (utt, t, prev, emitted) => (utt === 1 ? garden(utt, t, prev, emitted) : { tokens: { 3: 0.6, [BLANK]: 0.4 }, durations: ONE_FRAME });
    const joint = new TableJoint(table);
    const together = await new TdtBeamDecoder(joint, OPTIONS, 4).decode(encoderBatch([5, 3]));
    const first = await new TdtBeamDecoder(new TableJoint(table), OPTIONS, 4).decode(encoderBatch([5]));
    expect(together[0]).toEqual(first[0]);
    expect(together[1].tokens).toEqual([1, 2]);
  });

  it('keeps at most maxSymbolsPerStep tokens on one frame', async () => {
    const stuck: Table = () => ({ tokens: { 2: 0.99 }, durations: [0.99, 0.005, 0.005] });
    const [r] = await new TdtBeamDecoder(new TableJoint(stuck), OPTIONS, 2).decode(encoderBatch([2]));
    const perFrame = new Map<number, number>();
    for (const f of r.frames) perFrame.set(f, (perFrame.get(f) ?? 0) + 1);
    expect(Math.max(...perFrame.values())).toBeLessThanOrEqual(3);
    expect(r.tokens.length).toBe(6);
  });

  it('lets a word LM overrule a small acoustic preference, and only then', async () => {
    // "favor piece" sounds slightly more likely than "favor peace"; the LM knows which one people write.
    const pieces = ['▁piece', '▁peace', '▁favor', '▁two', '<blk>'];
    const homophones: Table = (_utt, t) => {
      if (t === 0) return { tokens: { 2: 0.99 }, durations: ONE_FRAME };
      if (t === 1) return { tokens: { 0: 0.5, 1: 0.4, [BLANK]: 0.1 }, durations: ONE_FRAME };
      return { tokens: { [BLANK]: 0.99 }, durations: ONE_FRAME };
    };
    const arpa = (peace: number) =>
      `\\data\\\nngram 1=7\nngram 2=2\n\n\\1-grams:\n-2 <unk>\n-99 <s>\n-1 </s>\n-1 favor -0.2\n-2 piece\n-2 peace\n-1 two\n\n` +
      `\\2-grams:\n-0.1 <s> favor\n${peace} favor peace\n\n\\end\\\n`;
    const decode = async (lm: NgramLm | null) => {
      const fusion = lm ? new WordLmFusion(lm, pieces, { weight: 0.5, wordBonus: 0, unkPenalty: 0 }) : null;
      const [r] = await new TdtBeamDecoder(new TableJoint(homophones), OPTIONS, 2, fusion).decode(encoderBatch([3]));
      return r.tokens;
    };
    expect(await decode(null)).toEqual([2, 0]);
    expect(await decode(NgramLm.parse(arpa(-0.3)))).toEqual([2, 1]);
    // an LM that slightly disfavours the bigram leaves the acoustic choice alone
    expect(await decode(NgramLm.parse(arpa(-2.3)))).toEqual([2, 0]);
  });

  it('rejects a beam size that is not a positive integer', () => {
    expect(() => new TdtBeamDecoder(new TableJoint(garden), OPTIONS, 0)).toThrow(/beam size/);
  });
});
