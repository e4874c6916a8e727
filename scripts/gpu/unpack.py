#!/usr/bin/env python3
"""Runs ON the GPU host (Python is there; Node is not, until this has run).

python3 scripts/gpu/unpack.py [PIECES_DIR]

Appends each carried part (.gpu/pieces/part-NN, made by scripts/gpu/pack.sh) to the byte stream kept in
.gpu/host/stream, then unpacks into the repository root every archive of index.tsv that the stream now holds
whole, checked against its sha256. Parts must arrive in order over consecutive calls while the machine stays
warm; a part that arrives after a gap (the machine went cold and came back bare) is refused with exit 3, and the
run must start again from part-00. Prints one line per archive: ready, or how many bytes are still missing.
"""
import hashlib
import os
import sys
import tarfile

root = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
pieces = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, '.gpu', 'pieces'))
state = os.path.join(root, '.gpu', 'host')
done_dir = os.path.join(state, 'unpacked')
stream = os.path.join(state, 'stream')
os.makedirs(done_dir, exist_ok=True)

archives = []
part_bytes = None
with open(os.path.join(pieces, 'index.tsv')) as f:
    for line in f:
        cols = line.rstrip('\n').split('\t')
        if cols[0] == '#part_bytes':
            part_bytes = int(cols[1])
        elif cols[0] not in ('archive', '') and not cols[0].startswith('#'):
            archives.append((cols[0], int(cols[1]), int(cols[2]), cols[3]))
if part_bytes is None:
    sys.exit('index.tsv has no #part_bytes line: rebuild with scripts/gpu/pack.sh')

have = os.path.getsize(stream) if os.path.exists(stream) else 0
for name in sorted(os.listdir(pieces)):
    if not name.startswith('part-'):
        continue
    n = int(name[5:])
    start = n * part_bytes
    size = os.path.getsize(os.path.join(pieces, name))
    if have >= start + size:
        print(f'{name}: already in the stream')
        continue
    if have != start:
        print(f'{name}: the stream holds {have} bytes but this part starts at byte {start}: the machine went cold '
              f'(or a part was skipped); start again from part-00', file=sys.stderr)
        sys.exit(3)
    with open(os.path.join(pieces, name), 'rb') as src, open(stream, 'ab') as dst:
        while True:
            chunk = src.read(1 << 22)
            if not chunk:
                break
            dst.write(chunk)
    have += size
    print(f'{name}: appended, stream {have} bytes')

for name, offset, size, sha in archives:
    marker = os.path.join(done_dir, name)
    if os.path.exists(marker):
        print(f'{name}: ready')
        continue
    if have < offset + size:
        print(f'{name}: waiting for {offset + size - have} more bytes')
        continue
    h = hashlib.sha256()
    with open(stream, 'rb') as f:
        f.seek(offset)
        left = size
        while left:
            chunk = f.read(min(left, 1 << 22))
            h.update(chunk)
            left -= len(chunk)
    if h.hexdigest() != sha:
        sys.exit(f'{name}: sha256 mismatch in the stream; start again from part-00')

    class Slice:
        """The archive's bytes inside the stream, as a file object for tarfile."""

        def __init__(self, f, start, length):
            self.f, self.start, self.length, self.pos = f, start, length, 0

        def read(self, n=-1):
            n = self.length - self.pos if n is None or n < 0 else min(n, self.length - self.pos)
            self.f.seek(self.start + self.pos)
            data = self.f.read(n)
            self.pos += len(data)
            return data

    with open(stream, 'rb') as f, tarfile.open(fileobj=Slice(f, offset, size), mode='r|xz') as tar:
        # Our own archives: keep their modes (the node binary must stay executable).
        tar.extractall(root, filter='fully_trusted') if hasattr(tarfile, 'fully_trusted_filter') else tar.extractall(root)
    open(marker, 'w').close()
    print(f'{name}: unpacked')
