"""Small FastConformer-style TDT transducer with the Parakeet ONNX export interface."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def ceil_half(l):
    return torch.div(l + 1, 2, rounding_mode="floor")


def time_mask(T: int, lengths: torch.Tensor, device):
    return torch.arange(T, device=device)[None, :] < lengths[:, None]


class Subsampling(nn.Module):
    """dw_striding 8x: Conv2d(1,C,3,s2,p1)+ReLU, then 2x [depthwise Conv2d(3,s2,p1), pointwise 1x1, ReLU].
    Padded frames are zeroed after every stage so batched and single inference agree."""

    def __init__(self, feat_in=128, d_model=256, ch=128):
        super().__init__()
        self.conv1 = nn.Conv2d(1, ch, 3, 2, 1)
        self.dw2 = nn.Conv2d(ch, ch, 3, 2, 1, groups=ch)
        self.pw2 = nn.Conv2d(ch, ch, 1)
        self.dw3 = nn.Conv2d(ch, ch, 3, 2, 1, groups=ch)
        self.pw3 = nn.Conv2d(ch, ch, 1)
        self.out = nn.Linear(ch * (feat_in // 8), d_model)

    @staticmethod
    def _mask(x, l):
        m = time_mask(x.shape[2], l, x.device).to(x.dtype)
        return x * m[:, None, :, None]

    def forward(self, x, lengths):  # x [B, T, F]
        x = x.unsqueeze(1)
        l = ceil_half(lengths)
        x = self._mask(F.relu(self.conv1(x)), l)
        l = ceil_half(l)
        x = self._mask(F.relu(self.pw2(self.dw2(x))), l)
        l = ceil_half(l)
        x = self._mask(F.relu(self.pw3(self.dw3(x))), l)
        B, C, T, Fq = x.shape
        x = x.transpose(1, 2).reshape(B, T, C * Fq)
        return self.out(x), l


class FeedForward(nn.Module):
    def __init__(self, d, ff, drop):
        super().__init__()
        self.ln = nn.LayerNorm(d)
        self.l1 = nn.Linear(d, ff)
        self.l2 = nn.Linear(ff, d)
        self.drop = nn.Dropout(drop)

    def forward(self, x):
        return self.drop(self.l2(self.drop(F.silu(self.l1(self.ln(x))))))


class MHSA(nn.Module):
    def __init__(self, d, heads, drop):
        super().__init__()
        self.ln = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.o = nn.Linear(d, d)
        self.h = heads
        self.drop = nn.Dropout(drop)
        self.p = drop
        self.use_sdpa = True

    def forward(self, x, mask):  # mask [B, T] bool (True = valid)
        B, T, D = x.shape
        q, k, v = self.qkv(self.ln(x)).view(B, T, 3, self.h, D // self.h).permute(2, 0, 3, 1, 4)
        if self.use_sdpa:
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask[:, None, None, :],
                                               dropout_p=self.p if self.training else 0.0)
        else:  # explicit attention for export
            s = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(D // self.h))
            s = s.masked_fill(~mask[:, None, None, :], -10000.0)
            y = torch.matmul(torch.softmax(s, dim=-1), v)
        y = y.transpose(1, 2).reshape(B, T, D)
        return self.drop(self.o(y))


class ConvModule(nn.Module):
    def __init__(self, d, k, drop):
        super().__init__()
        self.ln = nn.LayerNorm(d)
        self.pw1 = nn.Linear(d, 2 * d)
        self.dw = nn.Conv1d(d, d, k, padding=k // 2, groups=d)
        self.ln2 = nn.LayerNorm(d)
        self.pw2 = nn.Linear(d, d)
        self.drop = nn.Dropout(drop)

    def forward(self, x, mask):
        y = F.glu(self.pw1(self.ln(x)), dim=-1)
        y = y * mask[..., None].to(y.dtype)
        y = self.dw(y.transpose(1, 2)).transpose(1, 2)
        y = self.pw2(F.silu(self.ln2(y)))
        return self.drop(y)


class ConformerLayer(nn.Module):
    def __init__(self, d, heads, ff, k, drop):
        super().__init__()
        self.ff1 = FeedForward(d, ff, drop)
        self.att = MHSA(d, heads, drop)
        self.conv = ConvModule(d, k, drop)
        self.ff2 = FeedForward(d, ff, drop)
        self.ln = nn.LayerNorm(d)

    def forward(self, x, mask):
        x = x + 0.5 * self.ff1(x)
        x = x + self.att(x, mask)
        x = x + self.conv(x, mask)
        x = x + 0.5 * self.ff2(x)
        return self.ln(x)


class Encoder(nn.Module):
    def __init__(self, feat_in=128, d=256, layers=8, heads=4, ff=1024, k=9, drop=0.1, sub_ch=128):
        super().__init__()
        self.sub = Subsampling(feat_in, d, sub_ch)
        self.layers = nn.ModuleList([ConformerLayer(d, heads, ff, k, drop) for _ in range(layers)])
        self.drop = nn.Dropout(drop)

    def forward(self, feats, lengths):  # feats [B, 128, T]
        x, l = self.sub(feats.transpose(1, 2), lengths)
        mask = time_mask(x.shape[1], l, x.device)
        x = self.drop(x)
        for layer in self.layers:
            x = layer(x, mask)
        x = x * mask[..., None].to(x.dtype)
        return x, l  # [B, T', D]


class Predictor(nn.Module):
    def __init__(self, vocab, hidden=320, layers=1):
        super().__init__()
        self.blank = vocab  # V: blank = last id
        self.emb = nn.Embedding(vocab + 1, hidden, padding_idx=vocab)
        self.lstm = nn.LSTM(hidden, hidden, num_layers=layers, batch_first=True)
        self.layers = layers
        self.hidden = hidden

    def forward(self, tokens, state=None):
        y, st = self.lstm(self.emb(tokens), state)
        return y, st


class Joint(nn.Module):
    def __init__(self, d_enc, d_pred, d_joint, vocab, n_dur=5):
        super().__init__()
        self.enc = nn.Linear(d_enc, d_joint)
        self.pred = nn.Linear(d_pred, d_joint)
        self.out = nn.Linear(d_joint, vocab + 1 + n_dur)

    def forward(self, enc, pred):  # enc [B,T,De], pred [B,U,Dp] -> [B,T,U,V+1+5]
        return self.out(F.relu(self.enc(enc)[:, :, None, :] + self.pred(pred)[:, None, :, :]))


class TDTModel(nn.Module):
    def __init__(self, vocab=256, d=256, layers=8, heads=4, ff=1024, k=9, pred_hidden=320, joint=320, drop=0.1,
                 durations=(0, 1, 2, 3, 4)):
        super().__init__()
        self.vocab = vocab
        self.durations = list(durations)
        self.encoder = Encoder(128, d, layers, heads, ff, k, drop)
        self.predictor = Predictor(vocab, pred_hidden)
        self.joint = Joint(d, pred_hidden, joint, vocab, len(durations))
        self.ctc = nn.Linear(d, vocab + 1)  # auxiliary CTC head (training only, not exported)


# ---------------------------------------------------------------- export wrappers (Parakeet / onnx-asr contract)
class EncoderExport(nn.Module):
    def __init__(self, model: TDTModel):
        super().__init__()
        self.encoder = model.encoder

    def forward(self, audio_signal, length):
        x, l = self.encoder(audio_signal, length)
        return x.transpose(1, 2), l.to(torch.int64)


class DecoderJointExport(nn.Module):
    def __init__(self, model: TDTModel):
        super().__init__()
        self.predictor = model.predictor
        self.joint = model.joint

    def forward(self, encoder_outputs, targets, target_length, input_states_1, input_states_2):
        g, (h, c) = self.predictor(targets.to(torch.int64), (input_states_1, input_states_2))
        logits = self.joint(encoder_outputs.transpose(1, 2), g)
        return logits, target_length, h, c
