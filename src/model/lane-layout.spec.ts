import { describe, expect, it } from '@jest/globals';
import { laneLayout, withExpressLanes } from './lane-layout.js';

const GiB = 2 ** 30;
const base = { lanes: 'auto', threads: 'auto', provider: 'cpu', cores: 2, memoryBytes: 24 * GiB, modelBytes: 18e6 } as const;

describe('laneLayout', () => {
  it('auto on the CPU: one single-threaded lane per core', () => {
    expect(laneLayout(base)).toMatchObject({ lanes: 2, threads: 1 });
    expect(laneLayout({ ...base, cores: 1 })).toMatchObject({ lanes: 1, threads: 1 });
  });

  it('caps auto lanes at 8 and gives the spare cores to their threads', () => {
    expect(laneLayout({ ...base, cores: 64 })).toMatchObject({ lanes: 8, threads: 8 });
    expect(laneLayout({ ...base, cores: 12 })).toMatchObject({ lanes: 8, threads: 1 });
  });

  it('takes no more lanes than half the memory holds at twice the model files each', () => {
    // A 600 MB model on 16 cores and 4 GiB: 2 GiB / 1.2 GB → 1 lane with all 16 threads.
    const layout = laneLayout({ ...base, cores: 16, memoryBytes: 4 * GiB, modelBytes: 6e8 });
    expect(layout).toMatchObject({ lanes: 1, threads: 16 });
    expect(layout.reason).toContain('memory for 1 lane');
    expect(laneLayout({ ...base, memoryBytes: 0.5 * GiB, modelBytes: 0.5 * GiB })).toMatchObject({ lanes: 1 });
  });

  it('gives a model over 1 GiB one lane with every core as a thread (as fast as a lane per core here, at half the memory)', () => {
    // The Parakeet-size model (2.51 GB with encoder-model.onnx.data) on this 2-core, 24 GiB machine (docs/gpu.md).
    expect(laneLayout({ ...base, modelBytes: 2.51e9 })).toMatchObject({ lanes: 1, threads: 2 });
    expect(laneLayout({ ...base, modelBytes: 2.51e9 }).reason).toContain('one lane with every core');
    expect(laneLayout({ ...base, cores: 8, memoryBytes: 16 * GiB, modelBytes: 2.51e9 })).toMatchObject({ lanes: 1, threads: 8 });
  });

  it('one lane with one thread on a GPU unless set', () => {
    expect(laneLayout({ ...base, provider: 'cuda', cores: 32 })).toMatchObject({ lanes: 1, threads: 1 });
    expect(laneLayout({ ...base, provider: 'tensorrt', lanes: 2, threads: 4 })).toMatchObject({ lanes: 2, threads: 4 });
  });

  it('explicit values win; auto threads share the cores among explicit lanes', () => {
    expect(laneLayout({ ...base, lanes: 3, threads: 5 })).toMatchObject({ lanes: 3, threads: 5 });
    expect(laneLayout({ ...base, cores: 8, lanes: 2 })).toMatchObject({ lanes: 2, threads: 4 });
    expect(laneLayout({ ...base, cores: 2, lanes: 4 })).toMatchObject({ lanes: 4, threads: 1 });
  });

  it('adds one express lane on the CPU where memory holds it, none on a GPU, and the number set when given', () => {
    const cpu = laneLayout(base);
    const facts = { express: 'auto', provider: 'cpu', memoryBytes: 24 * GiB, modelBytes: 18e6 } as const;
    expect(withExpressLanes(cpu, facts)).toMatchObject({ lanes: 3, threads: 1, express: 1 });
    expect(withExpressLanes(cpu, facts).reason).toContain('1 express lane');
    expect(withExpressLanes(laneLayout({ ...base, provider: 'cuda' }), { ...facts, provider: 'cuda' })).toMatchObject({ lanes: 1, express: 0 });
    // The Parakeet-size model on 24 GiB: one regular lane with both cores, and memory for an express lane beside it;
    // on 8 GiB none.
    const big = laneLayout({ ...base, modelBytes: 2.51e9 });
    expect(withExpressLanes(big, { ...facts, modelBytes: 2.51e9 })).toMatchObject({ lanes: 2, threads: 2, express: 1 });
    expect(withExpressLanes(big, { ...facts, memoryBytes: 8 * GiB, modelBytes: 2.51e9 })).toMatchObject({ lanes: 1, express: 0 });
    expect(withExpressLanes(cpu, { ...facts, express: 0 })).toMatchObject({ lanes: 2, express: 0 });
    expect(withExpressLanes(cpu, { ...facts, express: 2 })).toMatchObject({ lanes: 4, express: 2 });
  });
});
