#!/usr/bin/env python3
"""Build the English sentence corpus from Debian text packages (runs on the dev machine, no GPU).

Sources (unpacked with `dpkg -x` into --root): fortunes, fortunes-min, fortunes-bofh-excuses (strfile text),
wordnet-base (glosses, example sentences, verb-frame templates), wamerican (word list, for templates).
Normalisation: lowercase ASCII letters and apostrophes only, numbers spelled out, 3..25 words.
Split: a sentence is held out (test) when sha1(sentence) % 100 < TEST_PCT; the test split is never trained on.

Output (gzip text, one sentence per line): OUT/train.txt.gz, OUT/test.txt.gz and OUT/spm_train.txt (for SentencePiece).
Deterministic: same packages -> byte-identical output.
"""
import argparse
import glob
import gzip
import hashlib
import os
import random
import re

ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen " \
       "seventeen eighteen nineteen".split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def num2words(n: int) -> str:
    if n < 20:
        return ONES[n]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else " " + ONES[n % 10])
    if n < 1000:
        r = n % 100
        return ONES[n // 100] + " hundred" + ("" if r == 0 else " and " + num2words(r))
    if n < 1000000:
        r = n % 1000
        return num2words(n // 1000) + " thousand" + ("" if r == 0 else " " + num2words(r))
    return " ".join(ONES[int(c)] for c in str(n))


def year_words(n: int) -> str:
    if 1100 <= n <= 1999 and n % 100 != 0:
        return num2words(n // 100) + " " + (("oh " + ONES[n % 100]) if n % 100 < 10 else num2words(n % 100))
    return num2words(n)


_APOS = re.compile(r"[\u2018\u2019`]")
_NUM = re.compile(r"\d+")
_BAD = re.compile(r"[^a-z' ]")


def normalise(s: str):
    s = _APOS.sub("'", s).lower()
    s = s.replace("&", " and ").replace("%", " percent ").replace("+", " plus ").replace("@", " at ")

    def numrep(m):
        v = int(m.group(0)) if len(m.group(0)) < 7 else 0
        if len(m.group(0)) >= 7:
            return " " + " ".join(ONES[int(c)] for c in m.group(0)) + " "
        return " " + (year_words(v) if 1100 <= v <= 2099 else num2words(v)) + " "
    s = _NUM.sub(numrep, s)
    if re.search(r"[^\x00-\x7f]", s):
        return None
    s = re.sub(r"[-_/.,;:!?\"()\[\]{}<>*#=|~^$\\]", " ", s)
    if _BAD.search(s):
        return None
    words = []
    for w in s.split():
        w = w.strip("'")
        if not w:
            continue
        if w.count("'") > 1:
            return None
        words.append(w)
    if not (3 <= len(words) <= 25):
        return None
    # skip things that are unlikely to be spoken sentences (very long words, letters soup)
    if max(len(w) for w in words) > 18:
        return None
    return " ".join(words)


def split_sentences(text: str):
    text = re.sub(r"\s+", " ", text)
    # split at sentence ends
    for part in re.split(r"(?<=[.!?;])\s+", text):
        part = part.strip()
        if part:
            yield part


def fortunes(root):
    skip = {"ascii-art", "art"}
    for f in sorted(glob.glob(os.path.join(root, "usr/share/games/fortunes/*"))):
        base = os.path.basename(f)
        if "." in base or base in skip or os.path.isdir(f):
            continue
        with open(f, encoding="latin-1") as fh:
            data = fh.read()
        for entry in re.split(r"\n%\n", data):
            lines = [l for l in entry.split("\n") if not l.strip().startswith("--") and not l.startswith("\t\t")]
            for s in split_sentences(" ".join(lines)):
                yield s


def wordnet(root):
    for pos in ("noun", "verb", "adj", "adv"):
        with open(os.path.join(root, f"usr/share/wordnet/data.{pos}"), encoding="latin-1") as fh:
            for line in fh:
                if line.startswith(" ") or "|" not in line:
                    continue
                gloss = line.split("|", 1)[1]
                parts = gloss.split(";")
                for p in parts:
                    p = p.strip()
                    if p.startswith('"'):
                        p = p.strip('" ')
                    yield p


def verb_templates(root, rng):
    tmpl = []
    with open(os.path.join(root, "usr/share/wordnet/sents.vrb"), encoding="latin-1") as fh:
        for line in fh:
            parts = line.strip().split(" ", 1)
            if len(parts) == 2 and "%s" in parts[1]:
                tmpl.append(parts[1])
    verbs = []
    with open(os.path.join(root, "usr/share/wordnet/index.verb"), encoding="latin-1") as fh:
        for line in fh:
            if line.startswith(" "):
                continue
            w = line.split(" ", 1)[0]
            if "_" not in w and w.isalpha():
                verbs.append(w)
    for _ in range(20000):
        yield rng.choice(tmpl).replace("%s", rng.choice(verbs))


def word_templates(root, rng):
    words = []
    with open(os.path.join(root, "usr/share/dict/american-english"), encoding="latin-1") as fh:
        for line in fh:
            w = line.strip()
            if w.isalpha() and w.islower() and 3 <= len(w) <= 12:
                words.append(w)
    frames = [
        "the next word is {w}", "please write down the word {w}", "can you spell {w} for me",
        "i said {w} not {v}", "{w} and {v} are both on the list", "say {w} again",
        "the word {w} comes before {v}", "is {w} a real word", "type {w} then {v} then {u}",
        "my favourite word today is {w}", "we talked about {w} and {v} yesterday", "{w} {v} {u}",
        "look up {w} in the dictionary", "how do you pronounce {w}",
    ]
    for _ in range(25000):
        yield rng.choice(frames).format(w=rng.choice(words), v=rng.choice(words), u=rng.choice(words))


def number_sentences(rng):
    frames = [
        "it costs {n} dollars", "the meeting starts at {h} o'clock", "there were {n} people in the room",
        "call me back in {m} minutes", "the train leaves at {h} {m2}", "she was born in {y}",
        "turn left after {n} meters", "page {n} of the report", "we need {n} more chairs", "room number {n}",
        "the temperature dropped to {n} degrees", "he ran {m} miles this morning", "about {n} percent of them agreed",
    ]
    for _ in range(8000):
        yield rng.choice(frames).format(n=num2words(rng.randint(0, 2000)), h=num2words(rng.randint(1, 12)),
                                        m=num2words(rng.randint(2, 59)), m2=num2words(rng.randint(10, 59)),
                                        y=year_words(rng.randint(1900, 2030)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=".train/textroot")
    ap.add_argument("--out", default=".train/text")
    ap.add_argument("--test-pct", type=int, default=2)
    a = ap.parse_args()
    rng = random.Random(1234)
    seen = set()
    train, test = [], []
    counts = {}
    for name, gen in (("fortunes", fortunes(a.root)), ("wordnet", wordnet(a.root)),
                      ("verbframes", verb_templates(a.root, rng)), ("wordlist", word_templates(a.root, rng)),
                      ("numbers", number_sentences(rng))):
        n = 0
        for s in gen:
            s = normalise(s)
            if s is None or s in seen:
                continue
            seen.add(s)
            n += 1
            h = int(hashlib.sha1(s.encode()).hexdigest(), 16)
            # templated sentences are never held out (they would leak through the template)
            if name in ("fortunes", "wordnet") and h % 100 < a.test_pct:
                test.append(s)
            else:
                train.append(s)
        counts[name] = n
    train.sort(key=lambda s: hashlib.sha1(s.encode()).hexdigest())
    test.sort(key=lambda s: hashlib.sha1(s.encode()).hexdigest())
    os.makedirs(a.out, exist_ok=True)
    for fn, lst in (("train.txt.gz", train), ("test.txt.gz", test)):
        with gzip.GzipFile(os.path.join(a.out, fn), "wb", mtime=0) as fh:
            fh.write(("\n".join(lst) + "\n").encode())
    with open(os.path.join(a.out, "spm_train.txt"), "w") as fh:
        fh.write("\n".join(train) + "\n")
    print("sources", counts, "train", len(train), "test", len(test))


if __name__ == "__main__":
    main()
