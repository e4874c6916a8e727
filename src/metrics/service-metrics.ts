import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/**
 * The Prometheus families, in a registry of their own (one per app: tests run several apps in one process).
 * Gauges that mirror live state (queue depth, sessions) are read at scrape time through `collect`.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly requestDuration = new Histogram({
    name: 'parakeet_request_duration_seconds',
    help: 'HTTP request duration by endpoint and status code',
    labelNames: ['endpoint', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly rejections = new Counter({
    name: 'parakeet_rejections_total',
    help: 'Requests refused before inference, by reason (413, 429, 503, 401)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly queueWait = new Histogram({ name: 'parakeet_queue_wait_seconds', help: 'Time requests waited in the scheduler queue', buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30], registers: [this.registry] });
  readonly batchSize = new Histogram({ name: 'parakeet_batch_size', help: 'Requests per inference batch', buckets: [1, 2, 3, 4, 6, 8, 12, 16, 32], registers: [this.registry] });
  readonly inferenceSeconds = new Histogram({ name: 'parakeet_inference_seconds', help: 'Runner time per batch (features, encoder, decoding)', buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly audioSeconds = new Counter({ name: 'parakeet_audio_seconds_total', help: 'Seconds of audio transcribed', labelNames: ['endpoint'] as const, registers: [this.registry] });
  readonly turns = new Counter({ name: 'parakeet_realtime_turns_total', help: 'Realtime turns answered, by status', labelNames: ['status'] as const, registers: [this.registry] });
  readonly modelLoadSeconds = new Gauge({ name: 'parakeet_model_load_seconds', help: 'Seconds the last model load took (sessions and warm-up)', registers: [this.registry] });
  readonly modelInfo = new Gauge({ name: 'parakeet_model_info', help: 'The served model and provider (value 1)', labelNames: ['model', 'provider', 'lanes'] as const, registers: [this.registry] });
  // Labelled so that neither appears at all on a plain HTTP port (an unlabelled gauge would read 0: "expired in 1970").
  readonly tlsCertificateExpiry = new Gauge({ name: 'parakeet_tls_certificate_expiry_timestamp_seconds', help: 'When the certificate the port serves expires (notAfter, Unix seconds), by source (files, self-signed)', labelNames: ['source'] as const, registers: [this.registry] });
  readonly tlsReloads = new Counter({ name: 'parakeet_tls_certificate_reloads_total', help: 'Certificate reloads after a file change or SIGHUP, by result (ok, error: the previous certificate stayed)', labelNames: ['result'] as const, registers: [this.registry] });

  constructor(live: {
    queueDepth: () => number;
    admittedRequests: () => number;
    activeSessions: () => number;
    busyLanes: () => number;
    droppedLines: () => number;
    /** Absent on the CPU: the family then has no samples and nothing is queried. */
    gpuMemory?: () => Promise<{ device: string; usedBytes: number; totalBytes: number; processBytes: number | null }[]>;
  }) {
    let dropped = 0;
    new Counter({
      name: 'parakeet_metric_lines_dropped_total',
      help: 'JSONL metric lines that could not be written (unwritable directory, full disk)',
      registers: [this.registry],
      collect() {
        const now = live.droppedLines();
        if (now > dropped) this.inc(now - dropped);
        dropped = now;
      },
    });
    new Gauge({ name: 'parakeet_queue_depth', help: 'Admitted requests with nothing on a lane (decoding, or waiting for a lane), counted once however many chunks they have', registers: [this.registry], collect() { this.set(live.queueDepth()); } });
    new Gauge({ name: 'parakeet_admitted_requests', help: 'Requests holding an admission slot (decoding, waiting or running)', registers: [this.registry], collect() { this.set(live.admittedRequests()); } });
    new Gauge({ name: 'parakeet_busy_lanes', help: 'Runner lanes running a batch', registers: [this.registry], collect() { this.set(live.busyLanes()); } });
    new Gauge({ name: 'parakeet_realtime_sessions', help: 'Open realtime WebSocket sessions', registers: [this.registry], collect() { this.set(live.activeSessions()); } });
    new Gauge({
      name: 'parakeet_gpu_memory_bytes',
      help: 'GPU memory by device: used and total on the card, and held by this process (nvidia-smi; GPU providers only)',
      labelNames: ['device', 'kind'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const s of (await live.gpuMemory?.()) ?? []) {
          this.set({ device: s.device, kind: 'used' }, s.usedBytes);
          this.set({ device: s.device, kind: 'total' }, s.totalBytes);
          if (s.processBytes !== null) this.set({ device: s.device, kind: 'process' }, s.processBytes);
        }
      },
    });
    collectDefaultMetrics({ register: this.registry });
  }
}
