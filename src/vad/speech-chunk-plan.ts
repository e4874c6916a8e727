import { planChunks, type ChunkSpan } from '../scheduler/chunk-plan.js';
import { SpeechDetector, type SpeechDetectorSettings } from './speech-detector.js';

export interface SpeechChunkOptions extends SpeechDetectorSettings {
  /** Longest span, samples. */
  maxChunk: number;
  /** Overlap of the fixed windows used where speech runs on with no usable silence, samples. */
  overlap: number;
  frameSamples?: number;
  sampleRate?: number;
}

/**
 * Silences between speech, in samples, as SpeechDetector sees them: from the end of speech to the next
 * speech's padded start (or its first frame, when the padding would swallow the whole pause). Leading and
 * trailing silence count; pauses shorter than one frame do not.
 */
export function speechGaps(probabilities: Float32Array, length: number, settings: SpeechDetectorSettings, frameSamples = 512, sampleRate = 16000): ChunkSpan[] {
  const detector = new SpeechDetector(settings, frameSamples, sampleRate);
  const gaps: ChunkSpan[] = [];
  let silenceFrom: number | undefined = 0;
  for (const event of detector.push(probabilities)) {
    if (event.type === 'speech_stopped') {
      silenceFrom = event.atSample;
      continue;
    }
    if (silenceFrom !== undefined) {
      const end = event.paddedStartSample > silenceFrom ? event.paddedStartSample : event.atSample;
      gaps.push({ start: silenceFrom, end });
    }
    silenceFrom = undefined;
  }
  if (silenceFrom !== undefined) gaps.push({ start: silenceFrom, end: length });
  return gaps.filter((g) => g.end - g.start >= frameSamples && g.start < length).map((g) => ({ start: g.start, end: Math.min(g.end, length) }));
}

interface Cut {
  at: number;
  /** Distance from the cut to the nearest speech. */
  room: number;
}

/**
 * The cut for the window (start, start + maxChunk]: in the middle of the pause with the most room, or at the
 * window's end where silence runs past it, taken from the window's second half when it has one (so chunks
 * stay long), else from anywhere in it. The pause the previous cut sat in only counts when it fills the rest
 * of the window.
 */
function bestCut(gaps: ChunkSpan[], from: number, start: number, maxChunk: number): { cut?: Cut; next: number } {
  const end = start + maxChunk;
  let late: Cut | undefined;
  let early: Cut | undefined;
  let k = from;
  for (; k < gaps.length && gaps[k].start < end; k++) {
    const gap = gaps[k];
    let cut: Cut;
    if (gap.start <= start) {
      if (gap.end < end) continue;
      cut = { at: end, room: Infinity };
    } else {
      cut = gap.end > end ? { at: end, room: end - gap.start } : { at: Math.floor((gap.start + gap.end) / 2), room: (gap.end - gap.start) / 2 };
    }
    if (cut.at >= start + maxChunk / 2) {
      if (!late || cut.room > late.room) late = cut;
    } else if (!early || cut.room > early.room) {
      early = cut;
    }
  }
  return { cut: late ?? early, next: k };
}

/**
 * Spans for long audio cut at pauses: they cover [0, length) in order without overlap, each at most
 * maxChunk, every cut in the middle of a silence so no word is split. Where speech runs longer than maxChunk
 * without a usable pause, that stretch alone falls back to planChunks' overlapping windows (the stitcher
 * cuts their seams between words).
 */
export function planSpeechChunks(probabilities: Float32Array, length: number, options: SpeechChunkOptions): ChunkSpan[] {
  const { maxChunk, frameSamples = 512, sampleRate = 16000 } = options;
  if (length <= maxChunk) return [{ start: 0, end: length }];
  const overlap = Math.min(options.overlap, Math.floor(maxChunk / 2));
  const gaps = speechGaps(probabilities, length, options, frameSamples, sampleRate);
  const spans: ChunkSpan[] = [];
  let start = 0;
  let from = 0;
  while (length - start > maxChunk) {
    // Pauses that end before `start` never matter again.
    while (from < gaps.length && gaps[from].end < start) from++;
    const { cut, next } = bestCut(gaps, from, start, maxChunk);
    if (cut) {
      spans.push({ start, end: cut.at });
      start = cut.at;
      continue;
    }
    // No pause in reach: fixed windows up to the middle of the next pause (or the end), taking in at most
    // half a chunk of that pause when it is long.
    const gap = gaps[next];
    const stretchEnd = gap ? Math.min(Math.floor((gap.start + gap.end) / 2), gap.start + Math.floor(maxChunk / 2)) : length;
    for (const w of planChunks(stretchEnd - start, maxChunk, overlap)) spans.push({ start: start + w.start, end: start + w.end });
    start = stretchEnd;
  }
  if (start < length) spans.push({ start, end: length });
  return spans;
}
