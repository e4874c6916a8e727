import { basename } from 'node:path';
import * as ort from 'onnxruntime-node';
import { isProviderFailure, providerFailureReason } from '../provider-chain.js';

export interface LoadedSession {
  session: ort.InferenceSession;
  provider: string;
  /** One line per provider that was tried before `provider` and failed, with its reason. */
  fallbacks: string[];
}

export interface SessionSettings {
  /** GPU index for cuda / tensorrt: the only provider option onnxruntime-node 1.30 forwards. */
  deviceId?: number;
  /** Session config entries (onnxruntime-node `extra`). */
  sessionConfig?: Record<string, string>;
}

// ORT's process-wide logger would print each failed provider load (missing CUDA libraries on a CPU host) to
// stderr; the failure already reaches the service as an exception and is logged once, with the fix.
ort.env.logLevel = 'fatal';

/** Every provider of a chain failed to load, each for a provider reason (not because the model is bad). */
export class ProviderUnavailableError extends Error {
  override name = 'ProviderUnavailableError';
}

/** The options one attempt passes to onnxruntime-node, exported so tests can see what reaches a session. */
export function sessionOptionsFor(provider: string, intraOpThreads: number, settings: SessionSettings = {}): ort.InferenceSession.SessionOptions {
  const gpu = (name: string) => ({ name, deviceId: settings.deviceId ?? 0 }) as ort.InferenceSession.ExecutionProviderConfig;
  // TensorRT is registered with CUDA behind it, as ONNX Runtime recommends: nodes TensorRT does not take
  // then run on the GPU too, instead of on ORT's implicit CPU provider.
  // WebGPU (built into onnxruntime-node's own library, Dawn on Vulkan) picks its adapter itself: no device id.
  const providers =
    provider === 'cpu' || provider === 'webgpu' ? [provider] : provider === 'tensorrt' ? [gpu('tensorrt'), gpu('cuda')] : [gpu(provider)];
  return {
    executionProviders: providers,
    intraOpNumThreads: intraOpThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // Errors reach the service through rejected runs and its own logs, not ORT's stderr.
    logSeverityLevel: 4,
    ...(settings.sessionConfig && Object.keys(settings.sessionConfig).length ? { extra: { ...settings.sessionConfig } } : {}),
  };
}

/**
 * onnxruntime-node throws instead of falling back when a provider's libraries are missing
 * (stack-notes.md), so each provider is tried alone, in order, and the first that loads wins. Each
 * failure that falls back is logged once, with its reason.
 */
export async function createSession(
  path: string,
  providers: string[],
  intraOpThreads: number,
  log: (msg: string) => void,
  settings: SessionSettings = {},
): Promise<LoadedSession> {
  const failures: string[] = [];
  let allProviderFailures = true;
  for (let i = 0; i < providers.length; i++) {
    const provider = providers[i];
    try {
      const session = await ort.InferenceSession.create(path, sessionOptionsFor(provider, intraOpThreads, settings));
      return { session, provider, fallbacks: failures };
    } catch (e) {
      const message = (e as Error).message;
      const reason = providerFailureReason(provider, message);
      if (!(provider !== 'cpu' && isProviderFailure(message))) allProviderFailures = false;
      failures.push(`${provider}: ${reason}`);
      if (i + 1 < providers.length) log(`provider ${provider} failed for ${basename(path)}, falling back to ${providers[i + 1]}: ${reason}`);
    }
  }
  if (allProviderFailures) throw new ProviderUnavailableError(`no execution provider could load ${path} (${failures.join('; ')})`);
  throw new Error(`cannot load ${path} (${failures.join('; ')})`);
}

type Meta = ort.InferenceSession.ValueMetadata;

/** Checks a session against the expected contract; returns a list of problems. */
export function checkContract(
  session: ort.InferenceSession,
  inputs: Record<string, string>,
  outputs: string[],
): string[] {
  const problems: string[] = [];
  const meta = new Map<string, Meta>(session.inputMetadata.map((m) => [m.name, m]));
  for (const [name, type] of Object.entries(inputs)) {
    const m = meta.get(name);
    if (!m) problems.push(`missing input "${name}" (has: ${session.inputNames.join(', ')})`);
    else if (m.isTensor && m.type !== type) problems.push(`input "${name}" is ${m.type}, expected ${type}`);
  }
  for (const name of outputs) {
    if (!session.outputNames.includes(name)) problems.push(`missing output "${name}" (has: ${session.outputNames.join(', ')})`);
  }
  return problems;
}

export function inputShape(session: ort.InferenceSession, name: string): ReadonlyArray<number | string> {
  const m = session.inputMetadata.find((x) => x.name === name);
  return m && m.isTensor ? m.shape : [];
}
