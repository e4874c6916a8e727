import { describe, expect, it } from '@jest/globals';
import { batchJoinRule } from './batch-join-rule.js';
import { PriorityQueue, type Priority, type QueueItem } from './priority-queue.js';

interface Item extends QueueItem {
  name: string;
}

let clock = 0;
const item = (name: string, client: string, request: string, length = 16000, priority: Priority = 'normal'): Item => ({
  name,
  priority,
  flow: { client, request },
  enqueuedAt: clock++,
  length,
});
const names = (batch: Item[]) => batch.map((i) => i.name);

describe('PriorityQueue (fair turns)', () => {
  it('puts a new request ahead of the queued chunks of requests that already had a turn', () => {
    const q = new PriorityQueue<Item>();
    for (const r of ['a', 'b', 'c']) for (let k = 0; k < 5; k++) q.push(item(`${r}${k}`, 'one', r, 480000));
    expect(names(q.takeBatch(1))).toEqual(['a0']);
    expect(names(q.takeBatch(1))).toEqual(['b0']);
    q.push(item('short', 'one', 's', 48000));
    // FIFO would serve c0, a1, b1, … first.
    expect(names(q.takeBatch(1))).toEqual(['c0']);
    expect(names(q.takeBatch(1))).toEqual(['short']);
    expect(names(q.takeBatch(3))).toEqual(['a1', 'b1', 'c1']);
  });

  it('gives clients turns round-robin, so one client\'s burst does not starve another', () => {
    const q = new PriorityQueue<Item>();
    for (let k = 0; k < 20; k++) q.push(item(`burst${k}`, 'busy', `r${k}`));
    q.push(item('other', 'quiet', 'q1'));
    q.push(item('other2', 'quiet', 'q2'));
    expect(names(q.takeBatch(4))).toEqual(['burst0', 'other', 'burst1', 'other2']);
    expect(q.size).toBe(18);
  });

  it('keeps classes strict: realtime first, then high, normal, low; a batch is filled from less urgent classes after', () => {
    const q = new PriorityQueue<Item>();
    q.push(item('low', 'c', 'l', 16000, 'low'));
    q.push(item('normal', 'c', 'n'));
    q.push(item('rt', 'r', 't', 16000, 'realtime'));
    q.push(item('high', 'c', 'h', 16000, 'high'));
    expect(q.peek()!.name).toBe('rt');
    expect(names(q.takeBatch(3))).toEqual(['rt', 'high', 'normal']);
    expect(names(q.takeBatch(3))).toEqual(['low']);
    expect(q.size).toBe(0);
  });

  it('serves a request\'s own chunks in order, and several of them to one batch when nothing else waits', () => {
    const q = new PriorityQueue<Item>();
    for (let k = 0; k < 4; k++) q.push(item(`c${k}`, 'one', 'r'));
    expect(names(q.takeBatch(3))).toEqual(['c0', 'c1', 'c2']);
    expect(names(q.takeBatch(3))).toEqual(['c3']);
  });

  it('lets the join rule refuse an item without costing its flow the turn', () => {
    const q = new PriorityQueue<Item>();
    q.push(item('long1', 'one', 'a', 480000));
    q.push(item('short1', 'one', 'b', 48000));
    q.push(item('long2', 'one', 'c', 480000));
    q.push(item('short2', 'one', 'd', 40000));
    const rule = batchJoinRule<Item>(false, 0);
    expect(names(q.takeBatch(8, rule))).toEqual(['long1', 'long2']);
    expect(names(q.takeBatch(8, rule))).toEqual(['short1', 'short2']);
  });

  it('removes an item (timeout, abort) from the middle, and forgets flows left empty', () => {
    const q = new PriorityQueue<Item>();
    const a = item('a', 'one', 'r');
    const b = item('b', 'one', 'r');
    q.push(a);
    q.push(b);
    expect(q.remove(a)).toBe(true);
    expect(q.remove(a)).toBe(false);
    expect(q.size).toBe(1);
    expect(q.remove(b)).toBe(true);
    expect(q.peek()).toBeUndefined();
    expect(q.takeBatch(4)).toEqual([]);
  });

  it('reports how long the oldest item has waited', () => {
    const q = new PriorityQueue<Item>();
    expect(q.oldestWaitMs(100)).toBe(0);
    q.push({ ...item('x', 'c', 'r'), enqueuedAt: 40 });
    q.push({ ...item('y', 'd', 's'), enqueuedAt: 10 });
    expect(q.oldestWaitMs(100)).toBe(90);
  });
});

