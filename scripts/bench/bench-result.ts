import type { MixedRow } from './mixed-load.js';
import type { LevelRow } from './load-level.js';
import type { ModelLimit } from './model-limit.js';
import type { RealtimeRow } from './realtime-load.js';
import type { PeerResult } from './sherpa-peer.js';
import type { SingleRequestProbe } from './single-request-probe.js';
import { ratio } from './stats.js';

/** Everything `--json` writes. The three headline ratios are top-level numbers (null when not measured). */
export interface BenchResult {
  /** Service RTFx at saturation (best WAV level) ÷ model-limit RTFx at batch PARAKEET_MICROBATCH_MAX_BATCH. */
  overhead_ratio: number | null;
  /** Service RTFx at concurrency 8 ÷ at concurrency 1. */
  batching_gain: number | null;
  /** Service RTFx at concurrency 16 ÷ sherpa-onnx RTFx (batch 8, same clips and threads). */
  peer_ratio: number | null;
  /**
   * The same ratios from audio seconds per CPU second instead of per wall second. The machine is shared: other
   * jobs take cores away for seconds at a time, which moves wall-clock RTFx but hardly the CPU cost of the work.
   */
  cpu_basis: { overhead_ratio: number | null; batching_gain: number | null; peer_ratio: number | null };
  /** The model's own gain from batching: limit RTFx at the largest batch ÷ at batch 1 (a ceiling for batching_gain's spirit). */
  model_batching_gain: number | null;
  date: string;
  quick: boolean;
  machine: { cpus: number; cpu_model: string; node: string; loadavg_start: number[]; loadavg_end: number[] };
  settings: { model_dir: string; threads: number; lanes: number; max_batch: number; server_env: Record<string, string>; level_seconds: number };
  clips: { count: number; total_s: number; min_s: number; max_s: number; mean_s: number };
  featurizer: { audio_s: number; ms: number; x_realtime: number };
  model_limit: ModelLimit;
  peer: PeerResult;
  levels: LevelRow[];
  mp3: LevelRow | null;
  /** Short clips beside long uploads (null when skipped with --mixed-long-s 0). */
  mixed: MixedRow | null;
  realtime: RealtimeRow[];
  /**
   * WER % on the same clips: the service's first answer per clip (concurrency 1, so batch 1), the in-process core at
   * batch 1 and at the largest batch, and sherpa-onnx (batch 8, its own features).
   */
  wer: { service: number | null; model: number; model_batch1: number | null; sherpa: number | null; words: number };
  targets: Record<string, { value: number | null; target: string; met: boolean | null }>;
  /** Each clip over HTTP to the idle server and in-process, back to back: what a lone request costs beyond the model. */
  c1_overhead_ms: SingleRequestProbe;
  duration_s: number;
}

/** The model limit at the largest batch: the best of its first measurement and the samples taken between levels. */
export function limitAtMaxBatch(limit: ModelLimit, maxBatch: number): number | null {
  const first = limit.rows.find((r) => r.batch === maxBatch)?.rtfx ?? null;
  return first === null ? null : Math.max(first, ...limit.max_batch_rtfx_samples);
}

const at = (levels: LevelRow[], c: number) => levels.find((l) => l.format === 'wav' && l.concurrency === c)?.rtfx ?? null;

/** The peer's RTFx at whichever of its settings (batch 8, batch 1) served it best. */
export function peerBest(peer: PeerResult): number | null {
  const runs = [peer.rtfx, peer.batch1_rtfx].filter((v): v is number => v !== null);
  return runs.length ? Math.max(...runs) : null;
}

export function headline(levels: LevelRow[], limit: ModelLimit, peer: PeerResult, maxBatch: number) {
  const saturation = Math.max(...levels.map((l) => l.rtfx));
  const limitAtMax = limitAtMaxBatch(limit, maxBatch);
  const perCpu = (c: number) => levels.find((l) => l.format === 'wav' && l.concurrency === c)?.audio_per_cpu_s ?? null;
  const bestPerCpu = Math.max(...levels.map((l) => l.audio_per_cpu_s ?? 0));
  return {
    overhead_ratio: ratio(levels.length ? saturation : null, limitAtMax),
    batching_gain: ratio(at(levels, 8), at(levels, 1)),
    // Against the peer at its own best setting (batch 1 or batch 8, the same threads), not at one fixed batch.
    peer_ratio: ratio(at(levels, 16), peerBest(peer)),
    model_batching_gain: ratio(limitAtMax, limit.rows.find((r) => r.batch === 1)?.rtfx),
    cpu_basis: {
      overhead_ratio: ratio(bestPerCpu || null, limit.rows.find((r) => r.batch === maxBatch)?.audio_per_cpu_s),
      batching_gain: ratio(perCpu(8), perCpu(1)),
      peer_ratio: ratio(perCpu(16), peer.audio_per_cpu_s),
    },
  };
}

export function targetChecks(r: Pick<BenchResult, 'overhead_ratio' | 'batching_gain' | 'peer_ratio' | 'featurizer' | 'realtime' | 'c1_overhead_ms'>): BenchResult['targets'] {
  const check = (value: number | null, target: string, ok: (v: number) => boolean) => ({ value, target, met: value === null ? null : ok(value) });
  const rt8 = r.realtime.find((x) => x.sessions === 8);
  return {
    overhead_ratio: check(r.overhead_ratio, '>= 0.90', (v) => v >= 0.9),
    batching_gain: check(r.batching_gain, '>= 2.0', (v) => v >= 2),
    peer_ratio: check(r.peer_ratio, '>= 1.2', (v) => v >= 1.2),
    c1_p50_over_model_ms: check(r.c1_overhead_ms.p50, '<= 5 ms', (v) => v <= 5),
    featurizer_x_realtime_per_core: check(r.featurizer.x_realtime, '>= 1000', (v) => v >= 1000),
    realtime_p95_stop_to_completed_ms_at_8: check(rt8?.stop_to_completed_ms.p95 ?? null, '<= 300 ms', (v) => v <= 300),
  };
}

/** The table printed at the end (and docs/benchmarks.md's). */
export function levelTable(rows: LevelRow[]): string[] {
  const out = ['format  conc  reqs  refused    RTFx  a/CPU-s   p50 ms   p95 ms   p99 ms  batch  lane%   CPU%  other%  RSS MiB  queue/pre/inf/other ms'];
  for (const r of rows) {
    const refused = Object.values(r.refused).reduce((s, n) => s + n, 0);
    const b = r.breakdown;
    const parts = b ? `${b.queue_ms}/${b.preprocess_ms}/${b.inference_ms}/${b.other_ms}` : '-';
    out.push(
      `${r.format.padEnd(6)} ${String(r.concurrency).padStart(5)} ${String(r.requests).padStart(5)} ${String(refused).padStart(8)} ${String(r.rtfx).padStart(7)} ${String(r.audio_per_cpu_s ?? '-').padStart(8)} ${fmt(r.latency_ms.p50)} ${fmt(r.latency_ms.p95)} ${fmt(r.latency_ms.p99)} ${String(r.mean_batch_size ?? '-').padStart(6)} ${String(r.lane_busy_pct ?? '-').padStart(6)} ${String(r.cpu_pct).padStart(6)} ${String(r.others_cpu_pct).padStart(7)} ${String(r.rss_mb_peak).padStart(8)}  ${parts}`,
    );
  }
  return out;
}

const fmt = (v: number | null) => String(v ?? '-').padStart(8);
