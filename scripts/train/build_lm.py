#!/usr/bin/env python3
"""Build the word n-gram LM for shallow fusion in the service's TDT beam search (runs on the dev machine, no GPU).

Trained on the training sentences only (--text, e.g. .train/devA/train.txt.gz); every sentence that also occurs in a
held-out set (--exclude, repeatable) is dropped first, so the LM never saw the sentences the WER is measured on.
Estimates are interpolated modified Kneser-Ney (Chen & Goodman 1998) as KenLM's lmplz computes them: three discounts
per order from the count-of-counts of the adjusted counts, adjusted (continuation) counts below the highest order
except for n-grams that start with <s>, unigrams interpolated with the uniform distribution. The one deliberate
difference: the uniform share goes to the |V| - 1 words that can be predicted (not to <s>), so the unigrams sum to 1.

Pruning (--prune C1,C2,...): words seen fewer than C1 times (and words outside --max-vocab) are replaced by <unk>
before counting, so <unk> is an ordinary word with real counts; an n-gram of order n >= 2 is written only if seen at
least Cn times (or if it is the prefix or suffix of a written n-gram, which ARPA backoff needs). A written n-gram keeps
its unpruned interpolated probability; the mass of the dropped ones goes to the backoff, which is recomputed per
context as SRILM does, alpha(h) = (1 - sum_kept p(w|h)) / (1 - sum_kept p(w|h')), from the probabilities as written
(rounded to --digits), so every context's distribution sums to 1 up to the rounding of alpha itself.

Output: ARPA (log10 values), gzip when --out ends in .gz (deterministic: mtime 0). The summary (n-grams per order,
bytes, --eval perplexity) is computed from the file as read back, with ARPA backoff semantics.

  .train/venv/bin/python scripts/train/build_lm.py --text .train/devA/train.txt.gz --exclude .train/devA/test.txt.gz \
      --eval .train/devA/test.txt.gz --order 3 --prune 1,2,3 --out .train/lm/word3.arpa.gz
  .train/venv/bin/python scripts/train/build_lm.py --self-test

Perplexity as SRILM's `ngram -ppl`: </s> counted, words outside the LM vocabulary skipped (listed as OOV) and the
history restarts after them. Because skipping favours small vocabularies, a second number ("fair ppl") charges a word
that was folded into <unk> by C1/--max-vocab p(<unk>|h) / (number of folded training types) with <unk> in the history,
skipping only words never seen in training: it is comparable between models with different vocabularies.
"""
import argparse
import gzip
import math
import os
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict

import numpy as np

BOS, EOS, UNK = "<s>", "</s>", "<unk>"
NO_PROB = -99.0  # customary log10 "probability" of <s>, which is never predicted


def read_lines(path):
    with open(path, "rb") as f:
        magic = f.read(2)
    opener = gzip.open if magic == b"\x1f\x8b" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [s for s in (line.strip() for line in f) if s]


# ----------------------------------------------------------------------------------------------------------------------
# estimation

def kn_discounts(a, what):
    """Modified KN discounts D1, D2, D3+ from the count-of-counts of the adjusted counts `a` (Chen & Goodman eq. 26)."""
    t = [int(np.count_nonzero(a == k)) for k in (1, 2, 3, 4)]
    if min(t) > 0:
        y = t[0] / (t[0] + 2 * t[1])
        d = [k - (k + 1) * y * t[k] / t[k - 1] for k in (1, 2, 3)]
        if all(0 < d[k - 1] <= k for k in (1, 2, 3)):
            return np.array([0.0] + d)
    # lmplz refuses such counts; only tiny texts get here, where any sane discount will do
    print(f"warning: {what}: count-of-counts {t} give no valid discounts, using 0.5, 1.0, 1.5", file=sys.stderr)
    return np.array([0.0, 0.5, 1.0, 1.5])


