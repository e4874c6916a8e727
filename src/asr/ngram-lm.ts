import { gunzipSync } from 'node:zlib';

/**
 * A word n-gram language model read from an ARPA file (what KenLM's lmplz, SRILM and the NeMo / Riva /
 * sherpa-onnx tool chains write), scored with the standard backoff rule. Log-probabilities come out as
 * natural logs so they add to the acoustic model's log-softmax scores; the file stores log10.
 */
export class ArpaError extends Error {}

/** Context word ids, oldest first, at most `order - 1` of them. */
export type LmState = readonly number[];

const LN10 = Math.LN10;
/** Score of a word the file cannot account for (no `<unk>` entry): log10 -7, a very rare word. */
const NO_UNK_LOG10 = -7;

interface OrderTable {
  index: Map<string, number>;
  logprob: Float32Array;
  backoff: Float32Array;
}

export class NgramLm {
  readonly unkId: number;
  readonly bosId: number;
  readonly eosId: number;

  private constructor(
    readonly order: number,
    private readonly ids: Map<string, number>,
    /** tables[n - 1] holds the n-grams, keyed by their word ids joined with spaces. */
    private readonly tables: OrderTable[],
  ) {
    this.unkId = ids.get('<unk>') ?? -1;
    const bos = ids.get('<s>');
    const eos = ids.get('</s>');
    if (bos === undefined || eos === undefined) throw new ArpaError('the 1-grams must include <s> and </s>');
    this.bosId = bos;
    this.eosId = eos;
  }

  /** Reads ARPA text, or gzip-compressed ARPA (recognised by its magic bytes, whatever the file's name). */
  static fromBuffer(data: Buffer): NgramLm {
    const gz = data.length > 2 && data[0] === 0x1f && data[1] === 0x8b;
    return NgramLm.parse((gz ? gunzipSync(data) : data).toString('utf8'));
  }

  static parse(text: string): NgramLm {
    const lines = text.split(/\r?\n/);
    let i = 0;
    const fail = (why: string): never => {
      throw new ArpaError(`ARPA line ${i + 1}: ${why}`);
    };
    while (i < lines.length && lines[i].trim() !== '\\data\\') i++;
    if (i === lines.length) throw new ArpaError('no \\data\\ header: not an ARPA language model');
    i++;
    const counts: number[] = [];
    for (; i < lines.length; i++) {
      const line = lines[i].trim();
      if (line === '') continue;
      const m = /^ngram\s+(\d+)\s*=\s*(\d+)$/.exec(line);
      if (!m) break;
      if (Number(m[1]) !== counts.length + 1) fail(`expected "ngram ${counts.length + 1}=…"`);
      counts.push(Number(m[2]));
    }
    if (counts.length === 0) fail('the \\data\\ section lists no n-gram counts');

    const ids = new Map<string, number>();
    const tables: OrderTable[] = [];
    for (let n = 1; n <= counts.length; n++) {
      while (i < lines.length && lines[i].trim() === '') i++;
      if (lines[i]?.trim() !== `\\${n}-grams:`) fail(`expected \\${n}-grams:`);
      i++;
      const table: OrderTable = { index: new Map(), logprob: new Float32Array(counts[n - 1]), backoff: new Float32Array(counts[n - 1]) };
      let k = 0;
      for (; i < lines.length; i++) {
        const line = lines[i];
        if (line.trim() === '') break;
        if (line.startsWith('\\')) break;
        const f = line.trim().split(/\s+/);
        if (f.length !== n + 1 && f.length !== n + 2) fail(`a ${n}-gram line has ${f.length} fields`);
        if (k === counts[n - 1]) fail(`more ${n}-grams than the header's ${counts[n - 1]}`);
        const logprob = Number(f[0]);
        const backoff = f.length === n + 2 ? Number(f[n + 1]) : 0;
        if (!Number.isFinite(logprob) || !Number.isFinite(backoff)) fail('a probability or backoff is not a number');
        let key = '';
        for (let w = 1; w <= n; w++) {
          let id = ids.get(f[w]);
          if (id === undefined) {
            if (n > 1) fail(`word ${JSON.stringify(f[w])} has no 1-gram`);
            id = ids.size;
            ids.set(f[w], id);
          }
          key = w === 1 ? String(id) : `${key} ${id}`;
        }
        table.index.set(key, k);
        table.logprob[k] = logprob * LN10;
        table.backoff[k] = backoff * LN10;
        k++;
      }
      if (k !== counts[n - 1]) fail(`${k} ${n}-grams, but the header says ${counts[n - 1]}`);
      tables.push(table);
    }
    while (i < lines.length && lines[i].trim() === '') i++;
    if (lines[i]?.trim() !== '\\end\\') fail('expected \\end\\');
    return new NgramLm(counts.length, ids, tables);
  }

  get vocabularySize(): number {
    return this.ids.size;
  }

  /** The word's id, or `unkId` for a word the model does not list. */
  wordId(word: string): number {
    return this.ids.get(word) ?? this.unkId;
  }

  /** The state before a sentence's first word. */
  start(): LmState {
    return this.order > 1 ? [this.bosId] : [];
  }

  /** ln P(word | state), backing off to shorter contexts as ARPA defines. `word` -1 is a word unknown to the model. */
  logprob(state: LmState, word: number): number {
    if (word < 0) return NO_UNK_LOG10 * LN10;
    let backoff = 0;
    for (let k = Math.min(state.length, this.order - 1); k >= 0; k--) {
      const context = k > 0 ? state.slice(state.length - k).join(' ') : '';
      const hit = this.tables[k].index.get(k > 0 ? `${context} ${word}` : String(word));
      if (hit !== undefined) return backoff + this.tables[k].logprob[hit];
      if (k > 0) {
        const ctx = this.tables[k - 1].index.get(context);
        if (ctx !== undefined) backoff += this.tables[k - 1].backoff[ctx];
      }
    }
    // Only a word with no 1-gram gets here (an id outside the file's vocabulary).
    return NO_UNK_LOG10 * LN10;
  }

  /** The state after `word`. */
  next(state: LmState, word: number): LmState {
    if (this.order === 1) return state;
    const keep = this.order - 1;
    const out = state.length >= keep ? state.slice(state.length - keep + 1) : state.slice();
    out.push(word);
    return out;
  }
}
