/**
 * Slaney-scale, Slaney-normalised triangular mel filterbank (librosa's default, as NeMo uses it), stored
 * sparsely: each filter touches only a few FFT bins, so the mel projection costs ~2 multiplies per bin.
 */
export interface SparseFilterbank {
  nMels: number;
  nBins: number;
  /** First bin of filter m. */
  start: Int32Array;
  /** Number of bins of filter m. */
  count: Int32Array;
  /** Offset of filter m's weights in `weights`. */
  offset: Int32Array;
  weights: Float64Array;
}

const F_SP = 200 / 3;
const MIN_LOG_HZ = 1000;
const MIN_LOG_MEL = MIN_LOG_HZ / F_SP;
const LOG_STEP = Math.log(6.4) / 27;

export function hzToMelSlaney(hz: number): number {
  return hz >= MIN_LOG_HZ ? MIN_LOG_MEL + Math.log(hz / MIN_LOG_HZ) / LOG_STEP : hz / F_SP;
}

export function melToHzSlaney(mel: number): number {
  return mel >= MIN_LOG_MEL ? MIN_LOG_HZ * Math.exp(LOG_STEP * (mel - MIN_LOG_MEL)) : F_SP * mel;
}

/** Dense [nBins][nMels] matrix, row-major; used by tests and to build the sparse form. */
export function slaneyMelMatrix(sampleRate: number, nFft: number, nMels: number, fMin = 0, fMax = sampleRate / 2): Float64Array {
  const nBins = nFft / 2 + 1;
  const melMin = hzToMelSlaney(fMin);
  const melMax = hzToMelSlaney(fMax);
  const points = new Float64Array(nMels + 2);
  for (let i = 0; i < nMels + 2; i++) points[i] = melToHzSlaney(melMin + ((melMax - melMin) * i) / (nMels + 1));
  const matrix = new Float64Array(nBins * nMels);
  for (let m = 0; m < nMels; m++) {
    const lo = points[m];
    const mid = points[m + 1];
    const hi = points[m + 2];
    const norm = 2 / (hi - lo);
    for (let k = 0; k < nBins; k++) {
      const f = (k * sampleRate) / nFft;
      const w = Math.max(0, Math.min((f - lo) / (mid - lo), (hi - f) / (hi - mid)));
      matrix[k * nMels + m] = w * norm;
    }
  }
  return matrix;
}

export function sparseFromDense(matrix: Float64Array, nBins: number, nMels: number): SparseFilterbank {
  const start = new Int32Array(nMels);
  const count = new Int32Array(nMels);
  const offset = new Int32Array(nMels);
  const weights: number[] = [];
  for (let m = 0; m < nMels; m++) {
    let first = -1;
    let last = -1;
    for (let k = 0; k < nBins; k++) {
      if (matrix[k * nMels + m] !== 0) {
        if (first < 0) first = k;
        last = k;
      }
    }
    offset[m] = weights.length;
    if (first < 0) continue;
    start[m] = first;
    count[m] = last - first + 1;
    for (let k = first; k <= last; k++) weights.push(matrix[k * nMels + m]);
  }
  return { nMels, nBins, start, count, offset, weights: Float64Array.from(weights) };
}
