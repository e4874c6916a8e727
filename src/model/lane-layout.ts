/** How many runner lanes, and how many ONNX Runtime intra-op threads each. */
export interface LaneLayout {
  lanes: number;
  threads: number;
  /** Why, for the start-up log. */
  reason: string;
}

export interface LaneLayoutInput {
  lanes: number | 'auto';
  threads: number | 'auto';
  /** The provider the first lane landed on. */
  provider: string;
  cores: number;
  memoryBytes: number;
  /** Bytes of the model's ONNX files: one lane holds its own copy of the weights plus working memory. */
  modelBytes: number;
}

const MAX_AUTO_LANES = 8;

/**
 * On the CPU, several single-threaded lanes beat one multi-threaded lane for this model size: the encoder
 * costs the same per frame batched or not, so the gain is parallel batches, and small ops do not split
 * well across threads (measured: 2 lanes × 1 thread 285 RTFx against 1 lane × 2 threads 168 on 2 cores).
 * On a GPU one lane owns the device.
 */
export function laneLayout(input: LaneLayoutInput): LaneLayout {
  const cores = Math.max(1, Math.floor(input.cores));
  const onCpu = input.provider === 'cpu';
  let lanes: number;
  let why: string;
  if (input.lanes !== 'auto') {
    lanes = input.lanes;
    why = 'PARAKEET_LANES';
  } else if (!onCpu) {
    lanes = 1;
    why = `auto: one lane on ${input.provider}`;
  } else {
    const byMemory = Math.floor((input.memoryBytes * 0.5) / Math.max(1, input.modelBytes * 2));
    lanes = Math.max(1, Math.min(cores, MAX_AUTO_LANES, byMemory));
    why = `auto: ${cores} usable core(s)${byMemory < Math.min(cores, MAX_AUTO_LANES) ? `, memory for ${Math.max(1, byMemory)} lane(s)` : ''}`;
  }
  const threads = input.threads !== 'auto' ? input.threads : onCpu ? Math.max(1, Math.floor(cores / lanes)) : 1;
  return { lanes, threads, reason: `${lanes} lane(s) × ${threads} intra-op thread(s) (${why})` };
}
