import { nearestRankPercentile } from './percentile.js';
import type { SampleColumn, SampleTable } from './sample-table.js';

/** Nearest-rank p50/p90/p95/p99 (see percentile.ts) of one duration, in seconds, over `count` requests. */
export interface LatencySummary {
  count: number;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
}

/**
 * What the report says about a set of requests. Counts cover every line; latencies, batch size, RTFx and
 * audio cover successful requests only, so that fast rejections (429, 503) neither pull the latency
 * percentiles down nor count as processed audio; failures show in the error rate and codes instead.
 */
export interface WindowStats {
  requests: number;
  ok: number;
  errors: number;
  /** errors / requests; null with no requests. */
  errorRate: number | null;
  /** Requests per HTTP status code, successes included (`{"200": 97, "429": 3}`). */
  codes: Record<string, number>;
  /** Failed requests per HTTP status code. */
  errorsByCode: Record<string, number>;
  latency: { total: LatencySummary; inference: LatencySummary; queueWait: LatencySummary };
  /** Mean over requests of the size of the batch each ran in (request-weighted). */
  meanBatchSize: number | null;
  /** Σ audio_len_s / Σ duration_total_s over successful requests carrying both: the service's real-time factor. */
  rtfx: number | null;
  /** Mean of the per-request `rtfx` field; short clips weigh as much as long ones. */
  meanRtfx: number | null;
  audioSeconds: number;
  audioHours: number;
}

/** Summarises the given rows of a table. */
export function summarizeRows(table: SampleTable, rows: ArrayLike<number>): WindowStats {
  let ok = 0;
  const codes = new Map<number, number>();
  const errorCodes = new Map<number, number>();
  const okRows: number[] = [];
  for (let k = 0; k < rows.length; k++) {
    const row = rows[k];
    const code = table.code(row);
    codes.set(code, (codes.get(code) ?? 0) + 1);
    if (table.isOk(row)) {
      ok++;
      okRows.push(row);
    } else errorCodes.set(code, (errorCodes.get(code) ?? 0) + 1);
  }
  let audioSeconds = 0;
  let rtfxAudio = 0;
  let rtfxTotal = 0;
  for (const row of okRows) {
    const audio = table.value('audio', row);
    const total = table.value('total', row);
    if (Number.isNaN(audio)) continue;
    audioSeconds += audio;
    if (!Number.isNaN(total)) {
      rtfxAudio += audio;
      rtfxTotal += total;
    }
  }
  const requests = rows.length;
  return {
    requests,
    ok,
    errors: requests - ok,
    errorRate: requests > 0 ? (requests - ok) / requests : null,
    codes: countsByCode(codes),
    errorsByCode: countsByCode(errorCodes),
    latency: {
      total: latencySummary(table, 'total', okRows),
      inference: latencySummary(table, 'inference', okRows),
      queueWait: latencySummary(table, 'queueWait', okRows),
    },
    meanBatchSize: mean(table, 'batchSize', okRows),
    rtfx: rtfxTotal > 0 ? rtfxAudio / rtfxTotal : null,
    meanRtfx: mean(table, 'rtfx', okRows),
    audioSeconds,
    audioHours: audioSeconds / 3600,
  };
}

function latencySummary(table: SampleTable, column: SampleColumn, rows: number[]): LatencySummary {
  const values = presentValues(table, column, rows).sort();
  return {
    count: values.length,
    p50: nearestRankPercentile(values, 50),
    p90: nearestRankPercentile(values, 90),
    p95: nearestRankPercentile(values, 95),
    p99: nearestRankPercentile(values, 99),
  };
}

function mean(table: SampleTable, column: SampleColumn, rows: number[]): number | null {
  const values = presentValues(table, column, rows);
  return values.length > 0 ? values.reduce((s, v) => s + v, 0) / values.length : null;
}

/** The column's non-missing values for the rows (a typed array, so sort() is numeric). */
function presentValues(table: SampleTable, column: SampleColumn, rows: number[]): Float64Array {
  const out = new Float64Array(rows.length);
  let n = 0;
  for (const row of rows) {
    const v = table.value(column, row);
    if (!Number.isNaN(v)) out[n++] = v;
  }
  return out.subarray(0, n);
}

function countsByCode(counts: Map<number, number>): Record<string, number> {
  return Object.fromEntries([...counts].sort((a, b) => a[0] - b[0]).map(([code, n]) => [String(code), n]));
}
