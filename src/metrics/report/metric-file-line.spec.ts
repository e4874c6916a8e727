import { describe, expect, it } from '@jest/globals';
import { metricLine } from '../metric-line.js';
import { parseMetricLine, type MetricFileLine } from './metric-file-line.js';

const FULL = {
  ts: '2026-11-26T10:00:00.123Z',
  status: 'ok',
  code: 200,
  endpoint: 'transcriptions',
  request_id: 'req-1',
  model: 'parakeet-tiny-en',
  provider: 'cpu',
  audio_len_s: 4.69,
  duration_preprocess_s: 0.012,
  duration_inference_s: 0.071,
  duration_total_s: 0.09,
  queue_wait_s: 0.001,
  batch_size: 3,
  lane: 0,
  rtfx: 52.1,
};

describe('parseMetricLine', () => {
  it('accepts a full line and gives its time in ms', () => {
    const parsed = parseMetricLine(JSON.stringify(FULL));
    expect(parsed).toEqual({ ok: true, line: FULL, tsMs: Date.UTC(2026, 10, 26, 10, 0, 0, 123) });
  });

  it('accepts a failure with null or absent numbers, and names a missing endpoint unknown', () => {
    const parsed = parseMetricLine('{"ts":"2026-11-26T10:00:00+01:00","status":"error","code":429,"duration_total_s":0.001,"audio_len_s":null}');
    expect(parsed).toEqual({
      ok: true,
      line: { ts: '2026-11-26T10:00:00+01:00', status: 'error', code: 429, endpoint: 'unknown', duration_total_s: 0.001, audio_len_s: null },
      tsMs: Date.UTC(2026, 10, 26, 9),
    });
  });

  it.each([
    ['{"ts":"2026-11-26T10:00:00Z","status":"ok","co', 'not JSON'],
    ['[1,2]', 'not a JSON object'],
    ['null', 'not a JSON object'],
    ['{"status":"ok","code":200}', 'missing or malformed ts'],
    ['{"ts":"yesterday","status":"ok","code":200}', 'missing or malformed ts'],
    ['{"ts":"2026-13-45T10:00:00Z","status":"ok","code":200}', 'missing or malformed ts'],
    ['{"ts":"2026-11-26T10:00:00Z","status":"fine","code":200}', 'status is not "ok" or "error"'],
    ['{"ts":"2026-11-26T10:00:00Z","status":"ok","code":"200"}', 'code is not an HTTP status'],
    ['{"ts":"2026-11-26T10:00:00Z","status":"ok","code":70000}', 'code is not an HTTP status'],
    ['{"ts":"2026-11-26T10:00:00Z","status":"ok","code":200,"endpoint":7}', 'endpoint is not a string'],
    ['{"ts":"2026-11-26T10:00:00Z","status":"ok","code":200,"duration_total_s":"0.1"}', 'duration_total_s is not a number'],
  ])('rejects %s (%s)', (text, reason) => {
    expect(parseMetricLine(text)).toEqual({ ok: false, reason });
  });
});

describe('the writer and the reader agree', () => {
  it('reads back what the service writes, for a success and a failure', () => {
    const now = new Date('2026-11-26T10:00:00.123Z');
    const written = [
      metricLine({ now, code: 200, endpoint: 'transcriptions', requestId: 'a', totalMs: 90, model: 'm', provider: 'cpu', outcome: { audioSeconds: 4.69, inferenceMs: 71, queueWaitMs: 1, batchSize: 3, lane: 0 } }),
      metricLine({ now, code: 429, endpoint: 'realtime', requestId: 'b', totalMs: 1 }),
    ];
    for (const line of written) {
      // A compile-time check as well: every line the writer can produce is a line the reader's type admits.
      const asRead: MetricFileLine = line;
      expect(parseMetricLine(JSON.stringify(line))).toEqual({ ok: true, line: asRead, tsMs: now.getTime() });
    }
  });
});
