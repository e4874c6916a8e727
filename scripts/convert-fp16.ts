import { copyFileSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { inspectModelDirectory } from '../src/model/model-directory.js';
import { convertToFp16 } from './fp16/fp16-converter.js';

const USAGE = `usage: npm run build && node dist/scripts/convert-fp16.js --model DIR --out DIR [--all]

Writes a copy of an fp32 model directory whose encoder (with --all also decoder_joint) computes MatMul/Conv/Gemm
in fp16, with fp32 inputs and outputs, so it serves under the same contract (PARAKEET_MODEL_DIR=OUT). Meant
for CUDA/TensorRT, which onnxruntime-node cannot switch to fp16 by an option.`;

const { values } = parseArgs({ options: { model: { type: 'string' }, out: { type: 'string' }, all: { type: 'boolean', default: false } } });
if (!values.model || !values.out) {
  console.error(USAGE);
  process.exit(2);
}
try {
  const src = resolve(values.model);
  const out = resolve(values.out);
  if (src === out) throw new Error('--out must differ from --model');
  inspectModelDirectory(src, 'none');
  mkdirSync(out, { recursive: true });
  for (const graph of ['encoder-model', 'decoder_joint-model']) {
    const convert = graph === 'encoder-model' || values.all;
    const data = join(out, `${graph}.onnx.data`);
    rmSync(data, { force: true });
    if (convert) {
      const result = convertToFp16(join(src, `${graph}.onnx`), data);
      writeFileSync(join(out, `${graph}.onnx`), result.model);
      if (statSync(data).size === 0) rmSync(data);
      console.error(`${graph}.onnx: ${result.converted} weights to fp16, ${result.casts} casts`);
    } else {
      copyFileSync(join(src, `${graph}.onnx`), join(out, `${graph}.onnx`));
      if (existsSync(join(src, `${graph}.onnx.data`))) copyFileSync(join(src, `${graph}.onnx.data`), data);
    }
  }
  for (const f of ['vocab.txt', 'config.json']) copyFileSync(join(src, f), join(out, f));
  inspectModelDirectory(out, 'none');
  console.log(out);
} catch (e) {
  console.error(`convert-fp16: ${(e as Error).message}`);
  process.exit(1);
}
