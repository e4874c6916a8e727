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
    B, T, U1, C = logits.shape
    nd = len(durations)
    logits = logits.float()
    lp_tok = torch.log_softmax(logits[..., :C - nd], dim=-1)
    lp_dur = torch.log_softmax(logits[..., C - nd:], dim=-1)  # [B,T,U1,nd]
    lp_blank = lp_tok[..., blank]  # [B,T,U1]
    tgt = torch.zeros(B, U1, dtype=torch.long, device=logits.device)
    if U1 > 1:
        tgt[:, :U1 - 1] = targets[:, :U1 - 1]
    lp_lab = lp_tok.gather(-1, tgt[:, None, :, None].expand(B, T, U1, 1)).squeeze(-1)  # [B,T,U1]
    neg_inf = torch.tensor(float("-inf"), device=logits.device)
    # positions u >= target_length have no label
    umask = torch.arange(U1, device=logits.device)[None, :] < target_lengths[:, None]  # [B,U1]
    lp_lab = torch.where(umask[:, None, :], lp_lab, neg_inf)
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
