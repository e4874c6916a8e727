#!/usr/bin/env python3
"""Train the tiny TDT model on synthetic speech (GPU machine), stopping itself at a wall-clock budget.

Steps: nemo128 fixture check (abort > 1e-3) -> start synthesis workers (test sets first) -> smoke (2 steps + ONNX
export + onnxruntime check) -> train until the budget -> final checkpoint, ONNX export, int8, ORT WER per test set.
"""
import argparse
import gzip
import io
import json
import math
import multiprocessing as mp
import os
import random
import sys
import threading
import time

import numpy as np
import torch
import torch.distributed as dist

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import augment  # noqa: E402
import export  # noqa: E402
import synth  # noqa: E402
from features import Nemo128, check_fixtures  # noqa: E402
from model import TDTModel  # noqa: E402
from tdt import tdt_loss, tdt_loss_fast  # noqa: E402

T0 = time.time()
# torchrun sets these; one process per GPU, each with its own synthesis workers and utterance pool
WORLD = int(os.environ.get("WORLD_SIZE", "1"))
RANK = int(os.environ.get("RANK", "0"))
LOCAL_RANK = int(os.environ.get("LOCAL_RANK", "0"))


STOP = object()


def log(*a):
    if RANK == 0:
        print(f"[{time.time() - T0:7.1f}s]", *a, flush=True)


def save_sharded(state, prefix, shard=15 * 1024 * 1024):
    buf = io.BytesIO()
    torch.save(state, buf)
    b = buf.getvalue()
    paths = []
    for i in range(0, len(b), shard):
        p = f"{prefix}.part{i // shard}"
        with open(p + ".tmp", "wb") as fh:
            fh.write(b[i:i + shard])
        os.replace(p + ".tmp", p)
        paths.append(p)
    k = len(paths)
    while os.path.exists(f"{prefix}.part{k}"):  # stale shards of a larger earlier save
        os.remove(f"{prefix}.part{k}")
        k += 1
    return paths


def half_state(sd):
    """Floating tensors of a state dict as fp16 (half the size: fits a device call's carry)."""
    return {k: v.half() if v.is_floating_point() else v for k, v in sd.items()}


def parse_aug(spec):
    """'noise=0.5,reverb=0.25,tel=0.1' -> {'noise': 0.5, ...} (probabilities passed to augment.augment)."""
    return {k: float(v) for k, v in (kv.split("=") for kv in spec.split(",") if kv)}


def load_sharded(prefix):
    parts = []
    i = 0
    while os.path.exists(f"{prefix}.part{i}"):
        parts.append(open(f"{prefix}.part{i}", "rb").read())
        i += 1
    if not parts:
        return None
    return torch.load(io.BytesIO(b"".join(parts)), map_location="cpu")


class Pool:
    """Synthesised utterances, filled by worker processes in the background."""

    def __init__(self, sp):
        self.sp = sp
        self.audio, self.toks, self.lens, self.meta = [], [], [], []
        self.lock = threading.Lock()
        self.tests = {}  # idx -> (audio, item)
        self.failed = 0

    def add(self, item, a):
        if a is None:
            self.failed += 1
            return
        if item.get("test"):
            self.tests[item["idx"]] = (a, item)
            return
        ids = self.sp.encode(item["text"])
        with self.lock:
            self.audio.append(a)
            self.toks.append(ids)
            self.lens.append(len(a))
            self.meta.append((item["synth"], item["voice"]))

    def __len__(self):
        return len(self.audio)


def collect(pool, it, plan_by_idx):
    for res in it:
        for idx, a in res:
            pool.add(plan_by_idx[idx], a)


def make_batches(pool, rng, max_samples, max_items=256, n_draw=1024):
    with pool.lock:
        n = len(pool)
        lens = np.array(pool.lens[:n])
    idx = rng.choice(n, size=min(n_draw, n), replace=False) if n > n_draw else rng.permutation(n)
    idx = idx[np.argsort(lens[idx] + rng.integers(0, 8000, len(idx)))]
    batches, cur, curmax = [], [], 0
    for i in idx:
        L = lens[i] + 16000  # room for silence padding
        if cur and (max(curmax, L) * (len(cur) + 1) > max_samples or len(cur) >= max_items):
            batches.append(cur)
            cur, curmax = [], 0
        cur.append(int(i))
        curmax = max(curmax, L)
    if cur:
        batches.append(cur)
    rng.shuffle(batches)
    return batches


