import { describe, expect, it } from '@jest/globals';
import { formatBytes, ProgressBar } from './download-progress.js';

describe('ProgressBar', () => {
  it('shows size, rate and ETA, redrawing one terminal line at most every interval', () => {
    let now = 0;
    const out: string[] = [];
    const bar = new ProgressBar((t) => out.push(t), true, () => now, 100);
    bar.fileStarted('encoder-model.onnx', 4_000_000_000, 0);
    now = 10_000;
    bar.bytes('encoder-model.onnx', 1_000_000_000);
    expect(bar.line('encoder-model.onnx')).toBe('encoder-model.onnx  [#####               ]  25% 1.0 GB / 4.0 GB  100.0 MB/s  ETA 00:30');
    expect(out.at(-1)).toBe(`\r${bar.line('encoder-model.onnx')}\x1b[K`);
    const drawn = out.length;
    now += 50;
    bar.bytes('encoder-model.onnx', 1000);
    expect(out).toHaveLength(drawn); // within the interval: not redrawn
    bar.fileDone('encoder-model.onnx', 'downloaded');
    expect(out.at(-1)).toBe('\n');
  });

  it('writes a line per 10 % when stderr is not a terminal, and reports a resume', () => {
    const out: string[] = [];
    const bar = new ProgressBar((t) => out.push(t), false, () => 0);
    bar.fileStarted('vocab.txt', 1000, 500);
    for (let i = 0; i < 50; i++) bar.bytes('vocab.txt', 10);
    expect(out[0]).toBe('vocab.txt: resuming at 500 B\n');
    expect(out.slice(1).map((l) => /(\d+)%/.exec(l)?.[1])).toEqual(['50', '60', '70', '80', '90', '100']);
    expect(formatBytes(2_440_000_000)).toBe('2.4 GB');
  });
});
