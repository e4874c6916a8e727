#!/usr/bin/env python3
"""Runs ON the GPU host: prints an LD_LIBRARY_PATH value holding the CUDA 13 libraries that ONNX Runtime
1.29's CUDA provider needs (it links cuBLAS/cuBLASLt 13, cuRAND 10 and the CUDA 13 runtime, and opens
cuDNN 9 and cuFFT at run time). The host has no CUDA toolkit of its own for them: they come with its
PyTorch (pip's nvidia-* packages, or torch/lib). Reports on stderr each library and where it was found."""
import glob
import os
import site
import sys

WANTED = ['libcudart.so.13', 'libcublas.so.13', 'libcublasLt.so.13', 'libcurand.so.10', 'libcufft.so.12', 'libcudnn.so.9']
site_dirs = [p for p in site.getsitepackages() + [site.getusersitepackages()] if os.path.isdir(p)]
# Narrow places first (pip's nvidia-* packages, torch/lib): a recursive search of all site-packages is slow.
roots = [os.path.join(p, 'nvidia') for p in site_dirs if os.path.isdir(os.path.join(p, 'nvidia'))]
try:
    import torch  # noqa: F401  (only to find its lib folder)
    roots.append(os.path.join(os.path.dirname(torch.__file__), 'lib'))
except Exception:
    pass
roots += sorted(glob.glob('/usr/local/cuda*/lib64')) + ['/usr/lib/x86_64-linux-gnu'] + site_dirs

dirs = []
for lib in WANTED:
    found = None
    for root in roots:
        hits = sorted(glob.glob(os.path.join(root, '**', lib + '*'), recursive=True))
        if hits:
            found = hits[0]
            break
    print(f'{lib}: {found or "NOT FOUND"}', file=sys.stderr)
    if found and os.path.dirname(found) not in dirs:
        dirs.append(os.path.dirname(found))
print(':'.join(dirs))
