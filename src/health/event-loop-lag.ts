import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

const WINDOW_MS = 10_000;

/** Event-loop delay (p99, ms) over the last ~10 s, from Node's own sampler, for the liveness probe. */
@Injectable()
export class EventLoopLag implements OnApplicationShutdown {
  private current: IntervalHistogram = monitorEventLoopDelay({ resolution: 20 });
  private previousP99 = 0;
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.current.enable();
    this.timer = setInterval(() => {
      this.previousP99 = this.current.percentile(99) / 1e6;
      this.current.reset();
    }, WINDOW_MS);
    this.timer.unref();
  }

  /** The worse of the last full window and the one in progress. */
  get p99Ms(): number {
    const now = this.current.count > 0 ? this.current.percentile(99) / 1e6 : 0;
    return Math.max(now, this.previousP99);
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    this.current.disable();
  }
}
