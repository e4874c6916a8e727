import { Piscina } from 'piscina';
import { NEMO128 } from '../asr/nemo-featurizer.js';
import type { Samples } from '../asr/samples.js';
import { compiledModuleUrl } from '../common/project-paths.js';
import type { FeaturizeRequest } from './featurize.task.js';
import type { Features } from './runner/runner-protocol.js';

/**
 * Featurizer threads for GPU lanes. A lane featurizes its batch on its own thread before the encoder runs, at
 * about 1,300× real time per core: one GPU lane would then be capped near that, far below what the device
 * does. Here each clip is featurized when it is queued, on these threads, so features are ready by the time
 * its batch forms and the lane only copies rows into its padded tensor.
 */
export class FeaturizerPool {
  private readonly pool: Piscina<FeaturizeRequest, Float32Array>;

  constructor(
    readonly threads: number,
    private readonly nMels: number,
  ) {
    this.pool = new Piscina({
      filename: compiledModuleUrl(import.meta.url, './featurize.worker.js').href,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: Infinity,
    });
  }

  async featurize(audio: Samples): Promise<Features> {
    // A view into a larger recording (a chunk) is copied first: transferring it would take the whole buffer.
    const own = audio.slice();
    const data = await this.pool.run({ audio: own, nMels: this.nMels }, { transferList: [own.buffer as ArrayBuffer] });
    // NemoFeaturizer.frameCount / validFrameCount, without building a featurizer on this thread.
    const valid = Math.floor(audio.length / NEMO128.hopLength);
    return { kind: 'features', data, mels: this.nMels, frames: valid + 1, valid, samples: audio.length };
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}
