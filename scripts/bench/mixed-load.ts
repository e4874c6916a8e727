import { pcm16Wav } from '../../src/audio/pcm16.js';
import { readWav } from '../../src/audio/wav-reader.js';
import { concatenate, speechPieces, toMp3 } from './bench-clips.js';
import { postUpload, uploadClip, type UploadClip } from './http-load.js';
import { ratio, round1, summarize, type LatencySummary } from './stats.js';

/** Short clips beside long uploads: what a person's short request costs while others' archives are transcribed. */
export interface MixedRow {
  short_s: number;
  long_s: number;
  long_count: number;
  /** Short clips one after another on an idle server. */
  short_alone_ms: LatencySummary;
  /** The same while `long_count` long uploads run (one client, one short request at a time). */
  short_mixed_ms: LatencySummary;
  short_mixed_count: number;
  /** short_mixed p50 ÷ short_alone p50 (target ≤ 4). */
  short_p50_ratio: number | null;
  /** Wall time until every long upload was answered, alone and with the short clips beside them (mean of the rounds). */
  long_alone_s: number;
  long_mixed_s: number;
  long_rtfx_alone: number | null;
  long_rtfx_mixed: number | null;
  statuses: Record<string, number>;
}

export interface MixedClips {
  short: UploadClip;
  long: UploadClip;
}

/** A 3-s WAV clip and a 129-s mp3 (as people upload recordings), both built deterministically from the fixtures. */
export function buildMixedClips(shortS = 3, longS = 129): MixedClips {
  const pieces = speechPieces();
  const make = (seconds: number, seed: number) => {
    const { samples, text } = concatenate(pieces, seconds, seed, { gapS: 0.4, edgeS: 0.2, pad: true });
    const wav = pcm16Wav(samples);
    return { id: `mixed-${seconds}s`, wav, samples: readWav(wav).samples, seconds, text };
  };
  const short = make(shortS, 7);
  const long = make(longS, 11);
  return { short: uploadClip(short.id, short.wav, shortS, 'audio/wav', 'wav'), long: uploadClip(long.id, toMp3(long), longS, 'audio/mpeg', 'mp3') };
}

async function timed(url: string, clip: UploadClip, id: string, statuses: Record<string, number>): Promise<number> {
  const t0 = performance.now();
  const res = await postUpload(url, clip, id);
  statuses[res.status] = (statuses[res.status] ?? 0) + 1;
  return performance.now() - t0;
}

async function longUploads(url: string, clips: MixedClips, count: number, tag: string, statuses: Record<string, number>): Promise<number> {
  const t0 = performance.now();
  await Promise.all(Array.from({ length: count }, (_, i) => timed(url, clips.long, `bench-mixed-${tag}-long-${i}`, statuses)));
  return (performance.now() - t0) / 1000;
}

/**
 * Three phases on a running server: short clips alone (sequential), the long uploads alone, then rounds of the long
 * uploads again with short clips sent one after another (100 ms apart) until the last long upload is answered,
 * repeated until at least `minShort` (20) short clips were timed beside them.
 */
export async function runMixedLoad(url: string, clips: MixedClips, options: { longCount?: number; shortAlone?: number; minShort?: number; maxRounds?: number } = {}): Promise<MixedRow> {
  const longCount = options.longCount ?? 3;
  const statuses: Record<string, number> = {};
  for (let i = 0; i < 3; i++) await timed(url, clips.short, `bench-mixed-warm-${i}`, {});
  const alone: number[] = [];
  for (let i = 0; i < (options.shortAlone ?? 20); i++) alone.push(await timed(url, clips.short, `bench-mixed-alone-${i}`, statuses));
  const longAlone = await longUploads(url, clips, longCount, 'alone', statuses);

  // Rounds of the long uploads with short clips beside them, until enough short clips were timed for a stable p50.
  const mixed: number[] = [];
  const rounds: number[] = [];
  while (rounds.length < (options.maxRounds ?? 6) && (rounds.length === 0 || mixed.length < (options.minShort ?? 20))) {
    let done = false;
    const tag = `mixed${rounds.length}`;
    const longs = longUploads(url, clips, longCount, tag, statuses).finally(() => (done = true));
    // Let the long uploads be decoded and chunked first, as when a person arrives at a busy server.
    await new Promise((r) => setTimeout(r, 100));
    for (let i = 0; !done; i++) {
      const ms = await timed(url, clips.short, `bench-${tag}-short-${i}`, statuses);
      if (!done) mixed.push(ms);
      await new Promise((r) => setTimeout(r, 100));
    }
    rounds.push(await longs);
  }
  const longMixed = rounds.reduce((a, b) => a + b, 0) / rounds.length;
  const audio = longCount * clips.long.seconds;
  const shortAlone = summarize(alone);
  const shortMixed = summarize(mixed);
  return {
    short_s: clips.short.seconds,
    long_s: clips.long.seconds,
    long_count: longCount,
    short_alone_ms: shortAlone,
    short_mixed_ms: shortMixed,
    short_mixed_count: mixed.length,
    short_p50_ratio: ratio(shortMixed.p50, shortAlone.p50),
    long_alone_s: round1(longAlone)!,
    long_mixed_s: round1(longMixed)!,
    long_rtfx_alone: round1(audio / longAlone),
    long_rtfx_mixed: round1(audio / longMixed),
    statuses,
  };
}

export function describeMixed(row: MixedRow): string {
  return (
    `mixed: ${row.short_s}-s clips alone p50 ${row.short_alone_ms.p50} ms, p95 ${row.short_alone_ms.p95} ms; beside ${row.long_count} × ${row.long_s}-s uploads ` +
    `p50 ${row.short_mixed_ms.p50} ms, p95 ${row.short_mixed_ms.p95} ms (${row.short_mixed_count} clips, ${row.short_p50_ratio}× alone); ` +
    `long uploads ${row.long_alone_s} s alone (RTFx ${row.long_rtfx_alone}), ${row.long_mixed_s} s mixed (RTFx ${row.long_rtfx_mixed})`
  );
}
