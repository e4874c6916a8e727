import { describe, expect, it } from '@jest/globals';
import { ClipJob, planClipSegments, StreamLane } from './vad-lanes.js';

const F = 512;
const ramp = (from: number, n: number) => Float32Array.from({ length: n }, (_, i) => from + i);

describe('StreamLane', () => {
  it('hands out whole frames in order across pushes of any size and answers each push with its frames', () => {
    const replies: [number, number[]][] = [];
    let released = false;
    const lane = new StreamLane((id, p) => replies.push([id, Array.from(p)]), () => (released = true));
    const sizes = [100, 700, 3000, 1, 511, 20000, 300];
    let at = 0;
    sizes.forEach((n, id) => {
      lane.append(id, ramp(at, n));
      at += n;
    });
    const frame = new Float32Array(F + 3);
    let k = 0;
    while (lane.hasFrame()) {
      lane.readFrame(frame, 3);
      expect(frame[3]).toBe(k * F);
      expect(frame[3 + F - 1]).toBe(k * F + F - 1);
      lane.accept(k++);
    }
    expect(k).toBe(Math.floor(at / F));
    // Push i is answered with the frames it completed, in push order; pushes completing none get an empty answer.
    let done = 0;
    let received = 0;
    const expected = sizes.map((n, id) => {
      received += n;
      const upTo = Math.floor(received / F);
      const frames = Array.from({ length: upTo - done }, (_, i) => done + i);
      done = upTo;
      return [id, frames];
    });
    expect(replies).toEqual(expected);
    lane.close();
    expect(released).toBe(true);
  });

  it('waits for pending answers before it is released', () => {
    let released = false;
    const lane = new StreamLane(() => {}, () => (released = true));
    lane.append(1, new Float32Array(F));
    lane.close();
    expect(released).toBe(false);
    lane.readFrame(new Float32Array(F), 0);
    lane.accept(0.5);
    expect(released).toBe(true);
  });
});

describe('clip segments', () => {
  it('cover every frame once, each after a warm-up except the first', () => {
    const segments = planClipSegments(1000, 32, 16, 64);
    expect(segments).toHaveLength(15);
    expect(segments[0]).toEqual({ from: 0, keepFrom: 0, end: 66 });
    segments.forEach((s, i) => {
      if (i) expect(s.keepFrom).toBe(segments[i - 1].end);
      if (i) expect(s.from).toBe(s.keepFrom - 16);
    });
    expect(segments[segments.length - 1].end).toBe(1000);
    expect(planClipSegments(10, 32, 16, 64)).toEqual([{ from: 0, keepFrom: 0, end: 10 }]);
    expect(planClipSegments(100000, 32, 16, 64)).toHaveLength(32);
    expect(planClipSegments(0, 32, 16, 64)).toEqual([]);
  });

  it('answers a clip shorter than a frame at once, with no probabilities', () => {
    let answer: Float32Array | undefined;
    const job = new ClipJob(new Float32Array(300), (p) => (answer = p));
    expect(job.lanes(planClipSegments(job.probabilities.length, 32, 16, 64))).toEqual([]);
    expect(answer).toHaveLength(0);
  });
});
