import { describe, expect, it } from '@jest/globals';
import { Semaphore } from './semaphore.js';

const aborted = () => new Error('aborted');

describe('Semaphore', () => {
  it('hands out at most `size` slots and passes each released slot to the longest waiter', async () => {
    const s = new Semaphore(2);
    const r1 = await s.acquire(undefined, aborted);
    const r2 = await s.acquire(undefined, aborted);
    const order: string[] = [];
    const w3 = s.acquire(undefined, aborted).then((r) => (order.push('3'), r));
    const w4 = s.acquire(undefined, aborted).then((r) => (order.push('4'), r));
    expect(s.inUse).toBe(2);
    expect(s.waiting).toBe(2);
    r1();
    r1(); // a second release of the same slot does nothing
    const r3 = await w3;
    expect(order).toEqual(['3']);
    expect(s.inUse).toBe(2);
    r2();
    const r4 = await w4;
    r3();
    r4();
    expect(s.inUse).toBe(0);
    expect(s.waiting).toBe(0);
  });

  it('drops a waiter whose signal aborts, and refuses an already aborted one', async () => {
    const s = new Semaphore(1);
    const r1 = await s.acquire(undefined, aborted);
    const controller = new AbortController();
    const waiting = s.acquire(controller.signal, aborted);
    controller.abort();
    await expect(waiting).rejects.toThrow('aborted');
    expect(s.waiting).toBe(0);
    await expect(s.acquire(controller.signal, aborted)).rejects.toThrow('aborted');
    r1();
    expect(s.inUse).toBe(0);
  });
});
