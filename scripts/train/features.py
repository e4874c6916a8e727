"""nemo128 log-mel features in PyTorch, exactly as docs/parakeet-contract.md §3.2 (NeMo >= 2.5 / onnx-asr)."""
import json
import math
import os

import numpy as np
import torch


def slaney_fbank(n_fft=512, n_mels=128, sr=16000):
    def hz2mel(f):
        f = np.asarray(f, dtype=np.float64)
        return np.where(f < 1000, 3 * f / 200, 15 + 27 * np.log(np.maximum(f, 1e-9) / 1000) / np.log(6.4))

    def mel2hz(m):
        m = np.asarray(m, dtype=np.float64)
        return np.where(m < 15, 200 * m / 3, 1000 * np.exp((m - 15) * np.log(6.4) / 27))
    fk = np.arange(n_fft // 2 + 1) * sr / n_fft
    p = mel2hz(np.linspace(hz2mel(0), hz2mel(sr / 2), n_mels + 2))
    fb = np.zeros((n_fft // 2 + 1, n_mels))
    for m in range(n_mels):
        lo = (fk - p[m]) / (p[m + 1] - p[m])
        hi = (p[m + 2] - fk) / (p[m + 2] - p[m + 1])
        fb[:, m] = np.maximum(0, np.minimum(lo, hi)) * 2 / (p[m + 2] - p[m])
    return fb.astype(np.float32)


class Nemo128(torch.nn.Module):
    def __init__(self, fbank_path=None):
        super().__init__()
        fb = None
        if fbank_path and os.path.exists(fbank_path):
            fb = np.fromfile(fbank_path, dtype="<f4").reshape(257, 128)
        if fb is None:
            fb = slaney_fbank()
        self.register_buffer("fb", torch.from_numpy(np.ascontiguousarray(fb)), persistent=False)
        n = torch.arange(400, dtype=torch.float64)
        w = 0.5 - 0.5 * torch.cos(2 * math.pi * n / 399)
        win = torch.zeros(512, dtype=torch.float64)
        win[56:456] = w
        self.register_buffer("win", win.float(), persistent=False)

    @torch.no_grad()
    def forward(self, x: torch.Tensor, lengths: torch.Tensor):
        """x: [B, N] float32 waveform in [-1, 1] (zero padded), lengths: [B] valid samples.
        Returns features [B, 128, N//160+1] and valid frame counts [B] (= lengths // 160)."""
        x = x.double()  # float64 internally: the log of tiny mel energies is sensitive (sweep fixture)
        B, N = x.shape
        idx = torch.arange(N, device=x.device)
        valid = idx[None, :] < lengths[:, None]
        y = torch.cat([x[:, :1], x[:, 1:] - 0.97 * x[:, :-1]], dim=1)
        y = y * valid
        y = torch.nn.functional.pad(y, (256, 256))
        T = N // 160 + 1
        frames = y.unfold(1, 512, 160)[:, :T]  # [B, T, 512]
        spec = torch.fft.rfft(frames * self.win.double(), n=512)
        power = spec.real ** 2 + spec.imag ** 2
        mel = power @ self.fb.double()  # [B, T, 128]
        logmel = torch.log(mel + 2 ** -24)
        F = lengths // 160
        tmask = (torch.arange(T, device=x.device)[None, :] < F[:, None]).float()  # [B, T]
        Ff = F.clamp(min=1).float()[:, None]
        mean = (logmel * tmask[..., None]).sum(1) / Ff
        var = (((logmel - mean[:, None, :]) ** 2) * tmask[..., None]).sum(1) / (Ff - 1).clamp(min=1)
        std = var.sqrt()
        std = torch.nan_to_num(std, nan=0.0)
        out = (logmel - mean[:, None, :]) / (std[:, None, :] + 1e-5)
        out = out * tmask[..., None]
        return out.transpose(1, 2).float().contiguous(), F


def check_fixtures(fx_dir, device="cpu", verbose=True):
    """Compare against test/fixtures/nemo128. Returns max abs error over all clips (also a padded batch)."""
    import wave
    man = json.load(open(os.path.join(fx_dir, "manifest.json")))
    feat = Nemo128(os.path.join(fx_dir, "fbank_257x128.f32")).to(device)
    fb_own = slaney_fbank()
    fb_ref = np.fromfile(os.path.join(fx_dir, "fbank_257x128.f32"), dtype="<f4").reshape(257, 128)
    worst = float(np.abs(fb_own - fb_ref).max())
    if verbose:
        print(f"[features] own slaney fbank vs fixture max abs {worst:.2e}")
    wavs, refs = [], []
    for c in man["clips"]:
        with wave.open(os.path.join(fx_dir, c["wav"])) as w:
            a = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float32) / 32768
        ref = np.fromfile(os.path.join(fx_dir, c["features"]), dtype="<f4").reshape(128, -1)
        wavs.append(a)
        refs.append(ref)
        out, F = feat(torch.from_numpy(a)[None].to(device), torch.tensor([len(a)], device=device))
        err = float(np.abs(out[0].cpu().numpy() - ref).max())
        worst = max(worst, err)
        if verbose:
            print(f"[features] {c['name']}: shape {tuple(out.shape)} F={int(F[0])} max abs err {err:.2e}")
    # padded batch
    N = max(len(a) for a in wavs)
    xb = torch.zeros(len(wavs), N)
    for i, a in enumerate(wavs):
        xb[i, :len(a)] = torch.from_numpy(a)
    lens = torch.tensor([len(a) for a in wavs])
    out, F = feat(xb.to(device), lens.to(device))
    for i, ref in enumerate(refs):
        err = float(np.abs(out[i, :, :ref.shape[1]].cpu().numpy() - ref).max())
        worst = max(worst, err)
    if verbose:
        print(f"[features] worst max abs err incl. batched: {worst:.2e}")
    return worst


if __name__ == "__main__":
    import sys
    print(check_fixtures(sys.argv[1] if len(sys.argv) > 1 else "test/fixtures/nemo128"))
