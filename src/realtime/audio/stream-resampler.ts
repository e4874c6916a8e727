import libsamplerate from '@alexanderolsen/libsamplerate-js';
import { TARGET_RATE } from '../../audio/resampler.js';

const { create, ConverterType } = libsamplerate;

/**
 * Resamples a live stream to 16 kHz piece by piece with libsamplerate's stateful `full` API, so the filter runs
 * across append boundaries (resampling each append alone would click at every seam).
 */
export class StreamResampler {
  private constructor(
    readonly rate: number,
    private readonly src?: Awaited<ReturnType<typeof create>>,
  ) {}

  static async open(rate: number): Promise<StreamResampler> {
    if (rate === TARGET_RATE) return new StreamResampler(rate);
    return new StreamResampler(rate, await create(1, rate, TARGET_RATE, { converterType: ConverterType.SRC_SINC_MEDIUM_QUALITY }));
  }

  process(samples: Float32Array): Float32Array {
    if (!this.src || samples.length === 0) return samples;
    return this.src.full(samples);
  }

  close(): void {
    this.src?.destroy();
  }
}
