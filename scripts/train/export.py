"""ONNX export in the Parakeet/onnx-asr layout, int8 quantisation, and an independent numpy TDT greedy decoder
(docs/parakeet-contract.md §4.3) for verification through onnxruntime (CPU)."""
import json
import os
import re

import numpy as np
import torch

from model import DecoderJointExport, EncoderExport, TDTModel

CONFIG = {"model_type": "nemo-conformer-tdt", "features_size": 128, "subsampling_factor": 8,
          "max_tokens_per_step": 10, "durations": [0, 1, 2, 3, 4], "window_stride": 0.01, "sample_rate": 16000}


def export_onnx(model: TDTModel, out_dir, opset=17):
    os.makedirs(out_dir, exist_ok=True)
    model = model.float().eval().cpu()
    for m in model.modules():
        if hasattr(m, "use_sdpa"):
            m.use_sdpa = False
    enc = EncoderExport(model).eval()
    x = torch.randn(2, 128, 203)
    l = torch.tensor([203, 150], dtype=torch.int64)
    enc_path = os.path.join(out_dir, "encoder-model.onnx")
    with torch.no_grad():
        torch.onnx.export(enc, (x, l), enc_path, input_names=["audio_signal", "length"],
                          output_names=["outputs", "encoded_lengths"],
                          dynamic_axes={"audio_signal": {0: "batch", 2: "time"}, "length": {0: "batch"},
                                        "outputs": {0: "batch", 2: "enc_time"}, "encoded_lengths": {0: "batch"}},
                          opset_version=opset, dynamo=False, do_constant_folding=True)
    dec = DecoderJointExport(model).eval()
    H = model.predictor.hidden
    Lyr = model.predictor.layers
    D = model.joint.enc.in_features
    e = torch.randn(2, D, 3)
    tg = torch.tensor([[5], [model.vocab]], dtype=torch.int32)
    tl = torch.tensor([1, 1], dtype=torch.int32)
    h = torch.zeros(Lyr, 2, H)
    c = torch.zeros(Lyr, 2, H)
    dec_path = os.path.join(out_dir, "decoder_joint-model.onnx")
    with torch.no_grad():
        torch.onnx.export(dec, (e, tg, tl, h, c), dec_path,
                          input_names=["encoder_outputs", "targets", "target_length", "input_states_1",
                                       "input_states_2"],
                          output_names=["outputs", "prednet_lengths", "output_states_1", "output_states_2"],
                          dynamic_axes={"encoder_outputs": {0: "batch", 2: "enc_time"},
                                        "targets": {0: "batch", 1: "tgt_len"}, "target_length": {0: "batch"},
                                        "input_states_1": {1: "batch"}, "input_states_2": {1: "batch"},
                                        "outputs": {0: "batch", 1: "enc_time", 2: "tgt_len"},
                                        "prednet_lengths": {0: "batch"}, "output_states_1": {1: "batch"},
                                        "output_states_2": {1: "batch"}},
                          opset_version=opset, dynamo=False, do_constant_folding=True)
    for m in model.modules():
        if hasattr(m, "use_sdpa"):
            m.use_sdpa = True
    return enc_path, dec_path


def quantize_encoder(src, dst):
    from onnxruntime.quantization import QuantType, quantize_dynamic
    quantize_dynamic(src, dst, weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul", "Gemm"],
                     per_channel=False)
    return dst