class Order:
    """All n-grams of one order seen in the text, sorted; n-gram i is (prefix ctx[i] of order n-1, word w[i])."""

    def __init__(self, n, keys, raw, V, prev):
        self.n, self.keys, self.raw = n, keys, raw
        if n == 1:
            self.ctx = None
            self.w = keys
            self.first = keys
            self.suf = None
        else:
            self.ctx = keys // V
            self.w = keys % V
            self.first = prev.first[self.ctx]
            # suffix (n-gram minus its first word) = suffix of the prefix, extended by w; it was counted too
            if n == 2:
                self.suf = self.w
            else:
                suf_key = prev.suf[self.ctx] * V + self.w
                self.suf = np.searchsorted(prev.keys, suf_key)
                assert np.array_equal(prev.keys[self.suf], suf_key)


def count_ngrams(sents, order, V):
    """sents: list of int id lists with <s> ... </s>. Returns [Order] for 1..order."""
    lens = np.fromiter((len(s) for s in sents), dtype=np.int64, count=len(sents))
    toks = np.fromiter((t for s in sents for t in s), dtype=np.int64, count=int(lens.sum()))
    starts = np.repeat(np.cumsum(lens) - lens, lens)
    pos = np.arange(len(toks)) - starts
    orders = [Order(1, np.arange(V, dtype=np.int64), np.bincount(toks, minlength=V), V, None)]
    idx_prev = toks  # index of the (n-1)-gram ending at each position; a unigram's index is its word id
    for n in range(2, order + 1):
        valid = np.nonzero(pos >= n - 1)[0]
        # an n-gram = (index of its prefix, last word): one int64 key, sorted like the n-grams themselves
        keys, inv, cnt = np.unique(idx_prev[valid - 1] * V + toks[valid], return_inverse=True, return_counts=True)
        idx = np.full(len(toks), -1, dtype=np.int64)
        idx[valid] = inv.reshape(-1)
        idx_prev = idx
        orders.append(Order(n, keys, cnt, V, orders[-1]))
    return orders


def estimate(orders, V, bos):
    """Interpolated modified KN probabilities of every seen n-gram (unpruned model); sets o.p, o.gamma_ctx, o.disc."""
    N = len(orders)
    for n, o in enumerate(orders, start=1):
        if n == N:
            a = o.raw.copy()
        else:
            # continuation count: distinct words seen to the left (= (n+1)-grams with this suffix)
            a = np.bincount(orders[n].suf, minlength=len(o.keys))
            # nothing can precede <s>, so those n-grams keep their raw count (as lmplz does)
            s = o.first == bos
            a[s] = o.raw[s]
        if n == 1:
            a[bos] = 0  # <s> is never predicted
        o.adj = a
        o.disc = kn_discounts(a[a > 0], f"order {n}")
        da = o.disc[np.minimum(a, 3)]
        if n == 1:
            total = a.sum()
            gamma = da.sum() / total
            o.p = (a - da) / total + gamma / (V - 1)  # uniform over every word but <s>
            o.p[bos] = 0.0
            o.gamma_empty = gamma
        else:
            m_prev = len(orders[n - 2].keys)
            den = np.bincount(o.ctx, weights=a, minlength=m_prev)
            dsum = np.bincount(o.ctx, weights=da, minlength=m_prev)
            with np.errstate(invalid="ignore", divide="ignore"):
                gamma = np.where(den > 0, dsum / den, 1.0)
            o.p = (a - da) / den[o.ctx] + gamma[o.ctx] * orders[n - 2].p[o.suf]
            orders[n - 2].gamma = gamma  # interpolation weight of each (n-1)-gram as a context


def select(orders, prune):
    """Which n-grams are written: raw count >= Cn, closed under prefix and suffix (ARPA needs both)."""
    N = len(orders)
    for n, o in enumerate(orders, start=1):
        o.keep = np.ones(len(o.keys), bool) if n == 1 else o.raw >= prune[n - 1]
    for n in range(N, 1, -1):
        o, lo = orders[n - 1], orders[n - 2]
        lo.keep[o.ctx[o.keep]] = True
        lo.keep[o.suf[o.keep]] = True