describe('batchJoinRule', () => {
  const batchOf = (...lengths: number[]) => lengths.map((l, i) => item(`b${i}`, 'c', `r${i}`, l));
  it('on the CPU takes only like lengths (at most 2× apart) and at most the audio bound', () => {
    const rule = batchJoinRule<Item>(false, 16000 * 60);
    expect(rule(item('x', 'c', 'x', 16000 * 30), batchOf(16000 * 20))).toBe(true);
    expect(rule(item('x', 'c', 'x', 16000 * 3), batchOf(16000 * 30))).toBe(false);
    expect(rule(item('x', 'c', 'x', 16000 * 30), batchOf(16000 * 3))).toBe(false);
    expect(rule(item('x', 'c', 'x', 16000 * 30), batchOf(16000 * 30, 16000 * 30))).toBe(false);
    expect(rule(item('x', 'c', 'x', 16000 * 3), batchOf(16000 * 3, 16000 * 3, 16000 * 4))).toBe(true);
  });

  it('where batching pays (GPU) takes anything', () => {
    const rule = batchJoinRule<Item>(true, 16000 * 60);
    expect(rule(item('x', 'c', 'x', 16000 * 3), batchOf(16000 * 30, 16000 * 30, 16000 * 30))).toBe(true);
  });
});

describe('PriorityQueue (job work beside live work)', () => {
  const job = (name: string, length = 16000): Item => ({ ...item(name, 'jobs', name, length, 'low'), background: true });

  it('leads a batch with job work when its share is due, and otherwise keeps classes strict', () => {
    const q = new PriorityQueue<Item>();
    q.push(item('live1', 'c', 'r1'));
    q.push(item('live2', 'c', 'r2'));
    q.push(job('job1'));
    expect(names(q.takeBatch(1))).toEqual(['live1']);
    expect(names(q.takeBatch(1, undefined, undefined, true))).toEqual(['job1']);
    expect(names(q.takeBatch(1, undefined, undefined, true))).toEqual(['live2']);
  });

  it('on the CPU batches job work with job work of any lengths, within the audio bound', () => {
    const rule = batchJoinRule<Item>(false, 16000 * 60);
    expect(rule(job('short', 16000 * 2), [job('long', 16000 * 30)])).toBe(true);
    expect(rule(job('long', 16000 * 30), [job('a', 16000 * 2), job('b', 16000 * 20)])).toBe(true);
    expect(rule(job('more', 16000 * 20), [job('a', 16000 * 30), job('b', 16000 * 20)])).toBe(false);
    // Live work keeps its rule: like lengths only.
    expect(rule(item('short', 'c', 's', 16000 * 2), [item('long', 'c', 'l', 16000 * 30)])).toBe(false);
  });

  it('never batches job work with live work on the CPU', () => {
    const q = new PriorityQueue<Item>();
    q.push(item('live', 'c', 'r'));
    q.push(job('job1'));
    q.push(item('live-low', 'c', 'r2', 16000, 'low'));
    const rule = batchJoinRule<Item>(false, 0);
    expect(names(q.takeBatch(8, rule))).toEqual(['live', 'live-low']);
    expect(names(q.takeBatch(8, rule))).toEqual(['job1']);
  });
});
