import type { Quantization } from './model-directory.js';

export interface HubFile {
  name: string;
  /** Absent from some exports (external weights exist only for models over protobuf's 2 GB limit). */
  optional: boolean;
  onnx: boolean;
}

/**
 * The onnx-asr file set of parakeet-contract.md §1.1 for one quantization, largest first and config.json
 * last: a directory is only recognised as complete once every graph is in place. nemo128.onnx is not
 * fetched: the featurizer is part of this service.
 */
export function hubFileSet(quantization: Quantization): HubFile[] {
  const suffix = quantization === 'int8' ? '.int8.onnx' : '.onnx';
  const files: HubFile[] = [];
  for (const graph of ['encoder-model', 'decoder_joint-model']) {
    if (quantization === 'none') files.push({ name: `${graph}.onnx.data`, optional: true, onnx: false });
    files.push({ name: `${graph}${suffix}`, optional: false, onnx: true });
  }
  files.push({ name: 'vocab.txt', optional: false, onnx: false });
  files.push({ name: 'config.json', optional: false, onnx: false });
  return files;
}
