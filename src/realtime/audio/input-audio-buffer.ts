/**
 * The uncommitted input audio of a session at 16 kHz, addressed by absolute sample position since the session's
 * audio began (so VAD results, which arrive later, still point at the right samples after a trim).
 */
export class InputAudioBuffer {
  private data = new Float32Array(16000 * 4);
  private used = 0;
  /** Absolute position of data[0]. */
  private origin = 0;

  get start(): number {
    return this.origin;
  }

  get end(): number {
    return this.origin + this.used;
  }

  get length(): number {
    return this.used;
  }

  append(samples: Float32Array): void {
    if (this.used + samples.length > this.data.length) {
      const grown = new Float32Array(Math.max(this.data.length * 2, this.used + samples.length));
      grown.set(this.data.subarray(0, this.used));
      this.data = grown;
    }
    this.data.set(samples, this.used);
    this.used += samples.length;
  }

  /** A copy of [from, to) clamped to what the buffer holds. */
  copy(from: number, to = this.end): Float32Array {
    const a = Math.max(from, this.origin) - this.origin;
    const b = Math.min(to, this.end) - this.origin;
    return b > a ? this.data.slice(a, b) : new Float32Array(0);
  }

  /** Forgets everything before `position`. */
  dropBefore(position: number): void {
    const n = Math.min(Math.max(position - this.origin, 0), this.used);
    if (n === 0) return;
    this.data.copyWithin(0, n, this.used);
    this.used -= n;
    this.origin += n;
  }

  clear(): void {
    this.dropBefore(this.end);
  }
}
