/** Priority classes, most urgent first. Realtime turns outrank every upload. */
export const PRIORITIES = ['realtime', 'high', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Whose work an item is: the client (API key or address) and the request (all chunks of one upload). */
export interface FlowKey {
  client: string;
  request: string;
}

export interface QueueItem {
  priority: Priority;
  flow: FlowKey;
  /** Monotonic enqueue time, ms. */
  enqueuedAt: number;
  /** Audio samples. */
  length: number;
  /** Work of asynchronous jobs (always class `low`): batched apart from live work on the CPU, with a minimum share. */
  background?: boolean;
}

/**
 * Round-robin turns with new flows first (as fq_codel does for packets): a flow that has not had a turn yet goes
 * ahead of those that have; after a turn a flow goes to the back.
 */
class Rotation<F> {
  private readonly order: F[] = [];
  private readonly fresh = new Set<F>();

  get size(): number {
    return this.order.length;
  }

  add(flow: F): void {
    // Ahead of every flow that has had a turn, behind the other new ones.
    let at = 0;
    while (at < this.order.length && this.fresh.has(this.order[at])) at++;
    this.order.splice(at, 0, flow);
    this.fresh.add(flow);
  }

  /** The flow had its turn: to the back. */
  turned(flow: F): void {
    const i = this.order.indexOf(flow);
    if (i < 0) return;
    this.order.splice(i, 1);
    this.order.push(flow);
    this.fresh.delete(flow);
  }

  delete(flow: F): void {
    const i = this.order.indexOf(flow);
    if (i >= 0) this.order.splice(i, 1);
    this.fresh.delete(flow);
  }

  [Symbol.iterator](): Iterator<F> {
    return this.order[Symbol.iterator]();
  }
}

interface RequestFlow<T> {
  key: string;
  items: T[];
}

interface ClientFlow<T> {
  key: string;
  requests: Map<string, RequestFlow<T>>;
  turns: Rotation<RequestFlow<T>>;
}

/** One priority class: clients take turns, and within a client its requests take turns, one item a turn. */
class FairClass<T extends QueueItem> {
  private readonly clients = new Map<string, ClientFlow<T>>();
  private readonly turns = new Rotation<ClientFlow<T>>();
  size = 0;

  push(item: T): void {
    let client = this.clients.get(item.flow.client);
    if (!client) {
      client = { key: item.flow.client, requests: new Map(), turns: new Rotation() };
      this.clients.set(client.key, client);
      this.turns.add(client);
    }
    let request = client.requests.get(item.flow.request);
    if (!request) {
      request = { key: item.flow.request, items: [] };
      client.requests.set(request.key, request);
      client.turns.add(request);
    }
    request.items.push(item);
    this.size++;
  }

  remove(item: T): boolean {
    const client = this.clients.get(item.flow.client);
    const request = client?.requests.get(item.flow.request);
    const i = request ? request.items.indexOf(item) : -1;
    if (i < 0) return false;
    request!.items.splice(i, 1);
    this.size--;
    this.prune(client!, request!);
    return true;
  }

  /** The head item of the next flow in turn whose head `fits`. */
  next(fits: (item: T) => boolean): T | undefined {
    for (const client of this.turns) {
      for (const request of client.turns) {
        const head = request.items[0];
        if (head && fits(head)) return head;
      }
    }
    return undefined;
  }

  /** Takes `item` (a flow's head from `next`) and moves its request and client to the back of their turns. */
  take(item: T): void {
    const client = this.clients.get(item.flow.client)!;
    const request = client.requests.get(item.flow.request)!;
    request.items.shift();
    this.size--;
    client.turns.turned(request);
    this.turns.turned(client);
    this.prune(client, request);
  }

  *items(): Iterable<T> {
    for (const client of this.clients.values()) for (const request of client.requests.values()) yield* request.items;
  }

  private prune(client: ClientFlow<T>, request: RequestFlow<T>): void {
    if (request.items.length) return;
    client.requests.delete(request.key);
    client.turns.delete(request);
    if (client.requests.size) return;
    this.clients.delete(client.key);
    this.turns.delete(client);
  }
}

/**
 * Work waiting for a lane. Classes are strict (realtime first); within a class, turns are fair: clients in turn,
 * and within a client its requests in turn, new ones first. So a request that arrives while long uploads are
 * chunked goes into the next batch instead of behind their chunks, and one client's burst cannot starve another.
 */
export class PriorityQueue<T extends QueueItem> {
  private readonly classes = new Map<Priority, FairClass<T>>(PRIORITIES.map((p) => [p, new FairClass<T>()]));
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(item: T): void {
    this.classes.get(item.priority)!.push(item);
    this.count++;
  }

  remove(item: T): boolean {
    if (!this.classes.get(item.priority)!.remove(item)) return false;
    this.count--;
    return true;
  }

  /** The item that would lead the next batch. */
  peek(): T | undefined {
    for (const p of PRIORITIES) {
      const head = this.classes.get(p)!.next(() => true);
      if (head) return head;
    }
    return undefined;
  }

  /** Waiting since the longest time, ms (0 when empty): the batching window counts from it. */
  oldestWaitMs(now: number): number {
    let oldest = now;
    for (const c of this.classes.values()) for (const item of c.items()) oldest = Math.min(oldest, item.enqueuedAt);
    return now - oldest;
  }

  /**
   * Removes and returns up to `max` items for one batch, taken turn by turn: the leader's class first, then the
   * less urgent ones. `joins(item, batch)` may refuse an item (its flow keeps its turn for a later batch), and so
   * may `eligible(item)`, which the leader must pass too (an empty batch when nothing is eligible).
   * `backgroundFirst`: an eligible background item (a job's) leads the batch when one waits, whatever else does:
   * the minimum share that keeps a backlog draining on a busy server.
   */
  takeBatch(max: number, joins: (item: T, batch: readonly T[]) => boolean = () => true, eligible: (item: T) => boolean = () => true, backgroundFirst = false): T[] {
    const batch: T[] = [];
    if (backgroundFirst) {
      const low = this.classes.get('low')!;
      const lead = low.next((candidate) => !!candidate.background && eligible(candidate));
      if (lead) {
        low.take(lead);
        this.count--;
        batch.push(lead);
      }
    }
    for (const p of PRIORITIES) {
      const fairClass = this.classes.get(p)!;
      for (;;) {
        if (batch.length >= max) return batch;
        const item = fairClass.next((candidate) => eligible(candidate) && (batch.length === 0 || joins(candidate, batch)));
        if (!item) break;
        fairClass.take(item);
        this.count--;
        batch.push(item);
      }
    }
    return batch;
  }
}
