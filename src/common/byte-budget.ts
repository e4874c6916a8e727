/**
 * A budget of bytes taken in amounts, first come first served: a waiter leaves the line when its signal aborts.
 * An amount over the whole budget is granted once nothing else holds any, so one oversized taker runs alone
 * rather than never.
 */
export class ByteBudget {
  private held = 0;
  private readonly waiters: { bytes: number; wake: () => void }[] = [];

  constructor(readonly total: number) {}

  get inUse(): number {
    return this.held;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /** Resolves with a release function (once is enough; more calls do nothing) when `bytes` fit. */
  reserve(bytes: number, signal: AbortSignal | undefined, onAbort: () => Error): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(onAbort());
    const amount = Math.min(bytes, this.total);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.held -= amount;
      this.admit();
    };
    if (!this.waiters.length && this.held + amount <= this.total) {
      this.held += amount;
      return Promise.resolve(release);
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        bytes: amount,
        wake: () => {
          signal?.removeEventListener('abort', abort);
          resolve(release);
        },
      };
      const abort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(onAbort());
        this.admit();
      };
      signal?.addEventListener('abort', abort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Wakes waiters in order while the next one fits (no overtaking: a large amount is not starved by small ones). */
  private admit(): void {
    while (this.waiters.length && this.held + this.waiters[0].bytes <= this.total) {
      const next = this.waiters.shift()!;
      this.held += next.bytes;
      next.wake();
    }
  }
}
