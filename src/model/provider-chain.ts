import type { EnvironmentVariables } from '../config/env.schema.js';

export type ProviderName = 'tensorrt' | 'cuda' | 'webgpu' | 'cpu';

export interface ProviderPlan {
  providers: ProviderName[];
  /** A forced provider never falls back: its failure stops start-up. */
  forced: boolean;
}

/** PARAKEET_PROVIDER forces one provider; otherwise TensorRT → CUDA → CPU, or CUDA → CPU without TensorRT. */
export function providerPlan(config: Pick<EnvironmentVariables, 'provider' | 'useTensorrt'>): ProviderPlan {
  if (config.provider !== 'auto') return { providers: [config.provider], forced: true };
  return { providers: config.useTensorrt ? ['tensorrt', 'cuda', 'cpu'] : ['cuda', 'cpu'], forced: false };
}

/** `key=value;key=value` → onnxruntime-node `extra` session config entries. */
export function parseSessionConfig(text: string): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const pair of text.split(';')) {
    if (!pair.trim()) continue;
    const eq = pair.indexOf('=');
    entries[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return entries;
}

/** onnxruntime-node reports a missing provider library this way; the fix is an install flag, so say it. */
const LIBRARY_MISSING = /Failed to load shared library|providers_shared|cannot open shared object/i;
const PROVIDER_FAILURE = /AppendExecutionProvider|Failed to load shared library|libonnxruntime_providers|CUDA|cuda|TensorRT|cudnn|nvinfer|WebGPU|webgpu/;

export function isProviderFailure(message: string): boolean {
  return PROVIDER_FAILURE.test(message);
}

/** A one-line reason for a provider that did not load, with the fix where it is known. */
export function providerFailureReason(provider: string, message: string): string {
  const first = message.split('\n')[0].trim();
  if (provider !== 'cpu' && LIBRARY_MISSING.test(message)) {
    return `${first} (the ${provider} provider libraries are not installed: on a GPU host install with ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci${provider === 'tensorrt' ? ' and put TensorRT 10 on LD_LIBRARY_PATH' : ''})`;
  }
  return first;
}
