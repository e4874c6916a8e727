#!/usr/bin/env python3
"""Runs ON the GPU host (torch, onnx and onnxruntime are installed there; none of them here).

python3 scripts/gpu/torch_reference.py --model DIR [--batches 1,8,32,64,128] [--seconds 10] [--json out.json]

The physical reference for issue #20: the Parakeet-size encoder's own graph (DIR/encoder-model.onnx, the fp32
model from `make-test-model --shape parakeet-full`) executed node by node as PyTorch eager ops on the GPU, on
the same weights, in fp32 and in fp16. It reports
  - agreement: torch fp32 and fp16 against onnxruntime's CPU provider on a short input (‖Δ‖/‖ref‖), which
    checks this interpreter before its timings mean anything;
  - encoder RTFx per batch size (audio seconds / GPU seconds, timed with CUDA events, median of 5 after warm-up):
    the ceiling an ONNX Runtime session of the same graph is compared with.
The TDT decoding loop is not re-implemented here: its cost in the service is measured by bench-model.
"""
import argparse
import json
import math
import os
import statistics

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

ap = argparse.ArgumentParser()
ap.add_argument('--model', required=True)
ap.add_argument('--fp32-model', help='ignored: the fp32 graph in --model is cast to fp16 here')
ap.add_argument('--batches', default='1,8,32,64,128')
ap.add_argument('--seconds', type=float, default=10.0)
ap.add_argument('--json')
args = ap.parse_args()
model_dir = args.fp32_model or args.model
path = os.path.join(model_dir, 'encoder-model.onnx')
dev = torch.device('cuda')
graph = onnx.load(path, load_external_data=True).graph
weights = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in graph.initializer}


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def ints(t):
    return [int(v) for v in t.reshape(-1).tolist()]


on_gpu = {}


def run(audio, length, dtype):
    # The weights go to the GPU once per dtype, not per call: only the graph's own work is timed.
    if dtype not in on_gpu:
        on_gpu.clear()
        torch.cuda.empty_cache()
        on_gpu[dtype] = {k: (v.to(dev, dtype) if v.is_floating_point() else v.to(dev)) for k, v in weights.items()}
    env = dict(on_gpu[dtype])
    env['audio_signal'] = audio.to(dev, dtype)
    env['length'] = length.to(dev)
    for n in graph.node:
        a = attrs(n)
        x = [env[i] if i else None for i in n.input]
        op = n.op_type
        if op == 'Transpose': y = x[0].permute(*a['perm'])
        elif op == 'Unsqueeze':
            y = x[0]
            for ax in sorted(ints(x[1])): y = y.unsqueeze(ax)
        elif op == 'Squeeze': y = x[0].squeeze(ints(x[1])[0])
        elif op == 'Reshape':
            shape = [x[0].shape[i] if s == 0 else s for i, s in enumerate(ints(x[1]))]
            y = x[0].reshape(shape)
        elif op == 'Conv':
            k = a['kernel_shape']; pads = a.get('pads', [0] * 2 * len(k)); st = a.get('strides', [1] * len(k)); g = a.get('group', 1)
            conv = F.conv1d if len(k) == 1 else F.conv2d
            y = conv(x[0], x[1], x[2] if len(x) > 2 else None, stride=st, padding=pads[:len(k)], groups=g)
        elif op == 'Relu': y = F.relu(x[0])
        elif op == 'Sigmoid': y = torch.sigmoid(x[0])
        elif op == 'MatMul': y = torch.matmul(x[0], x[1])
        elif op == 'Add': y = x[0] + x[1]
        elif op == 'Sub': y = x[0] - x[1]
        elif op == 'Mul': y = x[0] * x[1]
        elif op == 'Div': y = torch.div(x[0], x[1], rounding_mode='trunc') if not x[0].is_floating_point() else x[0] / x[1]
        elif op == 'Shape': y = torch.tensor(list(x[0].shape), dtype=torch.int64, device=dev)
        elif op == 'Gather': y = torch.index_select(x[0], a.get('axis', 0), x[1].reshape(-1)).reshape(x[1].shape + x[0].shape[1:]) if a.get('axis', 0) == 0 else None
        elif op == 'Range': y = torch.arange(int(x[0]), int(x[1]), int(x[2]), device=dev)
        elif op == 'Less': y = x[0] < x[1]
        elif op == 'Equal': y = x[0] == x[1]
        elif op == 'Cast': y = x[0].to({1: dtype, 7: torch.int64, 6: torch.int32, 10: torch.float16}[a['to']])
        elif op == 'Slice':
            y = x[0]
            axes = ints(x[3]) if len(x) > 3 and x[3] is not None else list(range(len(ints(x[1]))))
            for s, e, ax in zip(ints(x[1]), ints(x[2]), axes):
                size = y.shape[ax]; s = max(0, min(size, s + size if s < 0 else s)); e = max(0, min(size, e + size if e < 0 else e))
                y = y.narrow(ax, s, max(0, e - s))
        elif op == 'Concat': y = torch.cat(x, dim=a['axis'])
        elif op == 'Pad':
            p = ints(x[1]); r = len(p) // 2
            y = F.pad(x[0], [v for i in reversed(range(r)) for v in (p[i], p[i + r])])
        elif op == 'LayerNormalization': y = F.layer_norm(x[0], x[0].shape[-1:], x[1], x[2], a.get('epsilon', 1e-5))
        elif op == 'BatchNormalization': y = F.batch_norm(x[0], x[3], x[4], x[1], x[2], False, 0.0, a.get('epsilon', 1e-5))
        elif op == 'Softmax': y = torch.softmax(x[0], dim=a.get('axis', -1))
        elif op == 'Split': y = list(torch.chunk(x[0], len(n.output), dim=a.get('axis', 0)))
        elif op == 'Identity': y = x[0]
        elif op == 'ReduceSum': y = x[0].sum(dim=ints(x[1]), keepdim=bool(a.get('keepdims', 1)))
        elif op == 'Max': y = torch.maximum(x[0], x[1])
        elif op == 'Tanh': y = torch.tanh(x[0])
        else: raise NotImplementedError(op)
        if y is None: raise NotImplementedError(f'{op} {a}')
        for name, val in zip(n.output, y if isinstance(y, list) else [y]): env[name] = val
    return env['outputs'], env['encoded_lengths']


