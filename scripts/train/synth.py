"""Speech synthesis from Debian TTS packages unpacked with `dpkg -x` into TTS_ROOT (espeak-ng, flite, festival).

Every utterance is fully described by a plan item (text, synth, voice, params) drawn from a seeded RNG, so a run
re-synthesises exactly the same data. Synthesis runs in worker processes; each returns 16 kHz int16 numpy arrays.
The Debian libraries are put on LD_LIBRARY_PATH only for the synthesizer subprocesses.
"""
import os
import random
import shutil
import subprocess
import tempfile
import wave
from fractions import Fraction

import numpy as np

TTS_ROOT = os.environ.get("TTS_ROOT", "/tmp/ttsroot")

ESPEAK_BASES = ["en-us", "en-gb", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-rp", "en-gb-x-gbcwmd", "en-us-nyc",
                "en-029"]
ESPEAK_VARIANTS = ("Alex Alicia Andrea Andy Annie AnxiousAndy Demonic Denis Diogo Gene Gene2 Henrique Hugo Jacky Lee "
                   "Marco Mario Michael Mike Nguyen RicishayMax RicishayMax2 RicishayMax3 Storm Tweaky UniRobot adam "
                   "anika anikaRobot announcer antonio aunty belinda benjamin boris caleb croak david ed edward "
                   "edward2 f1 f2 f3 f4 f5 fast grandma grandpa gustave iven iven2 iven3 iven4 john kaukovalta klatt "
                   "klatt2 klatt3 klatt4 klatt5 klatt6 linda m1 m2 m3 m4 m5 m6 m7 m8 marcelo max michel miguel "
                   "norbert pablo paul pedro quincy rob robert robosoft robosoft2 robosoft3 robosoft4 robosoft5 "
                   "robosoft6 robosoft7 robosoft8 sandro shelby steph steph2 steph3 travis victor whisper whisperf "
                   "zac").split()
FLITE_VOICES = ["kal", "kal16", "awb", "rms", "slt"]
FESTIVAL_VOICES = ["cmu_us_slt_arctic_hts", "kal_diphone", "ked_diphone"]

# Held out from training (test only): one voice (or more) per synthesizer.
HELDOUT = {
    "espeak": {"bases": {"en-029"}, "variants": {"f5", "m6", "klatt4"}},
    "flite": {"awb"},
    "festival": {"ked_diphone"},
}

# relative share of utterances per synthesizer (training)
SYNTH_WEIGHTS = {"espeak": 0.45, "flite": 0.30, "festival": 0.25}


def tts_env():
    x = TTS_ROOT
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = ":".join([f"{x}/lib/x86_64-linux-gnu", f"{x}/usr/lib/x86_64-linux-gnu",
                                       f"{x}/usr/lib/x86_64-linux-gnu/pulseaudio"])
    env["ESPEAK_DATA_PATH"] = f"{x}/usr/lib/x86_64-linux-gnu/espeak-ng-data"
    return env


def train_voices(synth):
    if synth == "espeak":
        bases = [b for b in ESPEAK_BASES if b not in HELDOUT["espeak"]["bases"]]
        variants = [v for v in ESPEAK_VARIANTS if v not in HELDOUT["espeak"]["variants"]]
        return bases, variants
    if synth == "flite":
        return [v for v in FLITE_VOICES if v not in HELDOUT["flite"]]
    return [v for v in FESTIVAL_VOICES if v not in HELDOUT["festival"]]


def test_voices(synth):
    if synth == "espeak":
        return ["en-029", "en-029+f5", "en-us+m6", "en-gb+klatt4"]
    if synth == "flite":
        return sorted(HELDOUT["flite"])
    return sorted(HELDOUT["festival"])


def draw_params(rng: random.Random, synth: str, voice: str = None, heldout=False):
    """Return (voice, params) for one utterance."""
    p = {"resample": rng.uniform(0.88, 1.12) if rng.random() < 0.85 else 1.0}
    if synth == "espeak":
        if voice is None:
            bases, variants = train_voices("espeak")
            base = rng.choice(bases)
            voice = base if rng.random() < 0.2 else base + "+" + rng.choice(variants)
        p.update(speed=rng.randint(120, 210), pitch=rng.randint(15, 85), gap=rng.choice([0, 0, 0, 0, 1, 2]),
                 range=rng.randint(20, 90))
    elif synth == "flite":
        if voice is None:
            voice = rng.choice(train_voices("flite"))
        p.update(stretch=rng.uniform(0.75, 1.35), f0=rng.uniform(0.75, 1.35))
    else:
        if voice is None:
            voice = rng.choice(train_voices("festival"))
        p.update(stretch=rng.uniform(0.75, 1.35))
    return voice, p


