import { parentPort, workerData } from 'node:worker_threads';
import { InferenceEngine } from './inference-engine.js';
import type { EngineOptions, FromWorker, ToWorker } from './runner-protocol.js';

/**
 * One runner lane: owns the ONNX Runtime sessions, whose run() blocks this thread instead of the event
 * loop. Requests are served one at a time, in arrival order; the scheduler has already formed batches.
 */
const port = parentPort;
if (!port) throw new Error('runner.worker must run as a worker thread');

const post = (msg: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);
const log = (msg: string) => port.postMessage({ type: 'log', message: msg });

let engine: InferenceEngine;
try {
  engine = await InferenceEngine.load(workerData as EngineOptions, log);
  post({ type: 'ready', info: engine.info });
} catch (e) {
  post({ type: 'init-error', message: (e as Error).message });
  process.exit(0);
}

let chain: Promise<void> = Promise.resolve();
port.on('message', (msg: ToWorker) => {
  if (msg.type === 'close') {
    chain = chain.then(async () => {
      await engine.release();
      port.close();
    });
    return;
  }
  const { id, audio } = msg;
  chain = chain.then(async () => {
    try {
      const result = await engine.transcribe(audio);
      post({ type: 'result', id, result });
    } catch (e) {
      post({ type: 'run-error', id, message: (e as Error).message });
    }
  });
});