def quantize_encoder_rows(src, dst):
    """int8 encoder whose output for an utterance does not depend on what shares its batch.

    quantize_dynamic's DynamicQuantizeLinear takes one activation scale over the whole [B, T, D] tensor, so padding
    and the other utterances change every frame's rounding (58 of the 458 test clips decoded differently at batch 8
    than alone). Here every MatMul with a constant weight [K, N] becomes
        m = max(|x|, last axis)                        one scale per row (= frame), symmetric
        q = QuantizeLinear(x / m, 1/127, 128)          uint8 with zero point 128 (int8 shifted): MLAS's fast U8S8 GEMM
                                                       (int8 x int8 ran 4x slower here)
        y = MatMulIntegerToFloat(q, Wq, 1/127, w_scale, 128) * m    Wq int8 symmetric per output column
    Each frame then depends only on itself, and the integer GEMM is exact whatever its shape. Attention's
    activation x activation MatMuls and the convolutions stay fp32."""
    import onnx
    from onnx import helper, numpy_helper
    m = onnx.load(src)
    inits = {i.name: i for i in m.graph.initializer}
    opset = next(o.version for o in m.opset_import if o.domain in ("", "ai.onnx"))
    consts = {"rq_inv127": np.float32(1 / 127), "rq_zp": np.uint8(128),
              **({"rq_axes": np.array([-1], np.int64)} if opset >= 18 else {})}
    m.graph.initializer.extend(numpy_helper.from_array(np.array(v), k) for k, v in consts.items())
    nodes, done = [], set()
    for n in m.graph.node:
        w = inits.get(n.input[1]) if n.op_type == "MatMul" else None
        if w is None or len(w.dims) != 2:
            nodes.append(n)
            continue
        if w.name not in done:  # a weight shared by several MatMuls is quantised once
            W = numpy_helper.to_array(w)
            ws = np.maximum(np.abs(W).max(0), 1e-12) / 127
            m.graph.initializer.remove(w)
            m.graph.initializer.extend([numpy_helper.from_array(np.round(W / ws).astype(np.int8), w.name + "_q"),
                                        numpy_helper.from_array(ws.astype(np.float32), w.name + "_s")])
            done.add(w.name)
        x, y, p = n.input[0], n.output[0], n.output[0] + "_rq"
        # An all-zero row (a padded frame after masking) has m = 0: its q (QuantizeLinear of 0/0 = NaN) is arbitrary but
        # finite, and the final * m makes its output exactly 0, so no epsilon op is needed (one kernel less per MatMul).
        red = (helper.make_node("ReduceMax", [p + "_abs", "rq_axes"], [p + "_max"], keepdims=1) if opset >= 18 else
               helper.make_node("ReduceMax", [p + "_abs"], [p + "_max"], axes=[-1], keepdims=1))
        nodes += [helper.make_node("Abs", [x], [p + "_abs"]), red,
                  helper.make_node("Div", [x, p + "_max"], [p + "_xs"]),
                  helper.make_node("QuantizeLinear", [p + "_xs", "rq_inv127", "rq_zp"], [p + "_q"]),
                  helper.make_node("MatMulIntegerToFloat", [p + "_q", w.name + "_q", "rq_inv127", w.name + "_s",
                                                            "rq_zp"], [p + "_f"], domain="com.microsoft"),
                  helper.make_node("Mul", [p + "_f", p + "_max"], [y])]
    del m.graph.node[:]
    m.graph.node.extend(nodes)
    if not any(o.domain == "com.microsoft" for o in m.opset_import):
        m.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    onnx.save(m, dst)
    return dst


def write_vocab_config(out_dir, vocab_txt_src, name="parakeet-tiny-en", extra=None):
    import shutil
    shutil.copyfile(vocab_txt_src, os.path.join(out_dir, "vocab.txt"))
    cfg = dict(CONFIG)
    cfg["name"] = name
    if extra:
        cfg.update(extra)
    with open(os.path.join(out_dir, "config.json"), "w") as fh:
        json.dump(cfg, fh, indent=2)
        fh.write("\n")