def quantise(orders, digits, bos):
    """Round log10 probabilities to `digits` decimals and compute every written context's backoff from the rounded
    values, so the written model is normalised (not just the estimate)."""
    scale = 10 ** digits
    N = len(orders)
    for n, o in enumerate(orders, start=1):
        o.q = np.round(np.log10(np.where(o.p > 0, o.p, 1.0)) * scale).astype(np.int64)
        if n == 1:
            o.q[bos] = int(round(NO_PROB * scale))
        o.pr = np.where(o.q > NO_PROB * scale + 1, 10.0 ** (o.q / scale), 0.0)  # the probability as written
        o.qb = np.zeros(len(o.keys), dtype=np.int64)
    for n in range(2, N + 1):
        o, lo = orders[n - 1], orders[n - 2]
        k = o.keep
        m = len(lo.keys)
        ctx, suf = o.ctx[k], o.suf[k]
        # the suffix of a written n-gram is written too, so the lower-order ARPA probability is lo.pr[suf]
        num_r = 1.0 - np.bincount(ctx, weights=o.pr[k], minlength=m)
        den_r = 1.0 - np.bincount(ctx, weights=lo.pr[suf], minlength=m)
        num_x = 1.0 - np.bincount(ctx, weights=o.p[k], minlength=m)
        den_x = 1.0 - np.bincount(ctx, weights=lo.p[suf], minlength=m)
        with np.errstate(invalid="ignore", divide="ignore"):
            a_r = num_r / den_r
            a_x = num_x / den_x
            # where rounding ate most of a tiny leftover mass, fall back to the exact leftover (SRILM's way)
            ok = (num_r > 0) & (den_r > 0) & (num_r > 0.5 * num_x) & (num_r < 2 * num_x)
            alpha = np.where(ok, a_r, a_x)
        has = np.bincount(ctx, minlength=m) > 0
        alpha = np.where(has & (alpha > 0), alpha, 1.0)
        lo.qb = np.round(np.log10(alpha) * scale).astype(np.int64)
        lo.has_bo = has & (lo.qb != 0)
    orders[-1].has_bo = np.zeros(len(orders[-1].keys), bool)


def fmt_fixed(q, digits):
    """Integer q (value * 10^digits) as the shortest exact decimal: -12300 -> '-1.23'."""
    if q == 0:
        return "0"
    ip, fp = divmod(abs(q), 10 ** digits)
    s = ("-" if q < 0 else "") + str(ip)
    if fp:
        s += "." + str(fp).rjust(digits, "0").rstrip("0")
    return s


def fmt_all(q, digits):
    uq, inv = np.unique(q, return_inverse=True)
    table = [fmt_fixed(int(v), digits) for v in uq]
    return [table[i] for i in inv.reshape(-1).tolist()]


def write_arpa(path, orders, words, digits):
    counts = [int(o.keep.sum()) for o in orders]
    if path.endswith(".gz"):
        raw = open(path, "wb")
        f = gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=raw, mtime=0)
    else:
        raw, f = None, open(path, "wb")
    head = ["\\data\\"] + [f"ngram {n}={c}" for n, c in enumerate(counts, start=1)] + [""]
    f.write(("\n".join(head) + "\n").encode())
    prev_str = words
    for n, o in enumerate(orders, start=1):
        ki = np.nonzero(o.keep)[0]
        ps = fmt_all(o.q[ki], digits)
        bo_mask = o.has_bo[ki]
        bs = fmt_all(o.qb[ki], digits)
        if n == 1:
            strs = [words[i] for i in ki.tolist()]
        else:
            strs = [prev_str[c] + " " + words[w] for c, w in zip(o.ctx[ki].tolist(), o.w[ki].tolist())]
        lines = [f"{p}\t{s}\t{b}" if hb else f"{p}\t{s}" for p, s, b, hb in zip(ps, strs, bs, bo_mask.tolist())]
        f.write((f"\\{n}-grams:\n" + "\n".join(lines) + "\n\n").encode())
        if n < len(orders):
            # only written n-grams can be prefixes of written (n+1)-grams
            full = [None] * len(o.keys)
            for i, s in zip(ki.tolist(), strs):
                full[i] = s
            prev_str = full
    f.write(b"\\end\\\n")
    f.close()
    if raw:
        raw.close()
    return counts


# ----------------------------------------------------------------------------------------------------------------------
# reading back and querying

