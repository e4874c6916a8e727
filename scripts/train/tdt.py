"""Token-and-Duration Transducer (TDT) loss in plain PyTorch (Xu et al. 2023, NeMo's TDT), fp32.

logits: [B, T, U+1, V+1+D] raw joint outputs; the first V+1 are tokens (blank = V), the last D are durations.
alpha[t, u] = logsumexp of
  - blank from (t-d, u) with duration d >= 1:          alpha[t-d, u]   + lp_blank[t-d, u]   + lp_dur[t-d, u, d]
  - label y_u from (t-d, u-1) with duration d >= 0:    alpha[t-d, u-1] + lp_lab[t-d, u-1]   + lp_dur[t-d, u-1, d]
log P = logsumexp_{d>=1, T-d>=0} alpha[T-d, U] + lp_blank[T-d, U] + lp_dur[T-d, U, d]   (land exactly on T)
The d = 0 label transitions inside one frame are a linear recurrence along u, solved with a log-cumsum-exp.
"""
import torch


def tdt_loss(logits, targets, logit_lengths, target_lengths, blank, durations=(0, 1, 2, 3, 4), reduction="none"):
    B, T, U1, _ = logits.shape
    lp_blank, lp_lab, lp_dur = _tables(logits, targets, target_lengths, blank, len(durations))
    neg_inf = torch.tensor(float("-inf"), device=logits.device)
    P_blank = lp_blank[..., None] + lp_dur  # [B,T,U1,nd]
    P_lab = lp_lab[..., None] + lp_dur      # [B,T,U1,nd]
    d0 = durations.index(0) if 0 in durations else None
    dpos = [(k, d) for k, d in enumerate(durations) if d > 0]
    ninf = float("-inf")
    # label transitions move u-1 -> u: shift along u once for all t
    P_lab_s = torch.nn.functional.pad(P_lab[:, :, :-1, :], (0, 0, 1, 0), value=ninf)  # [B,T,U1,nd]
    # source-frame terms for every target frame t and duration d >= 1: frame t-d (=-inf when t-d < 0)
    PB = torch.stack([torch.nn.functional.pad(P_blank[:, :, :, k], (0, 0, d, 0), value=ninf)[:, :T]
                      for k, d in dpos], 0)  # [nd+, B, T, U1]
    PL = torch.stack([torch.nn.functional.pad(P_lab_s[:, :, :, k], (0, 0, d, 0), value=ninf)[:, :T]
                      for k, d in dpos], 0)
    if d0 is not None and U1 > 1:
        e = P_lab[:, :, :, d0]
        e = torch.where(torch.isfinite(e), e, torch.full_like(e, -1e4))
        C_all = torch.nn.functional.pad(torch.cumsum(e[:, :, :-1], dim=2), (1, 0), value=0.0)  # [B,T,U1]
    else:
        C_all = None
    start = torch.full((B, U1), ninf, device=logits.device)
    start[:, 0] = 0.0
    filler = torch.full((B, U1), ninf, device=logits.device)
    alphas = []
    for t in range(T):
        if t == 0:
            base = start
        else:
            H = torch.stack([alphas[t - d] if t - d >= 0 else filler for _, d in dpos], 0)  # [nd+,B,U1]
            Hs = torch.nn.functional.pad(H[:, :, :-1], (1, 0), value=ninf)
            base = torch.logsumexp(torch.cat([H + PB[:, :, t], Hs + PL[:, :, t]], 0), 0)
        if C_all is not None:
            c = C_all[:, t]
            alpha = c + torch.logcumsumexp(base - c, dim=1)
        else:
            alpha = base
        alphas.append(alpha)
    A = torch.stack(alphas, 1)  # [B,T,U1]
    ll_terms = []
    bi = torch.arange(B, device=logits.device)
    for k, d in enumerate(durations):
        if d == 0:
            continue
        tt = logit_lengths - d
        ok = tt >= 0
        ttc = tt.clamp(min=0)
        v = A[bi, ttc, target_lengths] + P_blank[bi, ttc, target_lengths, k]
        ll_terms.append(torch.where(ok, v, neg_inf))
    ll = torch.logsumexp(torch.stack(ll_terms, 0), 0)
    nll = -ll
    if reduction == "none":
        return nll
    return nll.mean()


