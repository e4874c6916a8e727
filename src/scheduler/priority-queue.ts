/** Priority classes, most urgent first. Realtime turns outrank every upload. */
export const PRIORITIES = ['realtime', 'high', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

export interface QueueItem {
  priority: Priority;
  /** Monotonic enqueue time, ms. */
  enqueuedAt: number;
  /** Audio samples; used to group similar lengths into one batch. */
  length: number;
}

/**
 * FIFO queues per priority class. A batch is led by the most urgent, oldest item and filled with the
 * items whose lengths are closest to the leader's (less padding), except that any item older than
 * `agingMs` is taken first, so grouping can pass over an item only for a bounded time.
 */
export class PriorityQueue<T extends QueueItem> {
  private readonly lanes = new Map<Priority, T[]>(PRIORITIES.map((p) => [p, []]));
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(item: T): void {
    this.lanes.get(item.priority)!.push(item);
    this.count++;
  }

  remove(item: T): boolean {
    const list = this.lanes.get(item.priority)!;
    const i = list.indexOf(item);
    if (i < 0) return false;
    list.splice(i, 1);
    this.count--;
    return true;
  }

  /** Oldest item of the most urgent non-empty class. */
  peek(): T | undefined {
    for (const p of PRIORITIES) {
      const list = this.lanes.get(p)!;
      if (list.length) return list[0];
    }
    return undefined;
  }

  /** Items waiting longer than `maxWaitMs`, for expiry. */
  expired(now: number, maxWaitMs: number): T[] {
    const out: T[] = [];
    for (const list of this.lanes.values()) for (const item of list) if (now - item.enqueuedAt > maxWaitMs) out.push(item);
    return out;
  }

  /** Removes and returns up to `max` items forming the next batch. */
  takeBatch(max: number, now: number, agingMs: number): T[] {
    const leader = this.peek();
    if (!leader) return [];
    const batch: T[] = [leader];
    this.remove(leader);
    const candidates: T[] = [];
    // Only the leader's class and less urgent ones may join, most urgent first.
    for (const p of PRIORITIES.slice(PRIORITIES.indexOf(leader.priority))) candidates.push(...this.lanes.get(p)!);
    const aged = candidates.filter((c) => now - c.enqueuedAt >= agingMs);
    const rest = candidates
      .filter((c) => now - c.enqueuedAt < agingMs)
      .sort((a, b) => Math.abs(Math.log(a.length + 1) - Math.log(leader.length + 1)) - Math.abs(Math.log(b.length + 1) - Math.log(leader.length + 1)));
    for (const item of [...aged, ...rest]) {
      if (batch.length >= max) break;
      batch.push(item);
      this.remove(item);
    }
    return batch;
  }
}
