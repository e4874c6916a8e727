import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ModelNotReadyError, ModelService } from '../model/model.service.js';
import { MicrobatchScheduler } from './microbatch-scheduler.js';
import { QueueFullError } from './scheduler-errors.js';

/** One admitted request's slot, held from admission to its answer. */
export interface AdmissionTicket {
  /** The request's flow id in the scheduler (all its chunks share it). */
  readonly id: string;
  release(): void;
}

/**
 * Admission by request, decided before the upload is decoded: at most lanes × max batch requests running plus
 * PARAKEET_QUEUE_MAX_FACTOR × max batch waiting hold a slot at once, whatever their chunk counts; the next one is
 * answered 429. A slot is held until the request is answered (or fails, or its client leaves). Realtime turns are
 * bounded by PARAKEET_REALTIME_MAX_SESSIONS instead and never take a slot.
 */
@Injectable()
export class AdmissionControl {
  private readonly holders = new Set<string>();
  private nextId = 1;
  /** Requests refused with 429 since start (for tests and diagnostics). */
  refused = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly model: ModelService,
    private readonly scheduler: MicrobatchScheduler,
    metrics: MetricsService,
  ) {
    metrics.live.queueDepth = () => this.waiting;
    metrics.live.admittedRequests = () => this.holders.size;
  }

  /** Requests that may run at once: every regular lane's full batch (express lanes take only short work). */
  get runningAllowance(): number {
    return (this.model.laneCount - this.model.expressLanes) * this.config.microbatchMaxBatch;
  }

  /** Requests that may wait beyond those. */
  get waitingAllowance(): number {
    return Math.max(1, Math.floor(this.config.queueMaxFactor * this.config.microbatchMaxBatch));
  }

  get limit(): number {
    return this.runningAllowance + this.waitingAllowance;
  }

  get admitted(): number {
    return this.holders.size;
  }

  /** Admitted requests with nothing on a lane right now (decoding, or every chunk left waiting for a lane). */
  get waiting(): number {
    let n = 0;
    for (const id of this.holders) if (!this.scheduler.isRunning(id)) n++;
    return n;
  }

  /** @throws ModelNotReadyError (503) before the model is ready; QueueFullError (429) when every slot is held. */
  admit(): AdmissionTicket {
    if (!this.model.ready) throw new ModelNotReadyError(`model is ${this.model.state}`);
    if (this.holders.size >= this.limit) {
      this.refused++;
      throw new QueueFullError(this.config.maxQueueWaitS);
    }
    const id = `request-${this.nextId++}`;
    this.holders.add(id);
    return { id, release: () => this.holders.delete(id) };
  }
}
