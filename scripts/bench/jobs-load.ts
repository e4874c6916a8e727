import type { Queue } from 'bullmq';
import { postUpload, type UploadClip } from './http-load.js';

const JOBS_PATH = '/v1/audio/transcriptions/jobs';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface SubmittedJob {
  id: string;
  clip: UploadClip;
}

/**
 * The clip set `repeats` times over as jobs, spread over the replicas in turn (as a load balancer would), a few
 * uploads at a time. Refusals are fatal: a backlog with holes would measure nothing.
 */
export async function submitBacklog(urls: string[], clips: UploadClip[], repeats: number, tag: string, parallel = 8): Promise<SubmittedJob[]> {
  const todo = Array.from({ length: repeats * clips.length }, (_, i) => clips[i % clips.length]);
  const jobs: SubmittedJob[] = [];
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const n = next++;
      const res = await postUpload(urls[n % urls.length], todo[n], `bench-jobs-${tag}-${n}`, JOBS_PATH);
      if (res.status !== 202) throw new Error(`job submission answered ${res.status}: ${res.body.slice(0, 300)}`);
      jobs.push({ id: (JSON.parse(res.body) as { id: string }).id, clip: todo[n] });
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return jobs;
}

/** Waits until no job is waiting or running on any replica (BullMQ's own counts), polling every 50 ms. */
export async function drained(queue: Queue, timeoutS: number): Promise<void> {
  const end = performance.now() + timeoutS * 1000;
  for (;;) {
    const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    if (!c.waiting && !c.active && !c.delayed && !c.prioritized) return;
    if (performance.now() > end) throw new Error(`backlog not drained after ${timeoutS} s: ${JSON.stringify(c)}`);
    await sleep(50);
  }
}

/**
 * Short live requests one after another (100 ms apart, alternating replicas) until `stop()` says so and at least
 * `min` were timed; latency from send to the last byte of the answer. Anything but 200 is fatal.
 */
export async function shortRequests(urls: string[], clip: UploadClip, tag: string, stop: () => boolean, min: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; times.length < min || !stop(); i++) {
    const t0 = performance.now();
    const res = await postUpload(urls[i % urls.length], clip, `bench-jobs-${tag}-short-${i}`);
    if (res.status !== 200) throw new Error(`short live request answered ${res.status}: ${res.body.slice(0, 300)}`);
    if (!stop() || times.length < min) times.push(performance.now() - t0);
    await sleep(100);
  }
  return times;
}

export interface JobCheck {
  completed: number;
  other: Record<string, number>;
  /** Jobs whose text differs from the live answer for the same clip. */
  text_mismatches: number;
}

/** Every job's final status, and its result against the live endpoint's text for the same clip. */
export async function checkJobs(url: string, jobs: SubmittedJob[], liveText: Map<string, string>): Promise<JobCheck> {
  const check: JobCheck = { completed: 0, other: {}, text_mismatches: 0 };
  for (let i = 0; i < jobs.length; i += 16) {
    await Promise.all(
      jobs.slice(i, i + 16).map(async ({ id, clip }) => {
        const job = (await (await fetch(`${url}${JOBS_PATH}/${id}`)).json()) as { status: string };
        if (job.status !== 'completed') {
          check.other[job.status] = (check.other[job.status] ?? 0) + 1;
          return;
        }
        check.completed++;
        const result = (await (await fetch(`${url}${JOBS_PATH}/${id}/result`)).json()) as { text: string };
        const expected = liveText.get(clip.id);
        if (expected !== undefined && result.text !== expected) check.text_mismatches++;
      }),
    );
  }
  return check;
}