def _tables(logits, targets, target_lengths, blank, nd):
    """Log-probability tables of the joint's outputs: blank [B,T,U1], label y_u at u [B,T,U1] (-inf where u has no
    label) and durations [B,T,U1,nd]. Built by autograd (log-softmax and a gather), so gradients flow through them."""
    B, T, U1, C = logits.shape
    logits = logits.float()
    lp_tok = torch.log_softmax(logits[..., :C - nd], dim=-1)
    lp_dur = torch.log_softmax(logits[..., C - nd:], dim=-1)
    tgt = torch.zeros(B, U1, dtype=torch.long, device=logits.device)
    if U1 > 1:
        tgt[:, :U1 - 1] = targets[:, :U1 - 1]
    lp_lab = lp_tok.gather(-1, tgt[:, None, :, None].expand(B, T, U1, 1)).squeeze(-1)
    umask = torch.arange(U1, device=logits.device)[None, :] < target_lengths[:, None]
    lp_lab = lp_lab.masked_fill(~umask[:, None, :], float("-inf"))
    return lp_tok[..., blank], lp_lab, lp_dur


def _duration_sets(durations):
    """Index of duration 0 (or None), indices and values of the durations >= 1, and the largest duration."""
    ks = [k for k, d in enumerate(durations) if d > 0]
    ds = [durations[k] for k in ks]
    return (durations.index(0) if 0 in durations else None), ks, ds, max(ds)


