import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { compiledModuleUrl } from '../../src/common/project-paths.js';

/**
 * `node dist/scripts/gpu/placement.js --model FILE.onnx --provider cuda [--json out.json]`: which nodes of a graph
 * ONNX Runtime placed on the provider and which fell back to its CPU provider, read from the session's own
 * verbose log ("Node placements"), so placement is reported rather than assumed. The session is opened in a
 * child process: verbose logging is process-wide in onnxruntime-node and would flood a server.
 */
export interface Placement {
  model: string;
  provider: string;
  /** Nodes per execution provider, and per op type within each. */
  byProvider: Record<string, { nodes: number; ops: Record<string, number> }>;
  /** Copies between device and host that ORT inserted at the boundaries of a fallback. */
  memcpyNodes: number;
  error?: string;
}

/** Parses ORT's "Node placements" block: `All nodes placed on [EP]. Number of nodes: N`, or per-EP lists. */
export function parsePlacement(log: string): Pick<Placement, 'byProvider' | 'memcpyNodes'> {
  const byProvider: Placement['byProvider'] = {};
  let current: { nodes: number; ops: Record<string, number> } | null = null;
  let memcpyNodes = 0;
  for (const raw of log.split('\n')) {
    const line = raw.replace(/^.*VerifyEachNodeIsAssignedToAnEp\]/, '');
    const all = /All nodes placed on \[(\w+)\]\. Number of nodes: (\d+)/.exec(line);
    if (all) {
      byProvider[all[1]] = { nodes: Number(all[2]), ops: {} };
      current = null;
      continue;
    }
    const some = /Node\(s\) placed on \[(\w+)\]\. Number of nodes: (\d+)/.exec(line);
    if (some) {
      current = byProvider[some[1]] = { nodes: Number(some[2]), ops: {} };
      continue;
    }
    const node = /^\s+(\w+) \((.*)\)\s*$/.exec(line);
    if (current && node) {
      current.ops[node[1]] = (current.ops[node[1]] ?? 0) + 1;
      if (node[1].startsWith('Memcpy')) memcpyNodes++;
    } else if (!/^\s*$/.test(line) && !line.includes('Node placements')) {
      current = null;
    }
  }
  return { byProvider, memcpyNodes };
}

export function measurePlacement(model: string, provider: string): Placement {
  // The compiled script, also when this module is loaded from its TypeScript source (tests).
  const script = fileURLToPath(compiledModuleUrl(import.meta.url, './placement.js'));
  const child = spawnSync(process.execPath, [script, '--child', '--model', model, '--provider', provider], { encoding: 'utf8', maxBuffer: 256 << 20 });
  const log = `${child.stdout}\n${child.stderr}`;
  const failed = child.status !== 0 ? (/ERR (.*)/.exec(log)?.[1] ?? `exit ${child.status}`) : undefined;
  return { model, provider, ...parsePlacement(log), ...(failed ? { error: failed } : {}) };
}

const { values } = parseArgs({ options: { model: { type: 'string' }, provider: { type: 'string', default: 'cuda' }, json: { type: 'string' }, child: { type: 'boolean', default: false } }, strict: false });
const main = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (main && values.child) {
  const ort = await import('onnxruntime-node');
  ort.env.logLevel = 'verbose';
  const provider = String(values.provider);
  try {
    const session = await ort.InferenceSession.create(String(values.model), { executionProviders: [provider], logSeverityLevel: 0, logVerbosityLevel: 0, graphOptimizationLevel: 'all' });
    await session.release();
  } catch (e) {
    console.log(`ERR ${(e as Error).message.split('\n')[0]}`);
    process.exit(1);
  }
} else if (main) {
  if (!values.model) {
    console.error('usage: node dist/scripts/gpu/placement.js --model FILE.onnx [--provider cuda] [--json out.json]');
    process.exit(2);
  }
  const p = measurePlacement(String(values.model), String(values.provider));
  for (const [ep, { nodes, ops }] of Object.entries(p.byProvider)) {
    const top = Object.entries(ops).sort((a, b) => b[1] - a[1]).slice(0, 12).map(([op, n]) => `${op} ${n}`).join(', ');
    console.log(`${p.model}: ${nodes} node(s) on ${ep}${top ? ` (${top})` : ''}`);
  }
  if (p.memcpyNodes) console.log(`${p.memcpyNodes} Memcpy node(s) between device and host`);
  if (p.error) console.log(`session failed: ${p.error}`);
  if (values.json) writeFileSync(String(values.json), `${JSON.stringify(p, null, 2)}\n`);
}
