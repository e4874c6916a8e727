import { describe, expect, it } from '@jest/globals';
import { InputAudioBuffer } from './input-audio-buffer.js';

describe('InputAudioBuffer', () => {
  it('keeps absolute positions across trims and growth', () => {
    const b = new InputAudioBuffer();
    const ramp = Float32Array.from({ length: 100_000 }, (_, i) => i);
    b.append(ramp.subarray(0, 70_000));
    b.append(ramp.subarray(70_000));
    expect([b.start, b.end, b.length]).toEqual([0, 100_000, 100_000]);
    b.dropBefore(60_000);
    expect([b.start, b.end]).toEqual([60_000, 100_000]);
    expect(Array.from(b.copy(59_990, 60_003))).toEqual([60_000, 60_001, 60_002]);
    b.clear();
    expect([b.start, b.length, b.copy(0).length]).toEqual([100_000, 0, 0]);
    b.append(Float32Array.of(7));
    expect(Array.from(b.copy(100_000))).toEqual([7]);
  });
});
