import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { keepOnlyArch } from './fatbin.js';

/**
 * `node dist/scripts/gpu/shrink-fatbin.js --in LIB --out LIB --arch 90`: a copy of a CUDA library whose kernels
 * for other GPU architectures are zeroed (compressed, ORT 1.29's CUDA provider drops from 179 MB to about
 * 40 MB), so the library fits the GPU host's transfer limit. Prints the cubin bytes found per architecture.
 */
const { values } = parseArgs({ options: { in: { type: 'string' }, out: { type: 'string' }, arch: { type: 'string', default: '90' } } });
if (!values.in || !values.out) {
  console.error('usage: node dist/scripts/gpu/shrink-fatbin.js --in LIB --out LIB [--arch 90]');
  process.exit(2);
}
const file = readFileSync(values.in);
const arch = Number(values.arch);
const byArch = keepOnlyArch(file, arch);
if (!byArch.has(arch)) {
  console.error(`shrink-fatbin: ${values.in} has no kernels for sm_${arch} (has ${[...byArch.keys()].map((a) => `sm_${a}`).join(', ') || 'none'})`);
  process.exit(1);
}
writeFileSync(values.out, file);
for (const [a, bytes] of [...byArch].sort((x, y) => x[0] - y[0])) console.log(`sm_${a}: ${(bytes / 1e6).toFixed(1)} MB${a === arch ? ' (kept)' : ' (zeroed)'}`);
