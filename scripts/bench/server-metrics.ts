import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMetricLine, type MetricFileLine } from '../../src/metrics/report/metric-file-line.js';

/** The Prometheus sums and counts a level's numbers are taken from (differences between two scrapes). */
export interface PromSnapshot {
  batch_sum: number;
  batch_count: number;
  inference_s_sum: number;
  queue_wait_s_sum: number;
  queue_wait_count: number;
}

const FAMILIES: Record<keyof PromSnapshot, string> = {
  batch_sum: 'parakeet_batch_size_sum',
  batch_count: 'parakeet_batch_size_count',
  inference_s_sum: 'parakeet_inference_seconds_sum',
  queue_wait_s_sum: 'parakeet_queue_wait_seconds_sum',
  queue_wait_count: 'parakeet_queue_wait_seconds_count',
};

export async function scrapeProm(url: string): Promise<PromSnapshot> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out = {} as PromSnapshot;
  for (const [key, name] of Object.entries(FAMILIES) as [keyof PromSnapshot, string][]) {
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'm').exec(text);
    out[key] = m ? Number(m[1]) : 0;
  }
  return out;
}

export function promDelta(before: PromSnapshot, after: PromSnapshot): PromSnapshot {
  const out = {} as PromSnapshot;
  for (const k of Object.keys(FAMILIES) as (keyof PromSnapshot)[]) out[k] = after[k] - before[k];
  return out;
}

/** The server's JSONL metric lines (PARAKEET_METRICS_DIR/metrics.log) whose request id starts with `prefix`. */
export function metricLines(dir: string, prefix: string): MetricFileLine[] {
  const file = join(dir, 'metrics.log');
  if (!existsSync(file)) return [];
  const out: MetricFileLine[] = [];
  for (const text of readFileSync(file, 'utf8').split('\n')) {
    if (!text.includes(prefix)) continue;
    const parsed = parseMetricLine(text);
    if (parsed.ok && parsed.line.request_id?.startsWith(prefix)) out.push(parsed.line);
  }
  return out;
}

/**
 * Where a request's time went, mean ms over the level's successful requests, from the server's own lines:
 * queue wait, preprocess (audio decode + features), inference (encoder + decoding, per batch), and the rest
 * (HTTP, multipart, scheduling, worker messages, formatting).
 */
export function timeBreakdown(lines: MetricFileLine[]): { requests: number; queue_ms: number; preprocess_ms: number; inference_ms: number; other_ms: number; total_ms: number } | null {
  const ok = lines.filter((l) => l.status === 'ok');
  if (!ok.length) return null;
  const avg = (pick: (l: MetricFileLine) => number | null | undefined) => (1000 * ok.reduce((s, l) => s + (pick(l) ?? 0), 0)) / ok.length;
  const queue = avg((l) => l.queue_wait_s);
  const pre = avg((l) => l.duration_preprocess_s);
  const inf = avg((l) => l.duration_inference_s);
  const total = avg((l) => l.duration_total_s);
  const r = (x: number) => Math.round(x * 10) / 10;
  return { requests: ok.length, queue_ms: r(queue), preprocess_ms: r(pre), inference_ms: r(inf), other_ms: r(total - queue - pre - inf), total_ms: r(total) };
}
