import { move } from 'piscina';
import { featurize, type FeaturizeRequest } from './featurize.task.js';

/** Piscina entry point: featurizes one clip off the runner lanes; the result's buffer is moved back, not copied. */
export default function run(request: FeaturizeRequest): Float32Array {
  return move(featurize(request)) as Float32Array;
}