def assemble(pool, ids, rng, pad=True):
    wavs, toks = [], []
    for i in ids:
        a = pool.audio[i]
        if pad:
            lead, trail = rng.integers(0, 8000), rng.integers(0, 8000)
            a = np.concatenate([np.zeros(lead, np.int16), a, np.zeros(trail, np.int16)])
        wavs.append(a)
        toks.append(pool.toks[i])
    N = max(len(a) for a in wavs)
    x = np.zeros((len(wavs), N), np.int16)
    for j, a in enumerate(wavs):
        x[j, :len(a)] = a
    return x, np.array([len(a) for a in wavs]), toks


def pad_tokens(toks, device):
    U = max(1, max(len(t) for t in toks))
    y = torch.zeros(len(toks), U, dtype=torch.long)
    for i, t in enumerate(toks):
        if t:
            y[i, :len(t)] = torch.tensor(t)
    return y.to(device), torch.tensor([len(t) for t in toks], device=device)


def forward_loss(model, feats, flen, y, ylen, ctc_w, loss_fn=tdt_loss):
    enc, elen = model.encoder(feats, flen)
    B = y.shape[0]
    blank = model.vocab
    pin = torch.cat([torch.full((B, 1), blank, dtype=torch.long, device=y.device), y], 1)
    with torch.autocast("cuda", enabled=False):
        g, _ = model.predictor(pin)
    logits = model.joint(enc, g)
    loss_t = loss_fn(logits.float(), y, elen, ylen, blank, model.durations)
    loss = loss_t.sum() / (ylen.float() + 1).sum()
    if ctc_w > 0:
        lp = torch.log_softmax(model.ctc(enc).float(), -1).transpose(0, 1)
        lc = torch.nn.functional.ctc_loss(lp, y, elen, ylen, blank=blank, reduction="sum", zero_infinity=True)
        loss = loss + ctc_w * lc / (ylen.float() + 1).sum()
    return loss, loss_t


@torch.no_grad()
def greedy_torch(model, feats, flen, max_sym=10):
    """Per-utterance TDT greedy decoding (contract §4.3) with the PyTorch model (monitoring only)."""
    model.eval()
    enc, elen = model.encoder(feats, flen)
    V = model.vocab
    outs = []
    for b in range(enc.shape[0]):
        st = None
        g, st_new = model.predictor(torch.tensor([[V]], device=enc.device), st)
        toks, t, emitted = [], 0, 0
        T = int(elen[b])
        while t < T:
            lg = model.joint(enc[b:b + 1, t:t + 1], g)[0, 0, 0].float()
            tok = int(lg[:V + 1].argmax())
            step = model.durations[int(lg[V + 1:].argmax())]
            if tok != V:
                toks.append(tok)
                st = st_new
                g, st_new = model.predictor(torch.tensor([[tok]], device=enc.device), st)
                emitted += 1
            if step > 0:
                t += step
                emitted = 0
            elif tok == V:
                t += 1
                emitted = 0
            elif emitted == max_sym:
                t += 1
                emitted = 0
        outs.append(toks)
    model.train()
    return outs


