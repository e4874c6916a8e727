import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load-config.js';
import { ProgressBar } from '../src/model/download-progress.js';
import { HubClient } from '../src/model/hub-client.js';
import { repositoryFor } from '../src/model/model-aliases.js';
import { inspectModelDirectory, type Quantization } from '../src/model/model-directory.js';
import { ModelDownloader } from '../src/model/model-downloader.js';
import { fetchedModelDir } from '../src/model/model-resolver.js';

const USAGE = `usage: npm run fetch-model -- [--id ID] [--out DIR] [--quantization none|int8]

Downloads a Parakeet TDT model in the onnx-asr layout from PARAKEET_HUB_URL (default https://huggingface.co),
with HF_TOKEN when set. ID is an alias (nemo-parakeet-tdt-0.6b-v2, nemo-parakeet-tdt-0.6b-v3) or an
owner/name repository; default PARAKEET_MODEL_ID. DIR defaults to models/parakeet-fp32 (models/parakeet-int8
for int8), where the service looks when PARAKEET_MODEL_DIR is unset. Run it again to resume.`;

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        id: { type: 'string' },
        out: { type: 'string' },
        quantization: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    console.error(`fetch-model: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const config = loadConfig(process.env);
  const quantization = (values.quantization ?? config.quantization) as Quantization;
  if (quantization !== 'none' && quantization !== 'int8') {
    console.error(`fetch-model: --quantization must be none or int8\n${USAGE}`);
    return 2;
  }
  const repo = repositoryFor(values.id ?? config.modelId);
  const out = values.out ? resolve(values.out) : fetchedModelDir(config.modelsRoot, quantization);
  const hub = new HubClient(config.hubUrl, config.hfToken);
  console.error(`fetch-model: ${repo} (${quantization === 'int8' ? 'int8' : 'fp32'}) from ${config.hubUrl} into ${out}`);
  const progress = new ProgressBar((t) => process.stderr.write(t), process.stderr.isTTY === true);
  const result = await new ModelDownloader(hub).download({ repo, out, quantization, progress });
  inspectModelDirectory(out, quantization);
  console.error(`fetch-model: done: ${result.files.join(', ')}`);
  console.log(out);
  if (quantization === 'int8') console.error('serve it with PARAKEET_QUANTIZATION=int8');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error(`fetch-model: ${e.message}`);
    process.exit(1);
  },
);
