/**
 * Append-only text from revisable partial transcripts. Deltas cannot take words back, so a word is released
 * only when two consecutive partials agree on it and it is not the last word (which may be cut mid-word):
 * the "local agreement" policy of streaming ASR. The final transcript replaces whatever was released.
 */
export class PartialText {
  private previous: string[] | null = null;
  /** Text already sent as deltas. */
  emitted = '';

  /** Takes the next partial transcript; returns the delta to send (possibly ''). */
  next(text: string): string {
    const words = text.split(/\s+/).filter(Boolean);
    const previous = this.previous;
    this.previous = words;
    if (!previous) return '';
    let agree = 0;
    const limit = Math.min(previous.length, words.length - 1);
    while (agree < limit && previous[agree] === words[agree]) agree++;
    return this.release(words.slice(0, agree).join(' '));
  }

  /** The rest of the final transcript when it extends what was released, else '' (it replaces the partials). */
  finish(text: string): string {
    return this.release(text.trim());
  }

  private release(stable: string): string {
    if (stable.length <= this.emitted.length) return '';
    if (this.emitted && !stable.startsWith(`${this.emitted} `)) return '';
    const delta = stable.slice(this.emitted.length);
    this.emitted = stable;
    return delta;
  }
}
