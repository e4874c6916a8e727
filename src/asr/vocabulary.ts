/**
 * The model's token table (vocab.txt: `<piece> <id>` per line, blank `<blk>` last) and SentencePiece
 * detokenisation: `▁` starts a word, special pieces are dropped, byte-fallback pieces become UTF-8.
 */
export const WORD_START = '\u2581';
const SPECIAL = new Set(['<unk>', '<s>', '</s>', '<pad>', '<blk>', '<blank>']);
const BYTE_PIECE = /^<0x([0-9A-Fa-f]{2})>$/;

export class VocabularyError extends Error {}

export class Vocabulary {
  /** Pieces indexed by id. */
  readonly pieces: readonly string[];
  readonly blankId: number;
  /** True where the piece begins a word. */
  readonly startsWord: Uint8Array;
  /** Text of each piece as it appears in output ('' for specials, `▁` as a space). */
  private readonly surface: string[];
  private readonly byteValue: Int16Array;

  constructor(pieces: readonly string[]) {
    this.pieces = pieces;
    const blank = pieces.findIndex((p) => p === '<blk>' || p === '<blank>');
    if (blank < 0) throw new VocabularyError('vocabulary has no <blk> entry');
    this.blankId = blank;
    this.startsWord = new Uint8Array(pieces.length);
    this.byteValue = new Int16Array(pieces.length).fill(-1);
    this.surface = pieces.map((piece, id) => {
      const byte = BYTE_PIECE.exec(piece);
      if (byte) {
        this.byteValue[id] = parseInt(byte[1], 16);
        return '';
      }
      if (SPECIAL.has(piece)) return '';
      if (piece.startsWith(WORD_START)) this.startsWord[id] = 1;
      return piece.replaceAll(WORD_START, ' ');
    });
  }

  get size(): number {
    return this.pieces.length;
  }

  static parse(text: string): Vocabulary {
    const pieces: string[] = [];
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (line === '') continue;
      const cut = line.lastIndexOf(' ');
      const id = cut > 0 ? Number(line.slice(cut + 1)) : NaN;
      if (!Number.isInteger(id)) throw new VocabularyError(`line ${i + 1}: expected "<piece> <id>", got ${JSON.stringify(line.slice(0, 60))}`);
      if (id !== pieces.length) throw new VocabularyError(`line ${i + 1}: id ${id} out of order (expected ${pieces.length})`);
      pieces.push(line.slice(0, cut));
    }
    if (pieces.length === 0) throw new VocabularyError('vocabulary is empty');
    return new Vocabulary(pieces);
  }

  /** Raw text of the pieces, spaces included, for streaming deltas; use `decode` for final text. */
  surfaceOf(id: number): string {
    return this.surface[id] ?? '';
  }

  /** Plain SentencePiece decoding (as NeMo does): concatenate, ▁ → space, trim, collapse spaces. */
  decode(ids: ArrayLike<number>): string {
    let text = '';
    let bytes: number[] = [];
    const flush = () => {
      if (bytes.length) text += Buffer.from(bytes).toString('utf8');
      bytes = [];
    };
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      const b = this.byteValue[id];
      if (b !== undefined && b >= 0) {
        bytes.push(b);
        continue;
      }
      flush();
      text += this.surface[id] ?? '';
    }
    flush();
    return text.replace(/\s+/g, ' ').trim();
  }
}
