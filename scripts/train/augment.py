"""Waveform augmentation on the GPU (per utterance random, batched FFT ops) and non-speech clip generation.

All randomness comes from a torch.Generator so runs are reproducible.
"""
import math

import torch


def _colored_noise(n, B, gen, device, exponent):
    """exponent 0 white, 1 pink, 2 brown (per item exponent tensor [B])."""
    w = torch.randn(B, n, generator=gen, device=device)
    W = torch.fft.rfft(w)
    f = torch.linspace(0, 1, W.shape[1], device=device).clamp(min=1.0 / W.shape[1])
    W = W * f[None, :] ** (-exponent[:, None] / 2)
    x = torch.fft.irfft(W, n=n)
    return x / (x.pow(2).mean(1, keepdim=True).sqrt() + 1e-8)


def random_rir(B, gen, device, sr=16000):
    """Synthetic room impulse responses: direct path + exponentially decaying noise (RT60 0.15..0.8 s)."""
    L = int(0.5 * sr)
    t = torch.arange(L, device=device)[None, :] / sr
    rt60 = 0.15 + 0.65 * torch.rand(B, 1, generator=gen, device=device)
    decay = torch.exp(-6.9 * t / rt60)
    h = torch.randn(B, L, generator=gen, device=device) * decay
    pre = (torch.rand(B, 1, generator=gen, device=device) * 0.004 * sr).long()  # early reflections start
    h = h * (torch.arange(L, device=device)[None, :] >= pre).float()
    drr = 10 ** ((torch.rand(B, 1, generator=gen, device=device) * 12 - 2) / 20)  # direct-to-reverb ratio
    h = h / (h.pow(2).sum(1, keepdim=True).sqrt() + 1e-8)
    h[:, 0] = h[:, 0] + drr[:, 0]
    return h


def fft_conv(x, h):
    n = x.shape[1] + h.shape[1]
    nfft = 1 << (n - 1).bit_length()
    y = torch.fft.irfft(torch.fft.rfft(x, nfft) * torch.fft.rfft(h, nfft), nfft)
    return y[:, :x.shape[1]]


def _vtlp_inv(fout, alpha, sr=16000, f_hi=4800.0):
    """Inverse of the piecewise-linear VTLP warp (Jaitly & Hinton 2013): output Hz -> source Hz.
    fout [..., F] Hz, alpha [B, 1, 1]. Warp: f -> alpha*f below the knee f_hi*min(alpha,1)/alpha, then linear
    to Nyquist (so the band edge stays fixed)."""
    S = sr / 2
    knee_out = f_hi * alpha.clamp(max=1.0)
    knee_src = knee_out / alpha
    low = fout / alpha
    high = S - (S - fout) * (S - knee_src) / (S - knee_out)
    return torch.where(fout <= knee_out, low, high)


def _vtlp_fwd(fsrc, alpha, sr=16000, f_hi=4800.0):
    S = sr / 2
    knee_out = f_hi * alpha.clamp(max=1.0)
    knee_src = knee_out / alpha
    low = fsrc * alpha
    high = S - (S - fsrc) * (S - knee_out) / (S - knee_src)
    return torch.where(fsrc <= knee_src, low, high)


