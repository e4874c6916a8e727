import { runClosedLoop, type RequestRecord, type UploadClip } from './http-load.js';
import { ProcessSampler, type ProcessUsage } from './process-sampler.js';
import type { ServerChild } from './server-child.js';
import { metricLines, promDelta, scrapeProm, timeBreakdown } from './server-metrics.js';
import { mean, round1, summarize, type LatencySummary } from './stats.js';

/** One row of the REST table: a format at a concurrency, driven for a while over real HTTP. */
export interface LevelRow extends ProcessUsage {
  format: 'wav' | 'mp3';
  concurrency: number;
  requests: number;
  /** Responses other than 200, by status (0: the request itself failed). */
  refused: Record<string, number>;
  /** The first few distinct error bodies of those responses. */
  refused_examples: string[];
  audio_s: number;
  wall_s: number;
  /** Audio seconds answered ÷ wall seconds of the level. */
  rtfx: number;
  latency_ms: LatencySummary;
  /** Requests per inference batch, averaged over the batches the server ran (/metrics parakeet_batch_size). */
  mean_batch_size: number | null;
  /** `x-batch-size` averaged over responses (a request's view: big batches count once per member). */
  mean_batch_size_seen: number | null;
  /** Share of the level's wall time the runner lane(s) spent in featurize + encoder + decoding. */
  lane_busy_pct: number | null;
  /** Audio seconds answered per CPU second the server used (steadier than RTFx on a shared machine). */
  audio_per_cpu_s: number | null;
  /** The load generator's own CPU (it shares the machine). */
  client_cpu_pct: number;
  /** CPU other processes took meanwhile (machine − server − this load generator), in % of one core. */
  others_cpu_pct: number;
  /** Mean ms per request from the server's JSONL lines: queue, preprocess, inference and the rest. */
  breakdown: ReturnType<typeof timeBreakdown>;
}

export interface LevelSpec {
  format: 'wav' | 'mp3';
  concurrency: number;
  seconds: number;
  lanes: number;
}

export async function runLevel(server: ServerChild, metricsDir: string, clips: UploadClip[], spec: LevelSpec): Promise<{ row: LevelRow; records: RequestRecord[] }> {
  const idPrefix = `bench-${spec.format}-c${spec.concurrency}-${Date.now()}`;
  const sampler = new ProcessSampler(server.pid);
  const before = await scrapeProm(server.url);
  const cpu0 = process.cpuUsage();
  sampler.start();
  const { records, wall_s } = await runClosedLoop({ url: server.url, concurrency: spec.concurrency, clips, minSeconds: spec.seconds, minRequests: 2 * spec.concurrency, idPrefix });
  const usage = sampler.stop();
  const cpu = process.cpuUsage(cpu0);
  const prom = promDelta(before, await scrapeProm(server.url));
  await new Promise((r) => setTimeout(r, 300)); // the server writes a request's metric line after its response
  const clientPct = (100 * (cpu.user + cpu.system)) / 1e6 / wall_s;
  const ok = records.filter((r) => r.status === 200);
  const refused: Record<string, number> = {};
  for (const r of records) if (r.status !== 200) refused[r.status] = (refused[r.status] ?? 0) + 1;
  const examples = [...new Set(records.filter((r) => r.status !== 200).map((r) => `${r.status}: ${r.text}`))].slice(0, 3);
  const audio = ok.reduce((s, r) => s + r.audio_s, 0);
  const seen = mean(ok.map((r) => r.batch_size).filter((b): b is number => b !== null));
  return {
    records,
    row: {
      format: spec.format,
      concurrency: spec.concurrency,
      requests: records.length,
      refused,
      refused_examples: examples,
      audio_s: round1(audio)!,
      wall_s: Math.round(wall_s * 100) / 100,
      rtfx: round1(audio / wall_s)!,
      latency_ms: summarize(ok.map((r) => r.latency_ms)),
      mean_batch_size: prom.batch_count ? Math.round((100 * prom.batch_sum) / prom.batch_count) / 100 : null,
      mean_batch_size_seen: seen === null ? null : Math.round(seen * 100) / 100,
      lane_busy_pct: round1((100 * prom.inference_s_sum) / (wall_s * spec.lanes)),
      ...usage,
      audio_per_cpu_s: usage.cpu_s > 0 ? round1(audio / usage.cpu_s) : null,
      client_cpu_pct: round1(clientPct)!,
      others_cpu_pct: round1(Math.max(0, usage.machine_cpu_pct - usage.cpu_pct - clientPct))!,
      breakdown: timeBreakdown(metricLines(metricsDir, idPrefix)),
    },
  };
}