class _TDTAlphaBeta(torch.autograd.Function):
    """log P per utterance from the tables by the forward (alpha) recursion, run without an autograd graph; the
    gradient from the backward (beta) recursion: d log P / d(edge weight) = the edge's posterior
    exp(alpha[src] + weight + beta[dst] - log P), summed per table entry in bulk. Both loops over frames use the
    same few operations per frame (one gather of the source rows, a log-sum-exp over durations and edge kinds, and a
    log-cumsum-exp for the duration-0 labels along u): about a third fewer operator calls than differentiating
    tdt_loss's loop (CPU profiler), and the loss is bound by kernel launches on a GPU (profile_step.py)."""

    @staticmethod
    def forward(ctx, lp_blank, lp_lab, lp_dur, T_len, U_len, durations):
        B, T, U1 = lp_blank.shape
        dev = lp_blank.device
        ninf = float("-inf")
        d0, ks, ds, dmax = _duration_sets(durations)
        P_blank = lp_blank[..., None] + lp_dur  # [B,T,U1,nd]
        P_lab = lp_lab[..., None] + lp_dur
        # duration-0 labels: alpha[t,u] = logaddexp(base[t,u], alpha[t,u-1] + e[t,u-1]) = C + logcumsumexp(base - C)
        if d0 is not None and U1 > 1:
            e = P_lab[:, :, :, d0]
            e = torch.where(torch.isfinite(e), e, torch.full_like(e, -1e4))
            C = torch.nn.functional.pad(torch.cumsum(e[:, :, :-1], dim=2), (1, 0), value=0.0)  # [B,T,U1]
        else:
            C = None
        # weights of the edges INTO frame t from frame t - d: [B, T, n+, U1] (blank) and label (from u - 1)
        kidx = torch.tensor(ks, device=dev)
        Pb = P_blank.index_select(3, kidx).permute(0, 1, 3, 2)  # [B,T,n+,U1] at the source frame
        Pl = P_lab.index_select(3, kidx).permute(0, 1, 3, 2)
        into_b = torch.full((B, T, len(ks), U1), ninf, device=dev)
        into_l = torch.full((B, T, len(ks), U1), ninf, device=dev)
        for j, d in enumerate(ds):
            if d < T:
                into_b[:, d:, j] = Pb[:, :T - d, j]
                into_l[:, d:, j, 1:] = Pl[:, :T - d, j, :-1]
        # A[:, dmax + t, 1 + u] = alpha[t, u]; column 0 and rows before dmax are -inf
        A = torch.full((B, T + dmax, U1 + 1), ninf, device=dev)
        start = torch.full((B, U1), ninf, device=dev)
        start[:, 0] = 0.0
        src = torch.tensor([dmax - d for d in ds], device=dev)
        for t in range(T):
            if t == 0:
                base = start
            else:
                G = A[:, src + t]  # [B, n+, U1+1]: alpha[t - d] for each d, u shifted by one column
                base = torch.logsumexp(torch.cat([G[..., 1:] + into_b[:, t], G[..., :-1] + into_l[:, t]], 1), 1)
            if C is not None:
                c = C[:, t]
                A[:, dmax + t, 1:] = c + torch.logcumsumexp(base - c, dim=1)
            else:
                A[:, dmax + t, 1:] = base
        alpha = A[:, dmax:, 1:]
        bi = torch.arange(B, device=dev)
        terms = []
        for k, d in zip(ks, ds):
            tt = T_len - d
            v = alpha[bi, tt.clamp(min=0), U_len] + P_blank[bi, tt.clamp(min=0), U_len, k]
            terms.append(torch.where(tt >= 0, v, torch.full_like(v, ninf)))
        ll = torch.logsumexp(torch.stack(terms, 0), 0)
        ctx.save_for_backward(P_blank, P_lab, alpha, ll, T_len, U_len)
        ctx.durations = durations
        return ll

    @staticmethod
    def backward(ctx, g):
        P_blank, P_lab, alpha, ll, T_len, U_len = ctx.saved_tensors
        durations = ctx.durations
        B, T, U1, nd = P_blank.shape
        dev = P_blank.device
        ninf = float("-inf")
        d0, ks, ds, dmax = _duration_sets(durations)
        tgrid = torch.arange(T, device=dev)
        live = tgrid[None, :] < T_len[:, None]  # [B,T]
        # the utterance ends by a blank from (T_len - d, U_len) with duration d: weight of that last edge per frame
        end = torch.full((B, T, U1), ninf, device=dev)
        bi = torch.arange(B, device=dev)
        for k, d in zip(ks, ds):
            tt = T_len - d
            ok = tt >= 0
            if bool(ok.any()):
                b, t_, u_ = bi[ok], tt[ok], U_len[ok]
                end[b, t_, u_] = torch.logaddexp(end[b, t_, u_], P_blank[b, t_, u_, k])
        # Work with u reversed (f = flipped), so that the duration-0 labels, which feed beta[t,u] from
        # beta[t,u+1], become a plain logcumsumexp like alpha's.
        flip = lambda x: torch.flip(x, (2,))  # noqa: E731
        kidx = torch.tensor(ks, device=dev)
        Pb = flip(P_blank.index_select(3, kidx).permute(0, 1, 3, 2).transpose(2, 3)).transpose(2, 3)  # [B,T,n+,U1]
        Pl = flip(P_lab.index_select(3, kidx).permute(0, 1, 3, 2).transpose(2, 3)).transpose(2, 3)
        endf = flip(end)
        if d0 is not None and U1 > 1:
            e = P_lab[:, :, :, d0]
            e = torch.where(torch.isfinite(e), e, torch.full_like(e, -1e4))
            C = torch.nn.functional.pad(torch.cumsum(e[:, :, :-1], dim=2), (1, 0), value=0.0)
            Cf = flip(C)
        else:
            Cf = None
        # Bf[:, t, 1 + u'] = beta[t, U1 - 1 - u']; column 0 (u = U1: no such state) and rows past T are -inf
        Bf = torch.full((B, T + dmax, U1 + 1), ninf, device=dev)
        dst = torch.tensor(ds, device=dev)
        for t in range(T - 1, -1, -1):
            G = Bf[:, dst + t]  # [B, n+, U1+1]: beta[t + d] for each d
            base = torch.logsumexp(torch.cat([G[..., 1:] + Pb[:, t], G[..., :-1] + Pl[:, t], endf[:, t, None]], 1), 1)
            if Cf is not None:
                c = Cf[:, t]
                beta = torch.logcumsumexp(base + c, dim=1) - c
            else:
                beta = base
            Bf[:, t, 1:] = torch.where(live[:, t, None], beta, torch.full_like(beta, ninf))
        Bt = torch.flip(Bf[:, :, 1:], (2,))  # [B, T + dmax, U1]: beta[t, u]
        Bt = torch.nn.functional.pad(Bt, (0, 1), value=ninf)  # beta[t, U1] = -inf
        # posteriors of every edge, in bulk
        src = alpha - ll[:, None, None]
        g_dur = torch.zeros_like(P_blank)
        for k, d in zip(ks, ds):
            nxt = Bt[:, d:d + T]
            g_dur[..., k] = torch.exp(src + P_blank[..., k] + nxt[:, :, :U1]) + torch.exp(src + P_lab[..., k] + nxt[:, :, 1:])
        lab_only = torch.zeros_like(P_blank)
        for k, d in zip(ks, ds):
            lab_only[..., k] = torch.exp(src + P_lab[..., k] + Bt[:, d:d + T, 1:])
        if d0 is not None:
            p0 = torch.exp(src + P_lab[..., d0] + Bt[:, :T, 1:])
            g_dur[..., d0] = p0
            lab_only[..., d0] = p0
        # the last blank into the end of the utterance
        g_end = torch.exp(src + end)  # [B,T,U1], summed over its durations below
        for k, d in zip(ks, ds):
            tt = T_len - d
            ok = tt >= 0
            if bool(ok.any()):
                b, t_, u_ = bi[ok], tt[ok], U_len[ok]
                g_dur[b, t_, u_, k] += torch.exp(alpha[b, t_, u_] + P_blank[b, t_, u_, k] - ll[b])
        g_dur = torch.where(live[:, :, None, None], g_dur, torch.zeros_like(g_dur))
        lab_only = torch.where(live[:, :, None, None], lab_only, torch.zeros_like(lab_only))
        g_lab = lab_only.sum(-1)
        g_blank = g_dur.sum(-1) - g_lab
        del g_end
        scale = g[:, None, None]
        return g_blank * scale, g_lab * scale, g_dur * scale[..., None], None, None, None


