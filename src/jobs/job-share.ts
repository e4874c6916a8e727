/**
 * PARAKEET_JOBS_CONCURRENCY=auto: four jobs per regular lane (at most a batch's worth). On the CPU the decoding loop
 * runs a batch of clips faster than one at a time, and a lane that frees finds several of its replica's job clips
 * waiting only when it holds more jobs than it has lanes: measured with `npm run bench:jobs`, one job per lane
 * drained at 0.78 of the live path's saturated throughput, four per lane at 0.90. One long job spreads its chunks
 * over every lane by itself; the memory its decoded audio takes is bounded apart (JobProcessor's byte budget).
 */
export function autoJobShare(input: { regularLanes: number; maxBatch: number }): { jobs: number; reason: string } {
  const perLane = Math.min(4, input.maxBatch);
  return { jobs: Math.max(1, input.regularLanes * perLane), reason: `auto: ${perLane} per regular lane × ${input.regularLanes}` };
}

/** Of the memory (cgroup limit or host), what running jobs' decoded audio may take at once. */
export const JOB_MEMORY_SHARE = 0.25;
