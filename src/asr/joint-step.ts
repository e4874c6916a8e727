/**
 * One batched call of the fused prediction + joint network (decoder_joint-model.onnx), abstracted so the
 * decoder is plain TypeScript and can be driven by ONNX Runtime or by a test double.
 */
export interface JointStepInput {
  /** Active utterances in this call. */
  batch: number;
  /** One encoder frame per utterance, [batch, encoderDim]. */
  encoderFrames: Float32Array;
  /** Previous emitted token per utterance (blank before the first), [batch]. */
  targets: Int32Array;
  /** LSTM hidden and cell states, [layers, batch, hidden]. */
  h: Float32Array;
  c: Float32Array;
}

export interface JointStepOutput {
  /** Raw joint logits, [batch, logitWidth]: token logits (blank included) then duration logits. */
  logits: Float32Array;
  /** States after consuming `targets`, [layers, batch, hidden]. */
  h: Float32Array;
  c: Float32Array;
}

export interface JointStep {
  readonly encoderDim: number;
  readonly stateLayers: number;
  readonly stateSize: number;
  readonly logitWidth: number;
  run(input: JointStepInput): Promise<JointStepOutput>;
}
