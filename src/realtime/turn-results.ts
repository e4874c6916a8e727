import type { ScheduledResult } from '../scheduler/microbatch-scheduler.js';

export interface TurnHandlers {
  /** Text as chunks decode, in order; only called once the turn's earlier turns have been answered. */
  onText(delta: string): void;
  onDone(result: ScheduledResult): void;
  onError(error: Error): void;
}

/**
 * Answers a session's turns in the order they were committed, while their transcriptions run concurrently
 * (the scheduler may finish a later turn first when batches land on different lanes).
 */
export class TurnResults {
  private chain: Promise<void> = Promise.resolve();
  private count = 0;

  get pending(): number {
    return this.count;
  }

  add(work: (onText: (delta: string) => void) => Promise<ScheduledResult>, handlers: TurnHandlers): void {
    this.count++;
    let live = false;
    const early: string[] = [];
    const onText = (delta: string) => (live ? handlers.onText(delta) : early.push(delta));
    const result = work(onText);
    result.catch(() => {});
    this.chain = this.chain.then(async () => {
      live = true;
      for (const delta of early) handlers.onText(delta);
      try {
        handlers.onDone(await result);
      } catch (e) {
        handlers.onError(e as Error);
      } finally {
        this.count--;
      }
    });
  }

  /** Resolves when every turn added so far has been answered. */
  settled(): Promise<void> {
    return this.chain;
  }
}
