#!/usr/bin/env python3
"""Where a training step's time goes (GPU machine): featurizer, encoder, predictor + joint, TDT loss, CTC, backward,
optimizer, on random audio shaped like train.py's batches (800 s of audio, short / mid / long utterances).

`python3 scripts/train/profile_step.py [--device cuda] [--iters 10]`: prints milliseconds per part (CUDA-synchronised
wall time, mean of --iters after 3 warm-ups) and the share of the TDT loss, to decide whether a fused loss pays;
"fast TDT" is tdt_loss_fast (train.py --loss fast), measured alone like the autograd loss.
"""
import argparse
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from features import Nemo128  # noqa: E402
from model import TDTModel  # noqa: E402
from tdt import tdt_loss, tdt_loss_fast  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
ap.add_argument("--iters", type=int, default=10)
ap.add_argument("--scale", type=float, default=1.0, help="batch size factor (0.05 for a CPU smoke run)")
a = ap.parse_args()
dev = a.device
torch.backends.cuda.matmul.allow_tf32 = True
torch.manual_seed(0)
fbank = os.environ.get("NEMO_FBANK", "test/fixtures/nemo128/fbank_257x128.f32")
feat = Nemo128(fbank).to(dev)
model = TDTModel(vocab=256).to(dev)
opt = torch.optim.AdamW(model.parameters(), lr=1e-5)
cuda = dev.startswith("cuda")


def sync():
    if cuda:
        torch.cuda.synchronize()


def timed(fn, iters):
    for _ in range(3):
        fn()
    sync()
    t = time.perf_counter()
    for _ in range(iters):
        fn()
    sync()
    return 1000 * (time.perf_counter() - t) / iters


# (utterances, seconds each, tokens each): ≈ 800 s of audio per batch, as --batch-sec 800 builds them
shapes = [(256, 3.0, 12), (130, 6.0, 28), (50, 16.0, 70)]
print(f"device {torch.cuda.get_device_name() if cuda else 'cpu'}, torch {torch.__version__}")
print("batch                | feats | encoder | pred+joint | TDT fwd+bwd | fast TDT | CTC fwd+bwd | whole step | TDT share")
for B, secs, U in shapes:
    B = max(2, int(B * a.scale))
    n = int(secs * 16000)
    x = torch.randn(B, n, device=dev) * 0.1
    lens = torch.full((B,), n, device=dev)
    y = torch.randint(0, 256, (B, U), device=dev)
    ylen = torch.full((B,), U, device=dev)
    blank = model.vocab
    pin = torch.cat([torch.full((B, 1), blank, dtype=torch.long, device=dev), y], 1)
    f, fl = feat(x, lens)
    with torch.autocast("cuda", dtype=torch.bfloat16, enabled=cuda):
        enc, elen = model.encoder(f, fl)
        g, _ = model.predictor(pin)
        logits = model.joint(enc, g)
    lg = logits.detach().float().requires_grad_(True)
    lp = torch.log_softmax(model.ctc(enc).float(), -1).detach().transpose(0, 1).requires_grad_(True)

    def step():
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=cuda):
            e, el = model.encoder(f, fl)
            gg, _ = model.predictor(pin)
            lo = model.joint(e, gg)
        loss = tdt_loss(lo.float(), y, el, ylen, blank, model.durations).sum() / (ylen.float() + 1).sum()
        lc = torch.nn.functional.ctc_loss(torch.log_softmax(model.ctc(e).float(), -1).transpose(0, 1), y, el, ylen,
                                          blank=blank, reduction="sum", zero_infinity=True)
        loss = loss + 0.3 * lc / (ylen.float() + 1).sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    def encoder_only():
        with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16, enabled=cuda):
            model.encoder(f, fl)

    def pred_joint():
        with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16, enabled=cuda):
            gg, _ = model.predictor(pin)
            model.joint(enc, gg)

    def tdt_only():
        tdt_loss(lg, y, elen, ylen, blank, model.durations).sum().backward()

    def tdt_fast():
        tdt_loss_fast(lg, y, elen, ylen, blank, model.durations).sum().backward()

    def ctc_only():
        torch.nn.functional.ctc_loss(lp, y, elen, ylen, blank=blank, reduction="sum", zero_infinity=True).backward()

    # the fast loss must agree with autograd on this device before a run trusts it
    lg.grad = None
    ref = tdt_loss(lg, y, elen, ylen, blank, model.durations)
    ref.sum().backward()
    g_ref = lg.grad.clone()
    lg.grad = None
    fast = tdt_loss_fast(lg, y, elen, ylen, blank, model.durations)
    fast.sum().backward()
    print(f"  fast vs autograd: loss max |diff| {float((fast - ref).detach().abs().max()):.2e} (loss ~{float(ref.detach().abs().max()):.1f}), "
          f"grad max |diff| {float((lg.grad - g_ref).abs().max()):.2e}", flush=True)
    lg.grad = None

    r = {"feats": timed(lambda: feat(x, lens), a.iters), "enc": timed(encoder_only, a.iters),
         "pj": timed(pred_joint, a.iters), "tdt": timed(tdt_only, a.iters), "fast": timed(tdt_fast, a.iters), "ctc": timed(ctc_only, a.iters),
         "step": timed(step, a.iters)}
    T = int(elen.max())
    print(f"{B:3d} x {secs:4.1f} s (T' {T:3d}, U {U:2d}) | {r['feats']:5.1f} | {r['enc']:7.1f} | {r['pj']:10.1f} | "
          f"{r['tdt']:11.1f} | {r['fast']:8.1f} | {r['ctc']:11.1f} | {r['step']:10.1f} | {100 * r['tdt'] / r['step']:5.0f} %", flush=True)
