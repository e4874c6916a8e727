import * as ort from 'onnxruntime-node';

export interface LoadedSession {
  session: ort.InferenceSession;
  provider: string;
}

/**
 * onnxruntime-node throws instead of falling back when a provider's libraries are missing
 * (stack-notes.md), so each provider is tried alone, in order, and the first that loads wins.
 */
export async function createSession(path: string, providers: string[], intraOpThreads: number, log: (msg: string) => void): Promise<LoadedSession> {
  const failures: string[] = [];
  for (const provider of providers) {
    try {
      const session = await ort.InferenceSession.create(path, {
        executionProviders: [provider],
        intraOpNumThreads: intraOpThreads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        // Errors reach the service through rejected runs and its own logs, not ORT's stderr.
        logSeverityLevel: 4,
      });
      return { session, provider };
    } catch (e) {
      const message = (e as Error).message.split('\n')[0];
      failures.push(`${provider}: ${message}`);
      log(`provider ${provider} failed for ${path}: ${message}`);
    }
  }
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
