import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Vocabulary, VocabularyError } from '../asr/vocabulary.js';
import { parseModelConfig, ModelConfigError, type ModelConfig } from './model-config.js';

export type Quantization = 'none' | 'int8';

export interface ModelFiles {
  dir: string;
  encoder: string;
  decoderJoint: string;
  vocab: string;
  config: string;
}

export interface InspectedModel {
  files: ModelFiles;
  config: ModelConfig;
  vocabulary: Vocabulary;
}

const FIX = 'run `npm run fetch-model` to download a complete model, or point PARAKEET_MODEL_DIR at a directory that has it';

/** A model directory that cannot be used; the message names the file and the fix. */
export class ModelDirectoryError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}; ${FIX}`);
    this.name = 'ModelDirectoryError';
  }
}

export function modelFiles(dir: string, quantization: Quantization): ModelFiles {
  const suffix = quantization === 'int8' ? '.int8.onnx' : '.onnx';
  return {
    dir,
    encoder: join(dir, `encoder-model${suffix}`),
    decoderJoint: join(dir, `decoder_joint-model${suffix}`),
    vocab: join(dir, 'vocab.txt'),
    config: join(dir, 'config.json'),
  };
}

/**
 * Bytes of the weights a session loads: both graphs and their external data files. The fp32 Parakeet encoder
 * keeps 2.4 GB in `encoder-model.onnx.data` beside a graph of a few hundred KB, so the graphs alone say nothing.
 */
export function modelWeightBytes(files: ModelFiles): number {
  let total = 0;
  for (const path of [files.encoder, `${files.encoder}.data`, files.decoderJoint, `${files.decoderJoint}.data`]) {
    try {
      total += statSync(path).size;
    } catch {
      // No external data for this graph.
    }
  }
  return total;
}

function requireFile(path: string): void {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new ModelDirectoryError(path, 'is not a regular file');
    size = st.size;
  } catch (e) {
    if (e instanceof ModelDirectoryError) throw e;
    throw new ModelDirectoryError(path, 'is missing');
  }
  if (size === 0) throw new ModelDirectoryError(path, 'is empty');
}

/** An ONNX file is a ModelProto whose first field is ir_version (tag 0x08): a cheap check for junk. */
function requireOnnx(path: string): void {
  requireFile(path);
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(1);
    readSync(fd, head, 0, 1, 0);
    if (head[0] !== 0x08) throw new ModelDirectoryError(path, 'is not an ONNX model (corrupt or truncated file?)');
  } finally {
    closeSync(fd);
  }
}

/**
 * Checks that a directory holds a complete model and reads its small files. The ONNX graphs themselves
 * are loaded (and fully validated) by the runner, which reports failures with the same file naming.
 */
export function inspectModelDirectory(dir: string, quantization: Quantization): InspectedModel {
  const files = modelFiles(dir, quantization);
  try {
    if (!statSync(dir).isDirectory()) throw new ModelDirectoryError(dir, 'is not a directory');
  } catch (e) {
    if (e instanceof ModelDirectoryError) throw e;
    throw new ModelDirectoryError(dir, 'model directory does not exist');
  }
  requireOnnx(files.encoder);
  requireOnnx(files.decoderJoint);
  requireFile(files.vocab);
  requireFile(files.config);
  let config: ModelConfig;
  try {
    config = parseModelConfig(readFileSync(files.config, 'utf8'));
  } catch (e) {
    if (e instanceof ModelConfigError) throw new ModelDirectoryError(files.config, e.message);
    throw e;
  }
  let vocabulary: Vocabulary;
  try {
    vocabulary = Vocabulary.parse(readFileSync(files.vocab, 'utf8'));
  } catch (e) {
    if (e instanceof VocabularyError) throw new ModelDirectoryError(files.vocab, e.message);
    throw e;
  }
  return { files, config, vocabulary };
}
