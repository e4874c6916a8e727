import type { TimedToken, TimedWord, Transcript } from './transcript.js';

export interface OnsetEvidence {
  /** Speech probability per VAD frame of the whole audio (Silero: one per 512 samples at 16 kHz). */
  probabilities: Float32Array;
  frameSeconds: number;
  /** Probability at or above which a frame is speech. */
  threshold: number;
}

/** Moves shorter than this are a VAD frame's jitter, not a word stamped inside a pause. */
const MIN_MOVE_SECONDS = 0.064;

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * Word times moved onto the speech. A TDT model emits a word after a pause too early (the embedded model on
 * the pause's first frame, two seconds before anyone speaks), so a word whose start lies in what the VAD
 * calls silence starts instead at the first speech frame before the next word; a word that lay wholly in
 * the silence moves there whole (its length kept, cut short at the next word). Starts stay in order and
 * before their word's end; words already starting on speech are left alone.
 */
export function alignWordStarts(t: Transcript, evidence: OnsetEvidence): Transcript {
  const { probabilities, frameSeconds, threshold } = evidence;
  const frames = probabilities.length;
  const tokens: TimedToken[] = t.tokens.map((x) => ({ ...x }));
  const words: TimedWord[] = t.words.map((w) => ({ ...w }));
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const limit = i + 1 < words.length ? words[i + 1].start : Math.max(t.duration, w.end);
    let f = Math.floor(w.start / frameSeconds);
    if (f >= frames || probabilities[f] >= threshold) continue;
    while (f < frames && f * frameSeconds < limit && probabilities[f] < threshold) f++;
    const onset = round3(f * frameSeconds);
    if (f >= frames || onset >= limit || onset - w.start < MIN_MOVE_SECONDS) continue;
    if (onset < w.end) {
      w.start = onset;
      for (let k = w.fromToken; k < w.toToken; k++) {
        tokens[k].start = Math.max(tokens[k].start, onset);
        tokens[k].end = Math.max(tokens[k].end, tokens[k].start);
      }
      continue;
    }
    const shift = onset - w.start;
    w.start = onset;
    w.end = round3(Math.min(w.end + shift, limit));
    for (let k = w.fromToken; k < w.toToken; k++) {
      tokens[k].start = round3(Math.min(tokens[k].start + shift, w.end));
      tokens[k].end = round3(Math.min(tokens[k].end + shift, w.end));
    }
  }
  return { ...t, tokens, words };
}