def vtlp(x, alpha, n_fft=512, hop=128, sr=16000):
    """Vocal-tract-length perturbation of waveforms x [B, N] by warp factors alpha [B]: the spectral envelope
    (formants) and the harmonics move by alpha on the frequency axis while the timing stays (no tempo change).
    STFT -> magnitude read at the warped-back source frequency (linear interpolation between bins) -> phase
    vocoder (instantaneous frequency of the nearest source bin, warped, accumulated over frames) -> ISTFT."""
    B, N = x.shape
    dev = x.device
    win = torch.hann_window(n_fft, device=dev)
    X = torch.stft(x, n_fft, hop, window=win, return_complex=True)  # [B, F, T]
    F = X.shape[1]
    fbin = torch.arange(F, device=dev, dtype=torch.float32)
    a = alpha.view(B, 1, 1).float()
    src = _vtlp_inv(fbin.view(1, F, 1) * (sr / n_fft), a, sr) / (sr / n_fft)  # [B, F, 1] source bin (fractional)
    src = src.clamp(0, F - 1)
    i0 = src.floor().long().clamp(max=F - 2)
    w = (src - i0.float())
    mag = X.abs()
    T = X.shape[2]
    i0e = i0.expand(B, F, T)
    m = torch.gather(mag, 1, i0e) * (1 - w) + torch.gather(mag, 1, i0e + 1) * w
    # instantaneous frequency (Hz) of each source bin from the frame-to-frame phase advance
    ph = torch.angle(X)
    expected = 2 * math.pi * hop * fbin.view(1, F, 1) / n_fft
    dph = torch.diff(ph, dim=2, prepend=ph[:, :, :1]) - expected
    dph = dph - 2 * math.pi * torch.round(dph / (2 * math.pi))
    finst = (expected + dph) * sr / (2 * math.pi * hop)  # [B, F, T]
    near = src.round().long().expand(B, F, T)
    fout = _vtlp_fwd(torch.gather(finst, 1, near), a, sr)
    phase = ph[:, :, :1] + torch.cumsum(2 * math.pi * hop * fout / sr, dim=2) - 2 * math.pi * hop * fout[:, :, :1] / sr
    Y = torch.polar(m, phase)
    y = torch.istft(Y, n_fft, hop, window=win, length=N)
    return y


def augment(x, lengths, gen, p=None):
    """x [B, N] float waveform (zero padded beyond lengths). Returns augmented x (same shape, padding zero)."""
    p = p or {}
    B, N = x.shape
    dev = x.device
    valid = (torch.arange(N, device=dev)[None, :] < lengths[:, None]).float()
    U = lambda: torch.rand(B, 1, generator=gen, device=dev)
    # normalise level
    rms = (x.pow(2).sum(1, keepdim=True) / lengths[:, None].clamp(min=1)).sqrt() + 1e-6
    x = x / rms * 0.1
    # vocal-tract-length perturbation (frequency-axis warp, tempo unchanged) for a fraction p["vtlp"] (default off;
    # no random numbers are drawn when off, so runs without it stay bit-identical); factor 1 +- p["vtlp_max"] (0.15)
    pv = p.get("vtlp", 0.0)
    if pv > 0:
        use_v = torch.rand(B, generator=gen, device=dev) < pv
        vm = p.get("vtlp_max", 0.15)
        alpha = 1 + (torch.rand(B, generator=gen, device=dev) * 2 - 1) * vm
        idx = use_v.nonzero()[:, 0]
        if idx.numel() > 0:
            xv = vtlp(x[idx], alpha[idx])
            x = x.clone()
            x[idx] = xv * valid[idx]
            rmsv = (x[idx].pow(2).sum(1, keepdim=True) / lengths[idx, None].clamp(min=1)).sqrt() + 1e-6
            x[idx] = x[idx] / rmsv * 0.1
    # spectral tilt + random EQ bumps (smooth curve in dB over the rfft bins)
    X = torch.fft.rfft(x)
    nb = X.shape[1]
    f = torch.linspace(0, 1, nb, device=dev)[None, :]
    tilt = (U() * 2 - 1) * 8.0  # dB across the band
    curve = tilt * (f - 0.5)
    for _ in range(3):
        c, w, g = U(), 0.02 + 0.2 * U(), (U() * 2 - 1) * 8.0
        curve = curve + g * torch.exp(-0.5 * ((f - c) / w) ** 2)
    use_eq = (U() < 0.8).float()
    gain_curve = 10 ** (curve * use_eq / 20)
    # telephone band (300-3400 Hz) for some
    tel = (U() < p.get("tel", 0.12)).float()
    fhz = f * 8000
    band = ((fhz > 300) & (fhz < 3400)).float()
    gain_curve = gain_curve * (1 - tel + tel * band)
    x = torch.fft.irfft(X * gain_curve, n=N)
    # reverb
    rv = U() < p.get("reverb", 0.3)
    if bool(rv.any()):
        h = random_rir(B, gen, dev)
        xr = fft_conv(x, h)
        x = torch.where(rv, xr, x)
        lengths_eff = lengths
    # mu-law style coarse quantisation (codec-ish) for telephone items
    mu = (tel > 0) & (U() < 0.5)
    if bool(mu.any()):
        m = 255.0
        peak = x.abs().amax(1, keepdim=True) + 1e-6
        y = x / peak
        q = torch.sign(y) * torch.log1p(m * y.abs()) / math.log1p(m)
        q = torch.round(q * 127) / 127
        y = torch.sign(q) * ((1 + m) ** q.abs() - 1) / m
        x = torch.where(mu, y * peak, x)
    x = x * valid
    # additive noise at 10..40 dB SNR (relative to the speech part)
    sp_pow = x.pow(2).sum(1, keepdim=True) / lengths[:, None].clamp(min=1)
    use_n = U() < p.get("noise", 0.75)
    snr = 10 + 30 * U()
    expo = torch.randint(0, 3, (B,), generator=gen, device=dev).float()
    nz = _colored_noise(N, B, gen, dev, expo)
    nz = nz * (sp_pow / 10 ** (snr / 10)).sqrt() * use_n.float()
    x = x + nz * valid
    # gain (-25 .. +5 dB) with occasional clipping
    g = 10 ** ((U() * 30 - 25) / 20)
    x = x * g * 3.0
    clip = U() < 0.05
    x = torch.where(clip, x.clamp(-0.3, 0.3), x)
    x = x.clamp(-1, 1)
    # 16-bit quantisation like real input
    x = torch.round(x * 32767) / 32768
    return x * valid