def build_test_plan(test_s, n_sent=60, n_voice=50):
    """Held-out test plans (fixed seeds): per synth, held-out sentences with training voices (sent_*) and
    held-out sentences with held-out voices (voice_*)."""
    test_plan = []
    k = 0
    for si, s_name in enumerate(["espeak", "flite", "festival"]):
        p1 = synth.make_plan(test_s[:1500], n_sent, 1000 + si, {s_name: 1.0}, start_idx=10_000_000 + k)
        for it in p1:
            it["test"] = f"sent_{s_name}"
        k += len(p1)
        p2 = synth.make_plan(test_s[1500:], n_voice, 2000 + si, {s_name: 1.0}, heldout=True,
                             start_idx=10_000_000 + k)
        for it in p2:
            it["test"] = f"voice_{s_name}"
        k += len(p2)
        test_plan += p1 + p2
    return test_plan


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=".train/carry")
    ap.add_argument("--fixtures", default="test/fixtures/nemo128")
    ap.add_argument("--out", default="/tmp/run")
    ap.add_argument("--budget", type=float, default=540, help="total wall seconds for the whole script")
    ap.add_argument("--final-reserve", type=float, default=75, help="seconds kept for final eval/export")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--n-utts", type=int, default=50000)
    ap.add_argument("--workers", type=int, default=13)
    ap.add_argument("--chunk", type=int, default=48)
    ap.add_argument("--batch-sec", type=float, default=400)
    ap.add_argument("--lr", type=float, default=1.5e-3)
    ap.add_argument("--warmup", type=int, default=1000)
    ap.add_argument("--ctc", type=float, default=0.3)
    ap.add_argument("--loss", choices=["autograd", "fast"], default="autograd",
                    help="TDT loss: autograd through the frame loop, or fast (alpha-beta gradient; same values, fewer "
                    "kernels; measure with profile_step.py first)")
    ap.add_argument("--nonspeech", type=float, default=0.04)
    ap.add_argument("--min-pool", type=int, default=3000)
    ap.add_argument("--n-test-sent", type=int, default=60, help="held-out sentences per synth (train voices)")
    ap.add_argument("--n-test-voice", type=int, default=50, help="held-out voice clips per synth")
    ap.add_argument("--exclude-synth", default="", help="leave this synthesizer out of training")
    ap.add_argument("--resume", default="auto",
                    help="weight shards prefix to start from; auto: <data>/resume/model.pt if present; none: scratch")
    ap.add_argument("--aug", default="", help="augmentation probabilities, e.g. noise=0.5,reverb=0.25,tel=0.1,vtlp=0.3 "
                    "(defaults in augment.augment: noise 0.75, reverb 0.3, tel 0.12, vtlp 0 = off, vtlp_max 0.15)")
    ap.add_argument("--save-half", action="store_true", help="save weight shards as fp16 (28 MB instead of 56)")
    ap.add_argument("--nice", type=int, default=10, help="niceness of the synthesis workers (training goes first)")
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--snapshot-every", type=float, default=120)
    ap.add_argument("--pidfile", default="")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    if a.pidfile and RANK == 0:
        with open(a.pidfile, "w") as fh:
            fh.write(str(os.getpid()))
    dev = f"cuda:{LOCAL_RANK}" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(a.seed)
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True

    import sentencepiece as spm
    sp = spm.SentencePieceProcessor(model_file=os.path.join(a.data, "spm.model"))
    V = sp.get_piece_size()
    os.environ.setdefault("NEMO_FBANK", os.path.join(a.fixtures, "fbank_257x128.f32"))
    train_s = gzip.open(os.path.join(a.data, "train.txt.gz"), "rt").read().split("\n")
    train_s = [s for s in train_s if s]
    test_s = [s for s in gzip.open(os.path.join(a.data, "test.txt.gz"), "rt").read().split("\n") if s]
    log(f"sentences train {len(train_s)} test {len(test_s)}; vocab {V}")

    # 2. plans: test sets first (fixed seeds), then training
    weights = dict(synth.SYNTH_WEIGHTS)
    if a.exclude_synth:
        weights.pop(a.exclude_synth)
    # only rank 0 evaluates, so only it synthesises the test sets; every rank draws its own training utterances
    test_plan = build_test_plan(test_s, a.n_test_sent, a.n_test_voice) if RANK == 0 else []
    if a.exclude_synth:
        for it in test_plan:
            if it["synth"] == a.exclude_synth:
                it["test"] = "excluded_" + it["test"]
    train_plan = synth.make_plan(train_s, a.n_utts, a.seed if WORLD == 1 else a.seed * 100 + RANK, weights)
    plan_by_idx = {it["idx"]: it for it in test_plan + train_plan}
    chunks = [test_plan[i:i + 16] for i in range(0, len(test_plan), 16)]
    chunks += [train_plan[i:i + a.chunk] for i in range(0, len(train_plan), a.chunk)]
    pool = Pool(sp)
    ctx = mp.get_context("fork")
    workers = ctx.Pool(a.workers, initializer=os.nice, initargs=(a.nice,))
    it = workers.imap(synth.synth_chunk, chunks)
    th = threading.Thread(target=collect, args=(pool, it, plan_by_idx), daemon=True)
    th.start()

    # 1. feature check (after forking the synthesis workers, before CUDA work)
    if dev.startswith("cuda"):
        torch.cuda.set_device(LOCAL_RANK)
    if WORLD > 1:
        dist.init_process_group("nccl" if dev.startswith("cuda") else "gloo")
    err = check_fixtures(a.fixtures, device=dev)
    if err > 1e-3:
        log(f"ABORT: nemo128 mismatch {err}")
        workers.terminate()
        os._exit(2)
    log(f"nemo128 fixture check ok (max abs err {err:.2e})")
    os.environ["NEMO_FBANK"] = os.path.join(a.fixtures, "fbank_257x128.f32")

    # 3. model
    model = TDTModel(vocab=V).to(dev)
    nparam = sum(p.numel() for p in model.parameters())
    log(f"model params {nparam / 1e6:.2f} M")
    dec_params = [p for n, p in model.named_parameters() if p.ndim < 2 or "emb" in n]
    other = [p for n, p in model.named_parameters() if not (p.ndim < 2 or "emb" in n)]
    opt = torch.optim.AdamW([{"params": other, "weight_decay": 1e-3}, {"params": dec_params, "weight_decay": 0.0}],
                            lr=a.lr, betas=(0.9, 0.98), eps=1e-8)
    state = {"step": 0, "train_time": 0.0, "skipped": 0}
    resume = os.path.join(a.data, "resume", "model.pt") if a.resume == "auto" else a.resume
    ck = load_sharded(resume) if resume != "none" else None
    if ck is not None:
        model.load_state_dict(ck["model"])  # copy_ casts fp16 shards to the fp32 parameters
        log(f"resumed weights from {resume} (step {ck.get('step')}; optimizer state restarts; warm-up repeats)")
    if WORLD > 1:  # identical start on every rank; identical averaged gradients keep them identical
        for t in model.state_dict().values():
            dist.broadcast(t, 0)
        log(f"data parallel: {WORLD} processes, {a.batch_sec:.0f} s of audio each per step")
    params = list(model.parameters())
    featurizer = Nemo128(os.environ["NEMO_FBANK"]).to(dev)
    gen = torch.Generator(device=dev)
    gen.manual_seed(a.seed + 7919 * RANK)
    rng = np.random.default_rng(a.seed + 7919 * RANK)
    clock = {"t_start": None, "total": 1.0}

    def progress():
        return 0.0 if clock["t_start"] is None else (time.time() - clock["t_start"]) / clock["total"]

    def sync(ok, audio_s):
        """Average gradients over ranks (one all-reduce) and agree on skipping and on rank 0's clock."""
        frac = progress()
        if WORLD == 1:
            return not ok, frac, audio_s
        grads = [p.grad if p.grad is not None and ok else torch.zeros_like(p) for p in params]
        extra = torch.tensor([0.0 if ok else 1.0, frac if RANK == 0 else 0.0, audio_s], device=dev)
        flat = torch.cat([g.reshape(-1) for g in grads] + [extra])
        dist.all_reduce(flat)
        bad, frac, audio_s = (float(v) for v in flat[-3:].tolist())
        flat = flat[:-3].div_(WORLD)
        o = 0
        for p in params:
            p.grad = flat[o:o + p.numel()].view_as(p)
            o += p.numel()
        return bad > 0, frac, audio_s

    while len(pool) < min(a.min_pool if not a.smoke else 200, a.n_utts // 2):
        if not th.is_alive():
            break
        time.sleep(0.5)
    log(f"pool {len(pool)} utterances, tests {len(pool.tests)}/{len(test_plan)}, failed {pool.failed}")

    aug_p = parse_aug(a.aug)

    # smoke: 2 steps then export + ORT check on an untrained model (catches export problems early)
    def train_step(ids, lr_at):
        """One step on every rank; lr_at(frac) gives the learning rate, or None to stop (same on all ranks)."""
        x, lens, toks = assemble(pool, ids, rng)
        opt.zero_grad(set_to_none=True)
        loss, ok, audio_s, n_items = torch.tensor(float("nan")), False, 0.0, 0
        try:
            xb = torch.from_numpy(x).to(dev, non_blocking=True).float() / 32768
            lb = torch.from_numpy(lens).to(dev)
            xb = augment.augment(xb, lb, gen, aug_p)
            ns = int(round(len(ids) * a.nonspeech))
            if ns > 0:
                xn, ln = augment.nonspeech(ns, xb.shape[1], gen, dev)
                xb = torch.cat([xb, xn], 0)
                lb = torch.cat([lb, ln], 0)
                toks = toks + [[] for _ in range(ns)]
            audio_s, n_items = float(lb.sum()) / 16000, xb.shape[0]
            feats, flen = featurizer(xb, lb)
            feats = augment.spec_augment(feats, flen, gen)
            y, ylen = pad_tokens(toks, dev)
            with torch.autocast("cuda", dtype=torch.bfloat16, enabled=dev.startswith("cuda")):
                loss, lt = forward_loss(model, feats, flen, y, ylen, a.ctc, tdt_loss_fast if a.loss == "fast" else tdt_loss)
            ok = bool(torch.isfinite(loss))
            if ok:
                loss.backward()
        except torch.cuda.OutOfMemoryError:  # a rank out of memory skips the step with the others
            ok = False
            opt.zero_grad(set_to_none=True)
            torch.cuda.empty_cache()
        bad, frac, audio_s = sync(ok, audio_s)
        lr = lr_at(frac)
        if lr is None:
            opt.zero_grad(set_to_none=True)
            return STOP
        for g_ in opt.param_groups:
            g_["lr"] = lr
        if bad:
            state["skipped"] += 1
            opt.zero_grad(set_to_none=True)
            return None
        gn = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        if not torch.isfinite(gn):
            state["skipped"] += 1
            opt.zero_grad(set_to_none=True)
            return None
        opt.step()
        return float(loss.detach()), float(gn), float(n_items), audio_s, lr

    max_samples = int(a.batch_sec * 16000)
    for ids in make_batches(pool, rng, max_samples)[:2]:
        r = train_step(ids, lambda frac: 1e-5)
        log(f"smoke step: {r}")
    if RANK == 0:  # the others wait for it in their first training all-reduce
        sm_dir = os.path.join(a.out, "smoke_onnx")
        export.export_onnx(model, sm_dir)
        model.to(dev)
        model.train()
        export.write_vocab_config(sm_dir, os.path.join(a.data, "spm.vocab.txt"))
        o = export.OrtTDT(sm_dir)
        wavs = [pool.audio[i].astype(np.float32) / 32768 for i in range(3)]
        f, F = export.numpy_features(wavs)
        log("smoke ORT decode:", o.transcribe_feats(f, F))
        del o
    if a.smoke:
        a.budget = min(a.budget, time.time() - T0 + 40)

    # 4. train
    def weights():
        return half_state(model.state_dict()) if a.save_half else model.state_dict()

    train_end = T0 + a.budget - a.final_reserve  # rank 0's clock decides for every rank (sync)
    clock["t_start"] = t_start = time.time()
    clock["total"] = max(1.0, train_end - t_start)
    last_log = last_snap = time.time()
    losses = []
    audio_sec = 0.0
    history = []

    def lr_at(frac):
        if frac >= 1.0:
            return None
        warm = min(1.0, (state["step"] + 1) / a.warmup)
        return a.lr * warm * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * frac)))

    done = False
    while not done:
        for ids in make_batches(pool, rng, max_samples):
            r = train_step(ids, lr_at)
            if r is STOP:
                done = True
                break
            state["step"] += 1
            if r is not None:
                losses.append(r[0])
                audio_sec += r[3]
            if time.time() - last_log > 20:
                ml = float(np.mean(losses[-50:])) if losses else float("nan")
                mem = torch.cuda.max_memory_allocated(dev) / 2**30 if dev.startswith("cuda") else 0.0
                log(f"step {state['step']} loss {ml:.4f} lr {r[4] if r else float('nan'):.2e} "
                    f"gn {r[1] if r else float('nan'):.2f} pool {len(pool)} tests {len(pool.tests)} "
                    f"skipped {state['skipped']} audio_h {audio_sec / 3600:.1f} mem {mem:.1f}G")
                history.append({"t": round(time.time() - T0, 1), "step": state["step"], "loss": ml})
                last_log = time.time()
            if RANK == 0 and time.time() - last_snap > a.snapshot_every:
                save_sharded({"model": weights(), "step": state["step"]}, os.path.join(a.out, "model.pt"))
                last_snap = time.time()
    state["train_time"] = time.time() - t_start
    log(f"training stopped: {state['step']} steps in {state['train_time']:.0f}s, skipped {state['skipped']}, "
        f"audio seen {audio_sec / 3600:.1f} h, pool {len(pool)}")
    workers.terminate()
    rank_diff = 0.0
    if WORLD > 1:  # the ranks' weights must still be the same after every step (averaged gradients, same clock)
        v = torch.cat([p.detach().reshape(-1) for p in params])
        hi, lo = v.clone(), v.clone()
        dist.all_reduce(hi, op=dist.ReduceOp.MAX)
        dist.all_reduce(lo, op=dist.ReduceOp.MIN)
        rank_diff = float((hi - lo).abs().max())
        log(f"weights identical across {WORLD} ranks: max difference {rank_diff:g}")
    if RANK != 0:  # rank 0 saves and evaluates the (identical) weights
        os._exit(0)
    save_sharded({"model": weights(), "step": state["step"], "V": V}, os.path.join(a.out, "model.pt"))

    # 5. final: ONNX export, int8, ORT evaluation per test set
    model.eval()
    onnx_dir = os.path.join(a.out, "onnx")
    export.export_onnx(model, onnx_dir)
    export.write_vocab_config(onnx_dir, os.path.join(a.data, "spm.vocab.txt"))
    export.quantize_encoder(os.path.join(onnx_dir, "encoder-model.onnx"),
                            os.path.join(onnx_dir, "encoder-model.int8.onnx"))
    results = {"steps": state["step"], "train_time_s": round(state["train_time"], 1), "skipped": state["skipped"],
               "params": nparam, "audio_hours_seen": round(audio_sec / 3600, 2), "pool": len(pool),
               "world_size": WORLD, "rank_weight_max_diff": rank_diff,
               "args": vars(a), "history": history, "sets": {}}
    sets = {}
    for idx, (audio, item) in sorted(pool.tests.items()):
        sets.setdefault(item["test"], []).append((audio, item))
    # noise clips
    gq = torch.Generator(device="cpu")
    gq.manual_seed(777)
    xn, ln = augment.nonspeech(30, 16000 * 8, gq, "cpu")
    sets["noise"] = [((xn[i, :ln[i]].numpy() * 32768).astype(np.int16), {"text": "", "voice": "noise"})
                     for i in range(30)]
    # perturbed: held-out sentences at 0.9x / 1.1x speed with 20 dB white noise
    from scipy.signal import resample_poly
    prng = np.random.default_rng(5)
    pert = []
    for name in ("sent_espeak", "sent_flite", "sent_festival"):
        for j, (audio, item) in enumerate(sets.get(name, [])[:30]):
            up, down = (10, 9) if j % 2 == 0 else (10, 11)  # read at 16k: 0.9x / 1.1x speed
            y = resample_poly(audio.astype(np.float32), up, down)
            p = np.mean(y ** 2)
            y = y + prng.standard_normal(len(y)) * np.sqrt(p / 100)
            pert.append((np.clip(y, -32768, 32767).astype(np.int16), item))
    sets["perturbed_speed_noise20"] = pert
    for enc_file in ("encoder-model.onnx", "encoder-model.int8.onnx"):
        o = export.OrtTDT(onnx_dir, enc_file, threads=8)
        tag = "int8" if "int8" in enc_file else "fp32"
        for name, res in sorted(export.evaluate_sets(o, sets, batch=16).items()):
            results["sets"].setdefault(tag, {})[name] = {k: res[k] for k in ("n", "wer", "words", "nonempty", "examples")}
            log(f"[{tag}] {name}: n={res['n']} WER {res['wer']}% nonempty {res['nonempty']}")
    # batch vs single consistency (fp32)
    o = export.OrtTDT(onnx_dir, "encoder-model.onnx", threads=8)
    items = sets.get("sent_flite", [])[:4] + sets.get("voice_espeak", [])[:4]
    if items:
        wavs = [x.astype(np.float32) / 32768 for x, _ in items]
        f, F = export.numpy_features(wavs)
        hb = o.transcribe_feats(f, F)
        hs = []
        for w in wavs:
            f1, F1 = export.numpy_features([w])
            hs.append(o.transcribe_feats(f1, F1)[0])
        results["batch_vs_single_equal"] = hb == hs
        log("batch vs single equal:", hb == hs)
    json.dump(results, open(os.path.join(a.out, "results.json"), "w"), indent=1)
    log("done")
    os._exit(0)


if __name__ == "__main__":
    main()