def tdt_loss_fast(logits, targets, logit_lengths, target_lengths, blank, durations=(0, 1, 2, 3, 4), reduction="none"):
    """tdt_loss with its gradient from the beta recursion (same value and gradient; `python3 tdt.py` checks)."""
    nd = len(durations)
    lp_blank, lp_lab, lp_dur = _tables(logits, targets, target_lengths, blank, nd)
    ll = _TDTAlphaBeta.apply(lp_blank, lp_lab, lp_dur, logit_lengths, target_lengths, tuple(durations))
    nll = -ll
    return nll if reduction == "none" else nll.mean()


def brute_force_tdt(logits, targets, T, U, blank, durations):
    """Enumerate all alignments (tiny sizes only) for testing."""
    import math
    lt = torch.log_softmax(logits[..., :-len(durations)].double(), -1)
    ld = torch.log_softmax(logits[..., -len(durations):].double(), -1)
    total = []

    def rec(t, u, acc, last_blank):
        if t == T and u == U and last_blank:
            total.append(acc)
            return
        if t >= T:
            return
        for k, d in enumerate(durations):
            if u < U:
                rec(t + d, u + 1, acc + float(lt[t, u, targets[u]] + ld[t, u, k]), False)
            if d > 0:
                rec(t + d, u, acc + float(lt[t, u, blank] + ld[t, u, k]), True)
    rec(0, 0, 0.0, False)
    m = max(total)
    return -(m + math.log(sum(math.exp(x - m) for x in total)))


if __name__ == "__main__":
    torch.manual_seed(0)
    V, durs = 5, (0, 1, 2, 3, 4)
    for (T, U) in [(1, 0), (3, 0), (4, 2), (6, 3), (5, 1), (2, 3)]:
        lg = torch.randn(1, T, U + 1, V + 1 + len(durs))
        tg = torch.randint(0, V, (1, max(U, 1)))
        got = float(tdt_loss(lg, tg, torch.tensor([T]), torch.tensor([U]), V, durs)[0])
        ref = brute_force_tdt(lg[0], tg[0].tolist(), T, U, V, durs)
        print(T, U, got, ref, abs(got - ref))
    # batch with padding == individual
    B = 3
    Ts, Us = [7, 4, 6], [3, 0, 2]
    lg = torch.randn(B, 7, 4, V + 6, requires_grad=True)
    tg = torch.randint(0, V, (B, 3))
    nb = tdt_loss(lg, tg, torch.tensor(Ts), torch.tensor(Us), V, durs)
    for b in range(B):
        single = tdt_loss(lg[b:b + 1, :Ts[b], :Us[b] + 1], tg[b:b + 1, :max(Us[b], 1)], torch.tensor([Ts[b]]),
                          torch.tensor([Us[b]]), V, durs)
        print("batch vs single", float(nb[b]), float(single[0]))
    nb.sum().backward()
    print("grad finite", bool(torch.isfinite(lg.grad).all()))
    # tdt_loss_fast: same values and gradients as differentiating tdt_loss's frame loop
    worst = 0.0
    for trial in range(6):
        B, T, U = 4, 2 + 5 * trial, 1 + 2 * trial
        Ts = torch.randint(1, T + 1, (B,))
        Ts[0] = T
        Us = torch.randint(0, U + 1, (B,))
        Us[1] = 0
        lg1 = (3 * torch.randn(B, T, U + 1, V + 6, dtype=torch.float64)).requires_grad_(True)
        lg2 = lg1.detach().clone().requires_grad_(True)
        tg = torch.randint(0, V, (B, max(U, 1)))
        w = torch.randn(B, dtype=torch.float64)
        a = tdt_loss(lg1, tg, Ts, Us, V, durs)
        b = tdt_loss_fast(lg2, tg, Ts, Us, V, durs)
        (a * w).sum().backward()
        (b * w).sum().backward()
        ok = torch.isfinite(a)
        worst = max(worst, float((a[ok] - b[ok]).abs().max()), float((lg1.grad - lg2.grad).abs().max()))
    print("fast vs autograd: max difference in loss and gradient", worst)
