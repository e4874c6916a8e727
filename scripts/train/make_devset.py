#!/usr/bin/env python3
"""The development set: 180 clips (60 per synthesizer, training voices) of held-out sentences that the test plan does
not use, written as 16 kHz WAVs with a manifest.json for `npm run eval -- --set DIR`. Decoding settings (beam size, LM
weight, word bonus, <unk> penalty) and the choice between candidate weights are made on this set, so the test sets
stay a measurement.

  TTS_ROOT=$PWD/.train/root .train/venv/bin/python scripts/train/make_devset.py --test-text .train/devA/test.txt.gz \
      --out .train/devset
"""
import argparse
import gzip
import json
import multiprocessing as mp
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import synth  # noqa: E402
from finalize import write_wav  # noqa: E402
from train import build_test_plan  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--test-text", required=True, help="the held-out sentences (test.txt.gz)")
ap.add_argument("--out", required=True)
ap.add_argument("--per-synth", type=int, default=60)
a = ap.parse_args()

test_s = [s for s in gzip.open(a.test_text, "rt").read().split("\n") if s]
used = {it["text"] for it in build_test_plan(test_s)}
dev_s = [s for s in test_s if s not in used]
print(f"dev sentences {len(dev_s)} of {len(test_s)} held-out sentences")
plan = []
for si, name in enumerate(["espeak", "flite", "festival"]):
    # seeds and indices apart from the training pools and the test plan
    p = synth.make_plan(dev_s, a.per_synth, 3000 + si, {name: 1.0}, start_idx=20_000_000 + 100 * si)
    for it in p:
        it["test"] = "dev_" + name
    plan += p
chunks = [plan[i:i + 10] for i in range(0, len(plan), 10)]
with mp.get_context("fork").Pool(2) as pool:
    audio = {i: x for rr in pool.map(synth.synth_chunk, chunks) for i, x in rr if x is not None}
os.makedirs(a.out, exist_ok=True)
manifest = []
for k, it in enumerate(p for p in plan if p["idx"] in audio):
    name = f"{it['test']}_{k:03d}.wav"
    x = np.asarray(audio[it["idx"]])
    write_wav(os.path.join(a.out, name), x if x.dtype == np.int16 else np.clip(np.round(x * 32767), -32768, 32767).astype(np.int16))
    manifest.append({"file": name, "text": it["text"], "synth": it["test"][4:], "set": "dev"})
json.dump(manifest, open(os.path.join(a.out, "manifest.json"), "w"), indent=0)
print(f"{len(manifest)} clips in {a.out}")