# ------------------------------------------------------------------ numpy reference decoding through ORT
class OrtTDT:
    def __init__(self, model_dir, encoder_file="encoder-model.onnx", threads=4):
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        self.enc = ort.InferenceSession(os.path.join(model_dir, encoder_file), so, providers=["CPUExecutionProvider"])
        self.dec = ort.InferenceSession(os.path.join(model_dir, "decoder_joint-model.onnx"), so,
                                        providers=["CPUExecutionProvider"])
        vocab = {}
        with open(os.path.join(model_dir, "vocab.txt"), encoding="utf-8") as fh:
            for line in fh:
                line = line.rstrip("\n")
                if not line:
                    continue
                piece, idx = line.rsplit(" ", 1)
                vocab[int(idx)] = piece.replace("\u2581", " ")
        self.vocab = vocab
        self.V1 = len(vocab)
        self.blank = [i for i, p in vocab.items() if p == "<blk>"][0]
        cfg = json.load(open(os.path.join(model_dir, "config.json")))
        self.durations = cfg.get("durations", [0, 1, 2, 3, 4])
        self.max_tokens = cfg.get("max_tokens_per_step", 10)
        si = {i.name: i for i in self.dec.get_inputs()}
        self.state_shape = (si["input_states_1"].shape[0], si["input_states_1"].shape[2])

    def encode(self, feats, flen):
        out, el = self.enc.run(["outputs", "encoded_lengths"], {"audio_signal": feats.astype(np.float32),
                                                                 "length": flen.astype(np.int64)})
        return out, el

    def greedy(self, enc_len, joint, emit):
        """TDT greedy decoding (contract §4.3) over one utterance. joint(t) gives the joint's logits at frame t for
        the current prediction state; emit(token) advances that state (only a non-blank token does)."""
        tokens, t, emitted = [], 0, 0
        while t < enc_len:
            v = joint(t)
            token = int(np.argmax(v[:self.V1]))
            step = self.durations[int(np.argmax(v[self.V1:]))]
            if token != self.blank:
                emit(token)
                tokens.append(token)
                emitted += 1
            if step > 0:
                t += step
                emitted = 0
            elif token == self.blank:
                t += 1
                emitted = 0
            elif emitted == self.max_tokens:
                t += 1
                emitted = 0
        return tokens

    def decode_one(self, enc_bdt, enc_len):
        """enc_bdt: [D, T'] one utterance, through decoder_joint-model.onnx."""
        L, H = self.state_shape
        st = {"prev": self.blank, "h": np.zeros((L, 1, H), np.float32), "c": np.zeros((L, 1, H), np.float32)}

        def joint(t):
            logits, st["nh"], st["nc"] = self.dec.run(["outputs", "output_states_1", "output_states_2"], {
                "encoder_outputs": enc_bdt[None, :, t:t + 1].astype(np.float32),
                "targets": np.array([[st["prev"]]], np.int32), "target_length": np.array([1], np.int32),
                "input_states_1": st["h"], "input_states_2": st["c"]})
            return logits.reshape(-1)

        def emit(token):
            st["prev"], st["h"], st["c"] = token, st["nh"], st["nc"]

        return self.greedy(enc_len, joint, emit)

    def text(self, tokens):
        s = "".join(self.vocab[t] for t in tokens)
        return re.sub(r"\A\s|\s\B|(\s)\b", lambda m: " " if m.group(1) else "", s)

    def transcribe_feats(self, feats, flen):
        out, el = self.encode(feats, flen)
        return [self.text(self.decode_one(out[b], int(el[b]))) for b in range(out.shape[0])]


def wer_counts(ref: str, hyp: str):
    r, h = ref.split(), hyp.split()
    d = list(range(len(h) + 1))
    for i in range(1, len(r) + 1):
        prev, d[0] = d[0], i
        for j in range(1, len(h) + 1):
            cur = d[j]
            d[j] = min(d[j] + 1, d[j - 1] + 1, prev + (r[i - 1] != h[j - 1]))
            prev = cur
    return d[len(h)], len(r)


def evaluate_sets(o, sets, batch=8, examples=3):
    """WER per test set through an OrtTDT. sets: name -> [(int16 audio, {"text": ...}), ...]. Returns name -> counts,
    WER, non-empty transcripts, every hypothesis (in order) and the first few ref/hyp pairs."""
    out = {}
    for name, items in sets.items():
        errs = words = nonempty = 0
        hyps, shown = [], []
        for i in range(0, len(items), batch):
            chunk = items[i:i + batch]
            f, F = numpy_features([x.astype(np.float32) / 32768 for x, _ in chunk])
            for (_, item), h in zip(chunk, o.transcribe_feats(f, F)):
                e, n = wer_counts(item["text"], h)
                errs += e
                words += n
                nonempty += int(bool(h.strip()))
                hyps.append(h)
                if len(shown) < examples:
                    shown.append({"ref": item["text"], "hyp": h, "voice": item.get("voice")})
        out[name] = {"n": len(items), "words": words, "errors": errs, "wer": round(100 * errs / max(1, words), 2),
                     "nonempty": nonempty, "hyps": hyps, "examples": shown}
    return out


def numpy_features(wavs):
    """Batch nemo128 features with the torch featurizer on CPU (float64 inside). wavs: list of float32 arrays."""
    from features import Nemo128
    feat = Nemo128(os.environ.get("NEMO_FBANK"))
    N = max(len(w) for w in wavs)
    x = torch.zeros(len(wavs), N)
    for i, w in enumerate(wavs):
        x[i, :len(w)] = torch.from_numpy(w)
    f, F = feat(x, torch.tensor([len(w) for w in wavs]))
    return f.numpy(), F.numpy()


