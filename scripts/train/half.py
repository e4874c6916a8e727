#!/usr/bin/env python3
"""Convert sharded weights (model.pt.part*) to fp16 shards: 28 MB instead of 56, so they fit a device call's carry.

train.py --resume loads them into the fp32 model (the optimizer restarts anyway).
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train import half_state, load_sharded, save_sharded  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("src", help="shard prefix, e.g. .train/device_runs/run2_final/model.pt")
ap.add_argument("dst", help="shard prefix to write")
a = ap.parse_args()
ck = load_sharded(a.src)
ck["model"] = half_state(ck["model"])
os.makedirs(os.path.dirname(a.dst) or ".", exist_ok=True)
print(save_sharded(ck, a.dst))