class Arpa:
    """An ARPA file as written: log10 p and backoff per n-gram (tuples of word ids), queried with backoff semantics."""

    def __init__(self, path):
        self.vocab = {}
        self.prob = {}
        self.bo = {}
        self.counts = []
        self.order = 0
        n = 0
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if not line:
                    continue
                if line.startswith("\\"):
                    if line.endswith("-grams:"):
                        n = int(line[1:line.index("-")])
                        self.order = max(self.order, n)
                    elif line == "\\end\\":
                        break
                    continue
                if n == 0:
                    if line.startswith("ngram "):
                        self.counts.append(int(line.split("=")[1]))
                    continue
                parts = line.split("\t")
                ws = parts[1].split(" ")
                if n == 1:
                    key = (self.vocab.setdefault(ws[0], len(self.vocab)),)
                else:
                    key = tuple(map(self.vocab.__getitem__, ws))
                self.prob[key] = float(parts[0])
                if len(parts) > 2:
                    self.bo[key] = float(parts[2])
        found = [sum(1 for k in self.prob if len(k) == m) for m in range(1, self.order + 1)]
        assert found == self.counts, f"header says {self.counts} n-grams, file has {found}"
        self.bos, self.eos, self.unk = self.vocab[BOS], self.vocab[EOS], self.vocab.get(UNK)

    def logp(self, hist, w):
        """log10 p(w | hist), hist a tuple of ids (only the last order-1 are used)."""
        hist = hist[-(self.order - 1):] if self.order > 1 else ()
        acc = 0.0
        for k in range(len(hist), -1, -1):
            h = hist[len(hist) - k:]
            p = self.prob.get(h + (w,))
            if p is not None:
                return acc + p
            acc += self.bo.get(h, 0.0)
        raise KeyError(w)

    def context_sum(self, hist):
        """Sum of p(w | hist) over every word that can be predicted (all but <s>)."""
        return sum(10.0 ** self.logp(hist, w) for w in self.vocab.values() if w != self.bos)

    def ppl(self, sents, folded=None):
        """SRILM-style perplexity, and the 'fair' one when `folded` (training words mapped to <unk>) is given."""
        res = {"sents": len(sents), "words": 0, "oov": 0, "logprob": 0.0}
        fair = {"oov": 0, "logprob": 0.0, "folded": 0}
        penalty = math.log10(len(folded)) if folded else 0.0
        for s in sents:
            ws = s.split()
            res["words"] += len(ws)
            h, hf = (self.bos,), (self.bos,)
            for w in ws + [EOS]:
                i = self.vocab.get(w) if w != BOS else None
                if i is None:
                    res["oov"] += 1
                    h = ()
                else:
                    res["logprob"] += self.logp(h, i)
                    h = h + (i,)
                if folded is None:
                    continue
                if i is not None:
                    fair["logprob"] += self.logp(hf, i)
                    hf = hf + (i,)
                elif w in folded and self.unk is not None:
                    fair["logprob"] += self.logp(hf, self.unk) - penalty
                    fair["folded"] += 1
                    hf = hf + (self.unk,)
                else:
                    fair["oov"] += 1
                    hf = ()
        n = res["words"] - res["oov"] + res["sents"]
        res["ppl"] = 10.0 ** (-res["logprob"] / n)
        if folded is not None:
            nf = res["words"] - fair["oov"] + res["sents"]
            res["fair_ppl"] = 10.0 ** (-fair["logprob"] / nf)
            res["fair_oov"], res["folded"] = fair["oov"], fair["folded"]
        return res


def rounding_tolerance(digits):
    """How far a written context's sum may be from 1: 1e-3, or what rounding alone allows at few digits. A backoff
    rounded to D decimals scales the backed-off mass by up to 10^(0.5*10^-D) - 1 (1.15e-3 at D = 3, 1.15e-4 at D = 4),
    and the lower order's own error adds as much again; nothing else in the file can absorb it."""
    return max(1e-3, 2 * (10 ** (0.5 * 10 ** -digits) - 1))


