import { describe, expect, it } from '@jest/globals';
import { ByteBudget } from './byte-budget.js';

const aborted = () => new Error('aborted');

describe('ByteBudget', () => {
  it('grants amounts while they fit and makes the next wait, in order, until enough is released', async () => {
    const budget = new ByteBudget(100);
    const a = await budget.reserve(60, undefined, aborted);
    const order: string[] = [];
    const b = budget.reserve(50, undefined, aborted).then((r) => (order.push('b'), r));
    const c = budget.reserve(10, undefined, aborted).then((r) => (order.push('c'), r));
    await Promise.resolve();
    // c would fit beside a, but does not overtake b.
    expect([budget.inUse, budget.waiting, order]).toEqual([60, 2, []]);
    a();
    a();
    const [releaseB, releaseC] = await Promise.all([b, c]);
    expect([budget.inUse, order]).toEqual([60, ['b', 'c']]);
    releaseB();
    releaseC();
    expect(budget.inUse).toBe(0);
  });

  it('runs an amount over the whole budget alone, once nothing else holds any', async () => {
    const budget = new ByteBudget(100);
    const small = await budget.reserve(10, undefined, aborted);
    let granted = false;
    const huge = budget.reserve(500, undefined, aborted).then((r) => ((granted = true), r));
    await Promise.resolve();
    expect(granted).toBe(false);
    small();
    (await huge)();
    expect([granted, budget.inUse]).toEqual([true, 0]);
  });

  it('lets a waiter whose signal aborts leave the line, and the next one in', async () => {
    const budget = new ByteBudget(100);
    const first = await budget.reserve(80, undefined, aborted);
    const controller = new AbortController();
    const big = budget.reserve(90, controller.signal, aborted);
    const small = budget.reserve(20, undefined, aborted);
    controller.abort();
    await expect(big).rejects.toThrow('aborted');
    (await small)();
    first();
    expect([budget.inUse, budget.waiting]).toEqual([0, 0]);
  });
});
