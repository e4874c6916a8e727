// AudioWorklet processor: mixes the microphone to mono and posts PCM16 in 100 ms pieces, with the piece's level.
// Runs at the AudioContext's rate (`sampleRate` is a global of the worklet scope); the page tells the server that rate.

const CHUNK_SECONDS = 0.1;

class CaptureProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.chunkFrames = Math.round(sampleRate * CHUNK_SECONDS);
    this.chunk = new Int16Array(this.chunkFrames);
    this.filled = 0;
    this.sumSquares = 0;
    this.peak = 0;
  }

  process(inputs) {
    const channels = inputs[0];
    if (!channels || channels.length === 0) return true;
    const frames = channels[0].length;
    for (let i = 0; i < frames; i++) {
      let x = 0;
      for (const ch of channels) x += ch[i];
      x /= channels.length;
      this.sumSquares += x * x;
      this.peak = Math.max(this.peak, Math.abs(x));
      const clamped = Math.max(-1, Math.min(1, x));
      this.chunk[this.filled++] = clamped < 0 ? clamped * 0x8000 : clamped * 0x7fff;
      if (this.filled === this.chunk.length) this.flush();
    }
    return true;
  }

  flush() {
    const rms = Math.sqrt(this.sumSquares / this.filled);
    const pcm = this.chunk.buffer;
    this.port.postMessage({ pcm, rms, peak: this.peak }, [pcm]); // transferred: this.chunk is now detached
    this.chunk = new Int16Array(this.chunkFrames);
    this.filled = 0;
    this.sumSquares = 0;
    this.peak = 0;
  }
}

registerProcessor('pcm16-capture', CaptureProcessor);
