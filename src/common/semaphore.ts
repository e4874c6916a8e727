/** A counting semaphore whose waiters leave the line when their signal aborts. */
export class Semaphore {
  private held = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(readonly size: number) {}

  get inUse(): number {
    return this.held;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /**
   * Resolves with a release function once a slot is free (call it exactly once; further calls do nothing).
   * Rejects with `onAbort()` if the signal aborts first.
   */
  acquire(signal: AbortSignal | undefined, onAbort: () => Error): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(onAbort());
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) next();
      else this.held--;
    };
    if (this.held < this.size) {
      this.held++;
      return Promise.resolve(release);
    }
    return new Promise((resolve, reject) => {
      // A slot handed over by release() is already counted in `held`.
      const wake = () => {
        signal?.removeEventListener('abort', abort);
        resolve(release);
      };
      const abort = () => {
        const i = this.waiters.indexOf(wake);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(onAbort());
      };
      signal?.addEventListener('abort', abort, { once: true });
      this.waiters.push(wake);
    });
  }
}
