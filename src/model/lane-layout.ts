/** How many runner lanes, and how many ONNX Runtime intra-op threads each. */
export interface LaneLayout {
  /** Every lane, express lanes included. */
  lanes: number;
  threads: number;
  /** Lanes kept for short work (withExpressLanes): batches of long items never take them. */
  express: number;
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
 * Past this, one lane with every core as a thread: the Parakeet-size model's big matrix products split well across
 * threads (2 cores: 1 lane × 2 threads 9.7–10.4 RTFx against 2 × 1 10.3–9.6, docs/gpu.md), at half the memory
 * (2.4 GiB a lane) and half a lone request's latency.
 */
const LARGE_MODEL_BYTES = 2 ** 30;

/**
 * On the CPU, several single-threaded lanes beat one multi-threaded lane for a small model such as the embedded one: the encoder
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
  } else if (input.modelBytes > LARGE_MODEL_BYTES) {
    lanes = 1;
    why = `auto: one lane with every core for a model of ${(input.modelBytes / 2 ** 30).toFixed(1)} GiB`;
  } else {
    const byMemory = lanesByMemory(input.memoryBytes, input.modelBytes);
    lanes = Math.max(1, Math.min(cores, MAX_AUTO_LANES, byMemory));
    why = `auto: ${cores} usable core(s)${byMemory < Math.min(cores, MAX_AUTO_LANES) ? `, memory for ${Math.max(1, byMemory)} lane(s)` : ''}`;
  }
  const threads = input.threads !== 'auto' ? input.threads : onCpu ? Math.max(1, Math.floor(cores / lanes)) : 1;
  return { lanes, threads, express: 0, reason: `${lanes} lane(s) × ${threads} intra-op thread(s) (${why})` };
}

/** Lanes the memory rule allows: half the memory at twice the weights a lane loads. */
function lanesByMemory(memoryBytes: number, modelBytes: number): number {
  return Math.floor((memoryBytes * 0.5) / Math.max(1, modelBytes * 2));
}

/**
 * PARAKEET_EXPRESS_LANES on top of a layout whose lanes have landed on `provider`. `auto`: one on the CPU where
 * memory holds one more lane, none on a GPU. On the CPU a batch cannot be cut short, so with every lane busy
 * with long chunks a short request would wait for one of them (hundreds of ms for a 30-s chunk); an express
 * lane that long chunks never take lets it start at once. It costs memory, not throughput: the other lanes keep
 * every core busy, and the express lane's thread shares them only while short work runs.
 */
export function withExpressLanes(layout: LaneLayout, input: { express: number | 'auto'; provider: string; memoryBytes: number; modelBytes: number }): LaneLayout {
  const fits = lanesByMemory(input.memoryBytes, input.modelBytes) > layout.lanes;
  const express = input.express !== 'auto' ? input.express : input.provider === 'cpu' && fits ? 1 : 0;
  if (express === 0) return layout;
  return { ...layout, lanes: layout.lanes + express, express, reason: `${layout.reason} + ${express} express lane(s) for short work` };
}

/**
 * Featurizer threads (PARAKEET_FEATURIZER_THREADS). `auto`: none on the CPU, where every core already runs a lane
 * that featurizes its own batch; on a GPU the cores left after the lanes and the event loop, 1 to 8 (8 threads
 * featurize about 10,000× real time, beyond one device's encoder).
 */
export function featurizerThreads(setting: number | 'auto', provider: string, cores: number, lanes: number): number {
  if (setting !== 'auto') return setting;
  if (provider === 'cpu') return 0;
  return Math.min(8, Math.max(1, cores - lanes - 1));
}
