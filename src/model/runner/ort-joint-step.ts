import * as ort from 'onnxruntime-node';
import type { JointStep, JointStepInput, JointStepOutput } from '../../asr/joint-step.js';

/** The decoder_joint ONNX session as a batched JointStep. */
export class OrtJointStep implements JointStep {
  private readonly targetLength: Int32Array;

  constructor(
    private readonly session: ort.InferenceSession,
    readonly encoderDim: number,
    readonly stateLayers: number,
    readonly stateSize: number,
    readonly logitWidth: number,
    maxBatch: number,
  ) {
    // target_length is passed through by the graph only; it is always 1 for one step.
    this.targetLength = new Int32Array(Math.max(1, maxBatch)).fill(1);
  }

  async run(input: JointStepInput): Promise<JointStepOutput> {
    const { batch: A } = input;
    const L = this.stateLayers;
    const H = this.stateSize;
    const targetLength = A <= this.targetLength.length ? this.targetLength.subarray(0, A) : new Int32Array(A).fill(1);
    const out = await this.session.run(
      {
        encoder_outputs: new ort.Tensor('float32', input.encoderFrames, [A, this.encoderDim, 1]),
        targets: new ort.Tensor('int32', input.targets, [A, 1]),
        target_length: new ort.Tensor('int32', targetLength, [A]),
        input_states_1: new ort.Tensor('float32', input.h, [L, A, H]),
        input_states_2: new ort.Tensor('float32', input.c, [L, A, H]),
      },
      ['outputs', 'output_states_1', 'output_states_2'],
    );
    return {
      logits: out.outputs.data as Float32Array,
      h: out.output_states_1.data as Float32Array,
      c: out.output_states_2.data as Float32Array,
    };
  }
}
