/**
 * One finished request (REST) or realtime turn, as written to the JSONL metrics file. The first fields are the
 * reference service's; `endpoint` … `provider` are ours. Numbers a failure never reached are null.
 */
export interface MetricLine {
  ts: string;
  status: 'ok' | 'error';
  code: number;
  audio_len_s: number | null;
  duration_preprocess_s: number | null;
  duration_inference_s: number | null;
  duration_total_s: number;
  queue_wait_s: number | null;
  model: string | null;
  /** `jobs`: one line per finished asynchronous job (request_id is the job id), written by the replica that ran it. */
  endpoint: 'transcriptions' | 'realtime' | 'jobs';
  request_id: string;
  batch_size: number | null;
  lane: number | null;
  rtfx: number | null;
  provider: string | null;
}

/** What a handler learned about its request, attached for the line written when the response ends. */
export interface RequestOutcome {
  audioSeconds?: number;
  preprocessMs?: number;
  inferenceMs?: number;
  queueWaitMs?: number;
  batchSize?: number;
  lane?: number;
  /** An error reported after the 200 went out (SSE): the line records this code instead. */
  lateErrorCode?: number;
}

const round = (x: number | undefined, digits = 4) => (x === undefined || !Number.isFinite(x) ? null : Math.round(x * 10 ** digits) / 10 ** digits);

export function metricLine(fields: {
  now: Date;
  code: number;
  endpoint: MetricLine['endpoint'];
  requestId: string;
  totalMs: number;
  outcome?: RequestOutcome;
  model?: string | null;
  provider?: string | null;
}): MetricLine {
  const o = fields.outcome ?? {};
  const code = o.lateErrorCode ?? fields.code;
  const total = fields.totalMs / 1000;
  return {
    ts: fields.now.toISOString(),
    status: code < 400 ? 'ok' : 'error',
    code,
    audio_len_s: round(o.audioSeconds),
    duration_preprocess_s: round(o.preprocessMs !== undefined ? o.preprocessMs / 1000 : undefined),
    duration_inference_s: round(o.inferenceMs !== undefined ? o.inferenceMs / 1000 : undefined),
    duration_total_s: round(total) ?? 0,
    queue_wait_s: round(o.queueWaitMs !== undefined ? o.queueWaitMs / 1000 : undefined),
    model: fields.model ?? null,
    endpoint: fields.endpoint,
    request_id: fields.requestId,
    batch_size: o.batchSize ?? null,
    lane: o.lane ?? null,
    rtfx: code < 400 && o.audioSeconds !== undefined && total > 0 ? round(o.audioSeconds / total, 2) : null,
    provider: fields.provider ?? null,
  };
}
