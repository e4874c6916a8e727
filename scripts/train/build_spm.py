#!/usr/bin/env python3
"""Train the SentencePiece unigram tokenizer (deterministic) on the TRAINING sentences only, write vocab.txt.

vocab.txt: `<piece> <id>` per line, ids 0..V-1 in order (line 0 `<unk> 0`), then `<blk> V` last (Parakeet layout).
"""
import argparse
import os

import sentencepiece as spm


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--text", default=".train/text/spm_train.txt")
    ap.add_argument("--out", default=".train/carry/spm")
    ap.add_argument("--vocab", type=int, default=256)
    a = ap.parse_args()
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    spm.SentencePieceTrainer.train(
        input=a.text, model_prefix=a.out, vocab_size=a.vocab, model_type="unigram",
        character_coverage=1.0, unk_id=0, bos_id=-1, eos_id=-1, pad_id=-1,
        input_sentence_size=0, shuffle_input_sentence=False, num_threads=1, seed_sentencepiece_size=1000000,
        split_digits=True, minloglevel=2)
    sp = spm.SentencePieceProcessor(model_file=a.out + ".model")
    with open(a.out + ".vocab.txt", "w", encoding="utf-8") as fh:
        for i in range(sp.get_piece_size()):
            fh.write(f"{sp.id_to_piece(i)} {i}\n")
        fh.write(f"<blk> {sp.get_piece_size()}\n")
    print("pieces", sp.get_piece_size(), sp.encode("hello world it's a test", out_type=str))


if __name__ == "__main__":
    main()