def nonspeech(B, N, gen, device):
    """Noise, music-like tones and (near) silence clips with empty transcripts. Returns [B, N] and lengths."""
    U = lambda *s: torch.rand(*s, generator=gen, device=device)
    lengths = (16000 * (0.5 + 7.5 * U(B))).long().clamp(max=N)
    t = torch.arange(N, device=device)[None, :] / 16000
    kind = torch.randint(0, 4, (B, 1), generator=gen, device=device)
    expo = torch.randint(0, 3, (B,), generator=gen, device=device).float()
    noise = _colored_noise(N, B, gen, device, expo) * 0.1
    # tone sequences: notes of random pitch/duration with harmonics
    note_len = 0.1 + 0.5 * U(B, 1)
    idx = torch.floor(t / note_len)
    f0 = 110 * 2 ** (torch.floor(U(B, 64) * 36) / 12)
    fn = torch.gather(f0, 1, (idx.long() % 64))
    ph = 2 * math.pi * torch.cumsum(fn / 16000, 1)
    tone = torch.sin(ph) + 0.4 * torch.sin(2 * ph) * U(B, 1) + 0.2 * torch.sin(3 * ph) * U(B, 1)
    env = torch.exp(-(t - idx * note_len) * (2 + 8 * U(B, 1)))
    tone = tone * env * 0.1
    hum = torch.sin(2 * math.pi * (50 + 10 * torch.floor(U(B, 1) * 2)) * t) * 0.05 + noise * 0.05
    silence = noise * 10 ** (-(40 + 30 * U(B, 1)) / 20)
    x = torch.where(kind == 0, noise, torch.where(kind == 1, tone, torch.where(kind == 2, hum, silence)))
    x = x * (10 ** ((U(B, 1) * 30 - 20) / 20))
    valid = (torch.arange(N, device=device)[None, :] < lengths[:, None]).float()
    x = torch.round(x.clamp(-1, 1) * 32767) / 32768
    return x * valid, lengths


def spec_augment(feats, frames, gen, n_freq=2, max_f=15, time_frac=0.04, max_t=25):
    """feats [B, 128, T] normalised features; zero random bands and time spans (mild)."""
    B, Fq, T = feats.shape
    dev = feats.device
    out = feats.clone()
    fi = torch.arange(Fq, device=dev)[None, :]
    for _ in range(n_freq):
        w = torch.randint(0, max_f + 1, (B, 1), generator=gen, device=dev)
        s = (torch.rand(B, 1, generator=gen, device=dev) * (Fq - w)).long()
        m = (fi >= s) & (fi < s + w)
        out = out.masked_fill(m[:, :, None], 0.0)
    ti = torch.arange(T, device=dev)[None, :]
    nt = max(1, int(time_frac * T / 10))
    for _ in range(min(nt, 10)):
        w = torch.randint(0, max_t + 1, (B, 1), generator=gen, device=dev)
        s = (torch.rand(B, 1, generator=gen, device=dev) * (frames[:, None] - w).clamp(min=1)).long()
        m = (ti >= s) & (ti < s + w)
        out = out.masked_fill(m[:, None, :], 0.0)
    return out
