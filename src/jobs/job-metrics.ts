import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service.js';
import { JobQueue } from './job-queue.js';

/**
 * Job families in the service's registry: the backlog every replica shares (read from Redis at scrape time, so an
 * autoscaler can add replicas for it) and this replica's finished jobs.
 */
@Injectable()
export class JobMetrics {
  private readonly outcomes: Counter<'status'>;
  private readonly durations: Histogram<'status'>;

  constructor(metrics: MetricsService, queue: JobQueue) {
    const registers = [metrics.prometheus.registry];
    this.outcomes = new Counter({ name: 'parakeet_jobs_total', help: 'Jobs this replica finished, by status (completed, failed)', labelNames: ['status'], registers });
    this.durations = new Histogram({ name: 'parakeet_job_duration_seconds', help: 'Run time of the jobs this replica finished (decode and transcription), by status', labelNames: ['status'], buckets: [1, 5, 15, 30, 60, 120, 300, 900, 1800, 3600], registers });
    const backlog = (pick: 'waiting' | 'active') =>
      async function (this: Gauge) {
        this.set(await queue.backlog().then((b) => b[pick], () => -1));
      };
    new Gauge({ name: 'parakeet_jobs_backlog', help: 'Jobs waiting for a worker on any replica (shared backlog in Redis; -1 while Redis cannot be reached)', registers, collect: backlog('waiting') });
    new Gauge({ name: 'parakeet_jobs_running', help: 'Jobs running on any replica', registers, collect: backlog('active') });
  }

  finished(status: 'completed' | 'failed', seconds: number): void {
    this.outcomes.inc({ status });
    this.durations.observe({ status }, seconds);
  }
}