def features(batch, frames, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(batch, 128, frames, generator=g), torch.full((batch,), frames - 1, dtype=torch.int64)


result = {'model': model_dir, 'device': torch.cuda.get_device_name(0), 'torch': torch.__version__}
# Agreement with onnxruntime's CPU provider (the only one in the host's Python) on 3 s of features.
try:
    import onnxruntime as ort
    feats, lens = features(2, 301)
    ref = ort.InferenceSession(path, providers=['CPUExecutionProvider']).run(['outputs'], {'audio_signal': feats.numpy(), 'length': lens.numpy()})[0]
    for name, dt in (('fp32', torch.float32), ('fp16', torch.float16)):
        with torch.no_grad():
            out = run(feats, lens, dt)[0].float().cpu().numpy()
        result[f'rel_err_{name}_vs_ort_cpu'] = float(np.linalg.norm(out - ref) / np.linalg.norm(ref))
except Exception as e:  # noqa: BLE001 - the timing below still means something; say why this did not run
    result['agreement_error'] = repr(e)
print({k: v for k, v in result.items()})

frames = int(args.seconds * 100) + 1
rows = []
for dt_name, dt in (('fp16', torch.float16), ('fp32', torch.float32)):
    for b in [int(v) for v in args.batches.split(',')]:
        feats, lens = features(b, frames, seed=b)
        try:
            with torch.no_grad():
                for _ in range(2): run(feats, lens, dt)
                times = []
                for _ in range(5):
                    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                    s.record(); run(feats, lens, dt); e.record(); torch.cuda.synchronize()
                    times.append(s.elapsed_time(e))
            ms = statistics.median(times)
            row = {'dtype': dt_name, 'batch': b, 'ms': round(ms, 2), 'encoder_rtfx': round(b * args.seconds * 1000 / ms, 1), 'peak_mem_gib': round(torch.cuda.max_memory_allocated() / 2**30, 2)}
        except torch.cuda.OutOfMemoryError:
            row = {'dtype': dt_name, 'batch': b, 'error': 'out of GPU memory'}
        torch.cuda.empty_cache(); torch.cuda.reset_peak_memory_stats()
        rows.append(row)
        print(row, flush=True)
result['encoder_rows'] = rows
result['clip_seconds'] = args.seconds
if args.json:
    with open(args.json, 'w') as f: json.dump(result, f, indent=2)