def check_normalisation(lm, n_ctx=8, seed=0, tol=1e-3, verbose=True):
    """For sampled contexts of every order (seen ones, <s>, and unseen ones) the written distribution sums to 1."""
    rng = random.Random(seed)
    ids = sorted(i for i in lm.vocab.values() if i not in (lm.bos, lm.eos))
    ctxs = [(), (lm.bos,)]
    for m in range(1, lm.order):
        seen = sorted(k for k in lm.prob if len(k) == m and k[-1] != lm.eos)
        with_bo = sorted(k for k in seen if k in lm.bo)
        ctxs += rng.sample(with_bo, min(n_ctx, len(with_bo)))
        ctxs += rng.sample(seen, min(n_ctx // 2, len(seen)))  # includes contexts all of whose extensions were pruned
        ctxs += [tuple(rng.choice(ids) for _ in range(m)) for _ in range(2)]  # most likely unseen
        if m >= 2:
            ctxs += [(lm.bos,) + tuple(rng.choice(ids) for _ in range(m - 1))]
    worst = 0.0
    for h in ctxs:
        s = lm.context_sum(h)
        worst = max(worst, abs(s - 1.0))
    if verbose:
        print(f"normalisation: {len(ctxs)} contexts, max |sum - 1| = {worst:.2e} (tolerance {tol:g})")
    return worst <= tol, worst


# ----------------------------------------------------------------------------------------------------------------------
# driver

def build(train, order, prune, max_vocab, digits, out, verbose=True):
    """train: list of sentences (str). Writes `out`; returns a dict of facts for the summary."""
    t0 = time.time()
    wc = Counter(w for s in train for w in s.split())
    wc.pop(BOS, None), wc.pop(EOS, None), wc.pop(UNK, None)
    kept = [w for w, c in wc.items() if c >= prune[0]]
    if max_vocab and len(kept) > max_vocab:
        kept = sorted(kept, key=lambda w: (-wc[w], w))[:max_vocab]
    # ids: specials, then words alphabetically, so the ARPA sections come out sorted
    words = [EOS, BOS, UNK] + sorted(kept)
    wid = {w: i for i, w in enumerate(words)}
    V = len(words)
    eos, bos, unk = 0, 1, 2
    sents = [[bos] + [wid.get(w, unk) for w in s.split()] + [eos] for s in train]
    folded = set(wc) - set(kept)
    if verbose:
        n_tok = sum(wc.values())
        print(f"vocabulary: {V - 3} words + {EOS} {BOS} {UNK}; {len(folded)} types "
              f"({sum(wc[w] for w in folded)} of {n_tok} tokens) folded into {UNK}")
    orders = count_ngrams(sents, order, V)
    t1 = time.time()
    estimate(orders, V, bos)
    select(orders, prune)
    quantise(orders, digits, bos)
    t2 = time.time()
    counts = write_arpa(out, orders, words, digits)
    t3 = time.time()
    if verbose:
        for n, o in enumerate(orders, start=1):
            d = ", ".join(f"{x:.4f}" for x in o.disc[1:])
            print(f"order {n}: {len(o.keys)} seen, {counts[n - 1]} written; discounts {d}")
        print(f"times: count {t1 - t0:.1f} s, estimate {t2 - t1:.1f} s, write {t3 - t2:.1f} s")
    return {"counts": counts, "folded": folded, "orders": orders, "words": words}


def parse_prune(s, order):
    c = [int(x) for x in s.split(",")] if s else [1]
    if len(c) > order:
        raise SystemExit(f"--prune has {len(c)} values for order {order}")
    c += [c[-1]] * (order - len(c))
    if min(c) < 1:
        raise SystemExit("--prune thresholds must be >= 1")
    return c


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--text", help="training sentences (gzip or plain), one per line")
    ap.add_argument("--exclude", action="append", default=[], help="drop these exact sentences (repeatable)")
    ap.add_argument("--order", type=int, default=3)
    ap.add_argument("--prune", default="", help="minimum raw count per order, e.g. 1,2,3 (default: keep all)")
    ap.add_argument("--max-vocab", type=int, default=0, help="keep the K most frequent words, the rest -> <unk>")
    ap.add_argument("--digits", type=int, default=4, help="decimals of the log10 values in the file")
    ap.add_argument("--out", help=".arpa or .arpa.gz")
    ap.add_argument("--eval", action="append", default=[], help="sentences to measure perplexity on (repeatable)")
    ap.add_argument("--check", action="store_true", help="check the written file's normalisation on sampled contexts")
    ap.add_argument("--self-test", action="store_true", help="run the built-in tests on synthetic text and exit")
    args = ap.parse_args(argv)
    if args.self_test:
        return 0 if self_test() else 1
    if not args.text or not args.out:
        ap.error("--text and --out are required")
    prune = parse_prune(args.prune, args.order)
    t0 = time.time()
    train = read_lines(args.text)
    n_read = len(train)
    if args.exclude:
        held = set()
        for p in args.exclude:
            held.update(read_lines(p))
        train = [s for s in train if s not in held]
    print(f"{args.text}: {n_read} sentences; dropped {n_read - len(train)} that occur in --exclude "
          f"({len(held) if args.exclude else 0} held-out sentences); training on {len(train)}, "
          f"{sum(len(s.split()) for s in train)} words")
    print(f"order {args.order}, prune {','.join(map(str, prune))}, max vocab {args.max_vocab or 'all'}, "
          f"digits {args.digits}")
    info = build(train, args.order, prune, args.max_vocab, args.digits, args.out)
    size = os.path.getsize(args.out)
    print(f"wrote {args.out}: {size} bytes; n-grams " +
          ", ".join(f"{n}={c}" for n, c in enumerate(info["counts"], start=1)) + f" ({time.time() - t0:.1f} s)")
    del info["orders"]
    ok = True
    if args.eval or args.check:
        t1 = time.time()
        lm = Arpa(args.out)
        print(f"read back in {time.time() - t1:.1f} s")
        for p in args.eval:
            r = lm.ppl(read_lines(p), info["folded"])
            print(f"eval {p}: {r['sents']} sentences, {r['words']} words, {r['oov']} OOV; "
                  f"logprob {r['logprob']:.2f}, ppl {r['ppl']:.2f}; fair ppl {r['fair_ppl']:.2f} "
                  f"({r['folded']} words scored as {UNK} / {len(info['folded'])}, {r['fair_oov']} unseen skipped)")
        if args.check:
            ok, _ = check_normalisation(lm, tol=rounding_tolerance(args.digits))
            print("check:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


# ----------------------------------------------------------------------------------------------------------------------
# self-test: an independent, plain-dict implementation of the same estimates, and normalisation of written files

def synthetic_text(n_sent=4000, n_words=3000, seed=1):
    """Zipf-like words from a random sparse second-order Markov chain: enough repetition for valid discounts."""
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(n_words)]
    zipf = [1.0 / (i + 1) for i in range(n_words)]
    follow = {}
    out = []
    for _ in range(n_sent):
        prev2, prev = "<s>", "<s>"
        s = []
        for _ in range(rng.randint(3, 15)):
            key = (prev2, prev)
            if key not in follow:
                follow[key] = rng.choices(vocab, zipf, k=rng.randint(1, 6))
            w = rng.choice(follow[key]) if rng.random() < 0.7 else rng.choices(vocab, zipf)[0]
            s.append(w)
            prev2, prev = prev, w
        out.append(" ".join(s))
    return out


def reference_kn(train, order, vocab_words):
    """Textbook interpolated modified KN over word strings (no numpy): {ngram tuple: p} for every seen n-gram."""
    vocab = set(vocab_words)
    raw = [Counter() for _ in range(order + 1)]
    for s in train:
        t = [BOS] + [w if w in vocab else UNK for w in s.split()] + [EOS]
        for j in range(len(t)):
            for n in range(1, order + 1):
                if j - n + 1 >= 0:
                    raw[n][tuple(t[j - n + 1:j + 1])] += 1
    adj = [None] * (order + 1)
    adj[order] = dict(raw[order])
    for n in range(order - 1, 0, -1):
        left = Counter(g[1:] for g in raw[n + 1])
        adj[n] = {g: (c if g[0] == BOS else left[g]) for g, c in raw[n].items()}
    adj[1].pop((BOS,), None)
    disc = [None]
    for n in range(1, order + 1):
        t = Counter(min(c, 5) for c in adj[n].values())
        y = t[1] / (t[1] + 2 * t[2])
        disc.append({1: 1 - 2 * y * t[2] / t[1], 2: 2 - 3 * y * t[3] / t[2], 3: 3 - 4 * y * t[4] / t[3]})
    preds = [w for w in list(vocab) + [UNK, EOS]]
    ctx_tot = [None] + [defaultdict(float) for _ in range(order)]
    ctx_d = [None] + [defaultdict(float) for _ in range(order)]
    for n in range(1, order + 1):
        for g, c in adj[n].items():
            ctx_tot[n][g[:-1]] += c
            ctx_d[n][g[:-1]] += disc[n][min(c, 3)]
    memo = {}

    def p(g):
        if g in memo:
            return memo[g]
        n = len(g)
        h = g[:-1]
        c = adj[n].get(g, 0)
        if n == 1:
            tot = ctx_tot[1][()]
            r = ((c - disc[1][min(c, 3)]) if c else 0) / tot + ctx_d[1][()] / tot / len(preds)
        elif ctx_tot[n][h] == 0:
            r = p(g[1:])
        else:
            r = ((c - disc[n][min(c, 3)]) if c else 0) / ctx_tot[n][h] + ctx_d[n][h] / ctx_tot[n][h] * p(g[1:])
        memo[g] = r
        return r

    seen = [g for n in range(1, order + 1) for g in raw[n] if g != (BOS,)]
    return {g: p(g) for g in seen + [(w,) for w in preds]}, raw


def self_test():
    text = synthetic_text()
    held = text[::50]
    train = [s for s in text if s not in set(held)]
    ok_all = True
    cases = [  # (order, prune, max_vocab, digits)
        (3, [1, 1, 1], 0, 4),
        (3, [1, 2, 3], 0, 4),
        (3, [2, 3, 4], 0, 4),
        (3, [1, 3, 2], 0, 4),  # non-monotone thresholds: closure must keep prefixes/suffixes
        (2, [1, 2], 0, 3),
        (4, [1, 1, 2, 2], 120, 4),
        (1, [1], 0, 4),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for order, prune, max_vocab, digits in cases:
            name = f"order {order} prune {','.join(map(str, prune))} max-vocab {max_vocab or 'all'} digits {digits}"
            print(f"-- {name}")
            path = os.path.join(tmp, "t.arpa.gz")
            info = build(train, order, prune, max_vocab, digits, path, verbose=False)
            lm = Arpa(path)
            ok, worst = check_normalisation(lm, n_ctx=10, seed=order, tol=rounding_tolerance(digits))
            # an independent implementation must give the same probability for every written n-gram
            ref, raw = reference_kn(train, order, info["words"][3:])
            inv = {i: w for w, i in lm.vocab.items()}
            tol = 0.5 * 10 ** -digits + 1e-9
            dev = max(abs(math.log10(ref[tuple(inv[i] for i in k)]) - v)
                      for k, v in lm.prob.items() if k != (lm.bos,))
            ok_ref = dev <= tol
            # the written set is exactly: raw count >= Cn, plus prefixes/suffixes of written n-grams
            want = [set() for _ in range(order + 1)]
            for n in range(order, 0, -1):
                for g, c in raw[n].items():
                    if n == 1 or c >= prune[n - 1] or g in want[n]:
                        want[n].add(g)
                        if n > 1:
                            want[n - 1].add(g[:-1])
                            want[n - 1].add(g[1:])
            got = [set() for _ in range(order + 1)]
            for k in lm.prob:
                got[len(k)].add(tuple(inv[i] for i in k))
            want[1] |= {(w,) for w in info["words"]}  # every vocabulary word, <unk> even if unseen
            ok_set = all(got[n] == want[n] for n in range(1, order + 1))
            ppl = lm.ppl(held, info["folded"])
            print(f"   written {lm.counts}; vs reference max |dlog10 p| {dev:.1e} (tol {tol:.1e}) "
                  f"{'ok' if ok_ref else 'FAIL'}; n-gram set {'ok' if ok_set else 'FAIL'}; "
                  f"held-out ppl {ppl['ppl']:.2f} (fair {ppl['fair_ppl']:.2f}, {ppl['oov']} OOV)")
            ok_all &= ok and ok_ref and ok_set
    print("self-test:", "PASS" if ok_all else "FAIL")
    return ok_all


if __name__ == "__main__":
    sys.exit(main())
