/**
 * A line of the JSONL metrics file as the report reads it: one JSON object per finished request (a REST
 * request or a realtime turn, success or failure). The writer's `MetricLine` (../metric-line.ts) is this
 * with every field present; the reader is lenient where the data allows (older or other writers may leave
 * fields out) and strict where a wrong value would skew the numbers.
 */
export interface MetricFileLine {
  /** ISO 8601 time the request finished, e.g. `2026-11-26T10:00:00.123Z`. */
  ts: string;
  status: MetricStatus;
  /** HTTP status; realtime turns use 200 for success and 500/503 for failures. */
  code: number;
  /** `transcriptions`, `realtime`, … (a line without one reads as `unknown`). */
  endpoint: string;
  request_id?: string | null;
  model?: string | null;
  provider?: string | null;
  // Numeric fields are null or absent where a request never reached the stage (a 429 has no audio_len_s).
  audio_len_s?: number | null;
  duration_preprocess_s?: number | null;
  duration_inference_s?: number | null;
  duration_total_s?: number | null;
  queue_wait_s?: number | null;
  batch_size?: number | null;
  lane?: number | null;
  rtfx?: number | null;
}

export type MetricStatus = 'ok' | 'error';

/** The numeric fields of a line; each is a finite number, null or absent. */
export const METRIC_NUMBER_FIELDS = [
  'audio_len_s',
  'duration_preprocess_s',
  'duration_inference_s',
  'duration_total_s',
  'queue_wait_s',
  'batch_size',
  'lane',
  'rtfx',
] as const satisfies readonly (keyof MetricFileLine)[];

const STRING_FIELDS = ['request_id', 'model', 'provider'] as const satisfies readonly (keyof MetricFileLine)[];

export type ParsedMetricLine = { ok: true; line: MetricFileLine; tsMs: number } | { ok: false; reason: string };

// A full date and time: Date.parse alone would also take "2026" or "Nov 26", which no writer produces.
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Parses and checks one line. A line the report cannot trust (truncated by a crash, not JSON, no usable
 * `ts`, `status` or `code`, a numeric field that is not a number) is rejected with the reason, so the
 * report can skip and count it instead of guessing.
 */
export function parseMetricLine(text: string): ParsedMetricLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'not a JSON object' };
  const raw = value as Record<string, unknown>;
  if (typeof raw.ts !== 'string' || !ISO_TIMESTAMP.test(raw.ts)) return { ok: false, reason: 'missing or malformed ts' };
  const tsMs = Date.parse(raw.ts);
  if (!Number.isFinite(tsMs)) return { ok: false, reason: 'missing or malformed ts' };
  if (raw.status !== 'ok' && raw.status !== 'error') return { ok: false, reason: 'status is not "ok" or "error"' };
  if (!Number.isInteger(raw.code) || (raw.code as number) < 100 || (raw.code as number) > 599) return { ok: false, reason: 'code is not an HTTP status' };
  if (raw.endpoint !== undefined && typeof raw.endpoint !== 'string') return { ok: false, reason: 'endpoint is not a string' };

  const line: MetricFileLine = { ts: raw.ts, status: raw.status, code: raw.code as number, endpoint: (raw.endpoint as string | undefined) || 'unknown' };
  for (const field of METRIC_NUMBER_FIELDS) {
    const v = raw[field];
    if (v === undefined) continue;
    if (v !== null && (typeof v !== 'number' || !Number.isFinite(v))) return { ok: false, reason: `${field} is not a number` };
    line[field] = v;
  }
  for (const field of STRING_FIELDS) {
    const v = raw[field];
    if (typeof v === 'string' || v === null) line[field] = v;
  }
  return { ok: true, line, tsMs };
}