def read_wav(path):
    with wave.open(path, "rb") as w:
        sr = w.getframerate()
        n = w.getnframes()
        data = np.frombuffer(w.readframes(n), dtype=np.int16)
        if w.getnchannels() > 1:
            data = data.reshape(-1, w.getnchannels())[:, 0]
    return data, sr


def to16k(x: np.ndarray, sr: int, factor: float) -> np.ndarray:
    """Resample so that the result, read at 16 kHz, is shifted by `factor` (formant/pitch/tempo perturbation)."""
    from scipy.signal import resample_poly
    target = 16000.0 * factor
    fr = Fraction(int(round(target)), sr).limit_denominator(400)
    y = x.astype(np.float32)
    if fr.numerator != fr.denominator:
        y = resample_poly(y, fr.numerator, fr.denominator)
    # trim leading/trailing digital silence to at most 0.15 s (padding is re-added by augmentation)
    nz = np.nonzero(np.abs(y) > 64)[0]
    if len(nz):
        a = max(0, nz[0] - 2400)
        b = min(len(y), nz[-1] + 2400)
        y = y[a:b]
    return np.clip(np.round(y), -32768, 32767).astype(np.int16)


def _espeak(item, tmp, env):
    text, voice, p = item["text"], item["voice"], item["p"]
    out = os.path.join(tmp, "e.wav")
    cmd = [f"{TTS_ROOT}/usr/bin/espeak-ng", "-v", voice, "-s", str(p["speed"]), "-p", str(p["pitch"]),
           "-g", str(p["gap"]), "-w", out, text]
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    return read_wav(out)


def _flite(item, tmp, env):
    text, voice, p = item["text"], item["voice"], item["p"]
    out = os.path.join(tmp, "f.wav")
    base_f0 = {"slt": 172, "awb": 132, "kal": 95, "kal16": 95, "rms": 102}[voice]
    cmd = [f"{TTS_ROOT}/usr/bin/flite", "-voice", voice, "--setf", f"duration_stretch={p['stretch']:.3f}",
           "--setf", f"int_f0_target_mean={base_f0 * p['f0']:.1f}", "-t", text, "-o", out]
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    return read_wav(out)


def _festival_batch(items, tmp, env):
    """Synthesise a list of festival items with one festival process. Returns list of (data, sr) or None."""
    lib = f"{TTS_ROOT}/usr/share/festival/"
    lines = [f'(set! libdir "{lib}") (set! datadir "{lib}") (load (string-append libdir "init.scm"))']
    cur = None
    for i, it in enumerate(items):
        if it["voice"] != cur:
            lines.append(f"(voice_{it['voice']})")
            cur = it["voice"]
        lines.append(f"(Parameter.set 'Duration_Stretch {it['p']['stretch']:.3f})")
        t = it["text"].replace('"', "")
        lines.append(f'(set! u (Utterance Text "{t}")) (utt.synth u) '
                     f'(utt.save.wave u "{tmp}/fs{i}.wav" \'riff)')
    subprocess.run([f"{TTS_ROOT}/usr/bin/festival", "-q", "--pipe"], input="\n".join(lines) + "\n", text=True,
                   env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
    res = []
    for i in range(len(items)):
        f = f"{tmp}/fs{i}.wav"
        res.append(read_wav(f) if os.path.exists(f) else None)
    return res


def synth_chunk(items):
    """Worker entry: items = list of plan dicts. Returns list of (idx, int16 16 kHz array or None)."""
    env = tts_env()
    tmp = tempfile.mkdtemp(prefix="syn", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    out = []
    try:
        fest = [it for it in items if it["synth"] == "festival"]
        fest_res = {}
        if fest:
            for it, r in zip(fest, _festival_batch(fest, tmp, env)):
                fest_res[it["idx"]] = r
        for it in items:
            try:
                if it["synth"] == "espeak":
                    r = _espeak(it, tmp, env)
                elif it["synth"] == "flite":
                    r = _flite(it, tmp, env)
                else:
                    r = fest_res.get(it["idx"])
                if r is None or len(r[0]) < 1600:
                    out.append((it["idx"], None))
                    continue
                out.append((it["idx"], to16k(r[0], r[1], it["p"]["resample"])))
            except Exception:
                out.append((it["idx"], None))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def make_plan(sentences, n, seed, synth_weights=None, heldout=False, start_idx=0):
    """Deterministic plan of n utterances. heldout=True draws held-out voices only."""
    rng = random.Random(seed)
    sw = synth_weights or SYNTH_WEIGHTS
    names = list(sw)
    cum = np.cumsum([sw[k] for k in names])
    plan = []
    for i in range(n):
        r = rng.random() * cum[-1]
        synth = names[int(np.searchsorted(cum, r, side="right"))]
        voice = rng.choice(test_voices(synth)) if heldout else None
        voice, p = draw_params(rng, synth, voice)
        plan.append({"idx": start_idx + i, "text": rng.choice(sentences), "synth": synth, "voice": voice, "p": p})
    return plan