# ------------------------------------------------------------------ sherpa-onnx layout (NeMo transducer, split)
class SherpaDecoder(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.predictor = model.predictor

    def forward(self, targets, target_length, states_1, states_2):
        g, (h, c) = self.predictor(targets.to(torch.int64), (states_1, states_2))
        return g.transpose(1, 2), target_length, h, c  # [B, H, U] like NeMo's RNNTDecoder export


class SherpaJoiner(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.joint = model.joint

    def forward(self, encoder_outputs, decoder_outputs):
        return self.joint(encoder_outputs.transpose(1, 2), decoder_outputs.transpose(1, 2))


def sherpa_metadata(model):
    return {"vocab_size": str(model.vocab), "normalize_type": "per_feature",
            "pred_rnn_layers": str(model.predictor.layers), "pred_hidden": str(model.predictor.hidden),
            "subsampling_factor": "8", "model_type": "EncDecRNNTBPEModel", "version": "2",
            "model_author": "parakeet-nest (scripts/train)", "feat_dim": "128",
            "url": "parakeet-tiny-en-tdt (trained locally on synthetic speech, not downloaded)",
            "comment": "Only the transducer branch is exported; TDT durations [0,1,2,3,4]"}


def add_metadata(path, meta):
    import onnx
    m = onnx.load(path)
    while len(m.metadata_props):
        m.metadata_props.pop()
    for k, v in meta.items():
        p = m.metadata_props.add()
        p.key = k
        p.value = str(v)
    onnx.save(m, path)


def export_sherpa(model, out_dir, vocab_txt, opset=17):
    """decoder.onnx + joiner.onnx + tokens.txt; the encoder is the shared ../encoder-model.onnx (metadata added)."""
    import shutil
    os.makedirs(out_dir, exist_ok=True)
    model = model.float().eval().cpu()
    H, L, D = model.predictor.hidden, model.predictor.layers, model.joint.enc.in_features
    dec = SherpaDecoder(model).eval()
    with torch.no_grad():
        torch.onnx.export(dec, (torch.tensor([[3], [model.vocab]], dtype=torch.int32),
                                torch.tensor([1, 1], dtype=torch.int32), torch.zeros(L, 2, H), torch.zeros(L, 2, H)),
                          os.path.join(out_dir, "decoder.onnx"),
                          input_names=["targets", "target_length", "states.1", "states.2"],
                          output_names=["outputs", "prednet_lengths", "output_states_1", "output_states_2"],
                          dynamic_axes={"targets": {0: "batch", 1: "tgt_len"}, "target_length": {0: "batch"},
                                        "states.1": {1: "batch"}, "states.2": {1: "batch"},
                                        "outputs": {0: "batch", 2: "tgt_len"}, "prednet_lengths": {0: "batch"},
                                        "output_states_1": {1: "batch"}, "output_states_2": {1: "batch"}},
                          opset_version=opset, dynamo=False)
        jn = SherpaJoiner(model).eval()
        torch.onnx.export(jn, (torch.randn(2, D, 1), torch.randn(2, H, 1)), os.path.join(out_dir, "joiner.onnx"),
                          input_names=["encoder_outputs", "decoder_outputs"], output_names=["outputs"],
                          dynamic_axes={"encoder_outputs": {0: "batch", 2: "enc_time"},
                                        "decoder_outputs": {0: "batch", 2: "tgt_len"},
                                        "outputs": {0: "batch", 1: "enc_time", 2: "tgt_len"}},
                          opset_version=opset, dynamo=False)
    shutil.copyfile(vocab_txt, os.path.join(out_dir, "tokens.txt"))


class OrtSherpaTDT(OrtTDT):
    """Same §4.3 decoding, through the split decoder/joiner files (checks the sherpa layout)."""

    def __init__(self, model_dir, sherpa_dir, encoder_file="encoder-model.onnx"):
        super().__init__(model_dir, encoder_file, threads=2)
        import onnxruntime as ort
        self.sdec = ort.InferenceSession(os.path.join(sherpa_dir, "decoder.onnx"), providers=["CPUExecutionProvider"])
        self.sjoin = ort.InferenceSession(os.path.join(sherpa_dir, "joiner.onnx"), providers=["CPUExecutionProvider"])
        meta = self.enc.get_modelmeta().custom_metadata_map
        self.state_shape = (int(meta["pred_rnn_layers"]), int(meta["pred_hidden"]))

    def decode_one(self, enc_bdt, enc_len):
        L, H = self.state_shape

        def pred(tok, h, c):
            return self.sdec.run(None, {"targets": np.array([[tok]], np.int32), "target_length": np.array([1], np.int32),
                                        "states.1": h, "states.2": c})
        st = {}
        st["g"], _, st["h"], st["c"] = pred(self.blank, np.zeros((L, 1, H), np.float32), np.zeros((L, 1, H), np.float32))

        def joint(t):
            return self.sjoin.run(None, {"encoder_outputs": enc_bdt[None, :, t:t + 1].astype(np.float32),
                                         "decoder_outputs": st["g"]})[0].reshape(-1)

        def emit(token):
            st["g"], _, st["h"], st["c"] = pred(token, st["h"], st["c"])

        return self.greedy(enc_len, joint, emit)
