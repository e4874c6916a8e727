import { JointRows } from './joint-rows.js';
import type { JointStep } from './joint-step.js';
import type { FusionState, WordLmFusion } from './word-lm-fusion.js';
import { checkJointWidth, decodeShape, type DecodedUtterance, type EncoderBatch, type TdtDecoder, type TdtDecoderOptions } from './tdt-greedy-decoder.js';

/** Emitted tokens of a hypothesis, newest first; hypotheses that share a prefix share its nodes. */
interface TokenNode {
  token: number;
  frame: number;
  duration: number;
  logprob: number;
  prev: TokenNode | null;
}

interface Hypothesis {
  score: number;
  /** Next encoder frame this hypothesis reads. */
  frame: number;
  /** Last emitted token (blank before the first) and the LSTM state before consuming it: read-only, shared. */
  last: number;
  h: Float32Array;
  c: Float32Array;
  tokens: TokenNode | null;
  /** Identity of the token sequence (two 32-bit rolling hashes) for merging equal hypotheses. */
  hashA: number;
  hashB: number;
  /** Tokens emitted on `frame` so far (maxSymbolsPerStep). */
  symbols: number;
  /** Words finished and the word being spelt, when a language model takes part. */
  lm: FusionState | null;
}

const NEG = -Infinity;

/**
 * TDT beam search (the default search of NeMo's BeamTDTInfer, batched): hypotheses live on their own
 * encoder frames; at each frame every hypothesis standing on it is expanded by the `beam` best non-blank
 * tokens and the best durations, and by blank with each duration of at least one frame. Children with
 * duration 0 stay on the frame and are expanded again (at most maxSymbolsPerStep tokens per frame); the
 * rest wait for their frame. After each frame the `beam` best hypotheses survive, equal token sequences
 * on the same frame merged. Scores are sums of token and duration log-probabilities, without length
 * normalisation. One joint call carries the hypotheses of every utterance in the batch.
 *
 * With a word LM (`fusion`), each hypothesis also carries its words, and a word's weighted LM score and
 * bonus join its score when the word is complete; the last word and the sentence end are scored before
 * the winner is chosen.
 */
export class TdtBeamDecoder implements TdtDecoder {
  constructor(
    private readonly joint: JointStep,
    private readonly options: TdtDecoderOptions,
    private readonly beam: number,
    private readonly fusion: WordLmFusion | null = null,
  ) {
    checkJointWidth(joint, options);
    if (!Number.isInteger(beam) || beam < 1) throw new Error(`beam size must be a positive integer, got ${beam}`);
  }

  async decode(enc: EncoderBatch): Promise<DecodedUtterance[]> {
    const { joint, beam, fusion } = this;
    const { blankId, vocabSize: V, durations, maxSymbolsPerStep } = this.options;
    const { B, W, LH, lengths } = decodeShape(enc, joint);
    const nd = durations.length;
    const topDurations = Math.min(beam, Math.max(1, nd));
    const topTokens = Math.min(beam, V - 1);
    const maxLength = Math.max(0, ...lengths);
    const zeros = new Float32Array(LH);
    const kept: Hypothesis[][] = [];
    for (let b = 0; b < B; b++) kept.push([{ score: 0, frame: 0, last: blankId, h: zeros, c: zeros, tokens: null, hashA: 0, hashB: 0, symbols: 0, lm: fusion?.initial() ?? null }]);

    const rows = new JointRows(joint, B * beam);
    const tokenLogp = new Float64Array(V);
    const durLogp = new Float64Array(Math.max(1, nd));
    const tokenOrder = new Int32Array(V);
    const durOrder = new Int32Array(Math.max(1, nd));

    for (let t = 0; t < maxLength; t++) {
      // Hypotheses standing on frame t are expanded; the others (later frames, or finished) wait.
      const frontier: Hypothesis[][] = [];
      for (let b = 0; b < B; b++) {
        const here: Hypothesis[] = [];
        const later: Hypothesis[] = [];
        if (t < lengths[b]) for (const hyp of kept[b]) (hyp.frame === t ? here : later).push(hyp);
        else later.push(...kept[b]);
        frontier.push(here);
        kept[b] = later;
      }
      for (;;) {
        let A = 0;
        for (let b = 0; b < B; b++) A += frontier[b].length;
        if (A === 0) break;
        rows.begin(A);
        let a = 0;
        for (let b = 0; b < B; b++) for (const hyp of frontier[b]) rows.set(a++, enc, b, t, hyp.last, hyp.h, hyp.c, 0);
        const out = await rows.run();

        a = 0;
        for (let b = 0; b < B; b++) {
          const next: Hypothesis[] = [];
          for (const hyp of frontier[b]) {
            const row = a * W;
            logSoftmax(out.logits, row, V, tokenLogp);
            if (nd > 0) logSoftmax(out.logits, row + V, nd, durLogp);
            else durLogp[0] = 0;
            // Blank keeps the state; its durations of at least one frame move it on (plain RNN-T: one frame).
            if (nd === 0) kept[b].push({ ...hyp, score: hyp.score + tokenLogp[blankId], frame: t + 1, symbols: 0 });
            for (let k = 0; k < nd; k++) {
              if (durations[k] > 0) kept[b].push({ ...hyp, score: hyp.score + tokenLogp[blankId] + durLogp[k], frame: t + durations[k], symbols: 0 });
            }
            // Tokens take the state after `last`, copied once per expanded hypothesis and shared by its children.
            const nTok = topK(tokenLogp, V, topTokens, tokenOrder, blankId);
            const nDur = nd > 0 ? topK(durLogp, nd, topDurations, durOrder, -1) : 1;
            if (nd === 0) durOrder[0] = -1;
            const h = new Float32Array(LH);
            const c = new Float32Array(LH);
            rows.stateOf(out, a, h, c, 0);
            for (let i = 0; i < nTok; i++) {
              const token = tokenOrder[i];
              const fused = fusion && hyp.lm ? fusion.advance(hyp.lm, token) : null;
              for (let j = 0; j < nDur; j++) {
                const k = durOrder[j];
                const dur = k < 0 ? 0 : durations[k];
                const symbols = dur === 0 ? hyp.symbols + 1 : 0;
                // Past maxSymbolsPerStep tokens on one frame the hypothesis is moved on, as greedy decoding does.
                const capped = dur === 0 && symbols >= maxSymbolsPerStep;
                const child: Hypothesis = {
                  score: hyp.score + tokenLogp[token] + (k < 0 ? 0 : durLogp[k]) + (fused ? fused.delta : 0),
                  frame: capped ? t + 1 : t + dur,
                  last: token,
                  h,
                  c,
                  tokens: { token, frame: t, duration: dur, logprob: tokenLogp[token], prev: hyp.tokens },
                  hashA: (Math.imul(hyp.hashA, 0x01000193) ^ (token + 1)) >>> 0,
                  hashB: (Math.imul(hyp.hashB, 31) + token + 7) >>> 0,
                  symbols: capped ? 0 : symbols,
                  lm: fused ? fused.state : null,
                };
                (child.frame === t ? next : kept[b]).push(child);
              }
            }
            a++;
          }
          // Stay on this frame only while the frame's best could still enter the beam (NeMo's early stop).
          const merged = best(merge(next), beam);
          const top = merged.length ? merged[0].score : NEG;
          const waiting = merge(kept[b]);
          kept[b] = waiting;
          let better = 0;
          for (const hyp of waiting) if (hyp.score > top) better++;
          frontier[b] = better >= beam ? [] : merged;
        }
      }
      for (let b = 0; b < B; b++) kept[b] = best(merge(kept[b]), beam);
    }

    const results: DecodedUtterance[] = [];
    for (let b = 0; b < B; b++) {
      // With an LM, each survivor's last word and sentence end count before the choice (scored once each).
      let winner = kept[b][0];
      let winnerScore = NEG;
      for (const hyp of kept[b]) {
        const score = hyp.score + (fusion && hyp.lm ? fusion.finish(hyp.lm) : 0);
        if (score > winnerScore) {
          winner = hyp;
          winnerScore = score;
        }
      }
      const r: DecodedUtterance = { tokens: [], frames: [], durations: [], logprobs: [] };
      for (let n = winner.tokens; n; n = n.prev) {
        r.tokens.push(n.token);
        r.frames.push(n.frame);
        r.durations.push(n.duration);
        r.logprobs.push(n.logprob);
      }
      r.tokens.reverse();
      r.frames.reverse();
      r.durations.reverse();
      r.logprobs.reverse();
      results.push(r);
    }
    return results;
  }
}

function logSoftmax(x: Float32Array, offset: number, n: number, out: Float64Array): void {
  let max = NEG;
  for (let i = 0; i < n; i++) if (x[offset + i] > max) max = x[offset + i];
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(x[offset + i] - max);
  const lse = max + Math.log(sum);
  for (let i = 0; i < n; i++) out[i] = x[offset + i] - lse;
}

/** Indices of the k largest of x[0, n) (skipping `skip`) into `order`, best first; returns how many. */
function topK(x: Float64Array, n: number, k: number, order: Int32Array, skip: number): number {
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (i === skip) continue;
    if (m < k) m++;
    else if (x[i] <= x[order[m - 1]]) continue;
    let j = m - 1;
    while (j > 0 && x[order[j - 1]] < x[i]) {
      order[j] = order[j - 1];
      j--;
    }
    order[j] = i;
  }
  return m;
}

/** Equal token sequences on the same frame: keep the higher score (Viterbi merge). */
function merge(hyps: Hypothesis[]): Hypothesis[] {
  if (hyps.length < 2) return hyps;
  const byKey = new Map<string, Hypothesis>();
  for (const hyp of hyps) {
    const key = `${hyp.frame}:${hyp.hashA}:${hyp.hashB}`;
    const seen = byKey.get(key);
    if (!seen || hyp.score > seen.score) byKey.set(key, hyp);
  }
  return byKey.size === hyps.length ? hyps : [...byKey.values()];
}

function best(hyps: Hypothesis[], k: number): Hypothesis[] {
  return hyps.sort((x, y) => y.score - x.score).slice(0, k);
}
