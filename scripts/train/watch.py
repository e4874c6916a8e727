#!/usr/bin/env python3
"""Watch a background training run on the GPU machine and copy what should come back into $OUT.

--until S: return after S seconds of this call (or earlier if the run ended). Copies the log, results.json and the
latest weight shards (model.pt.part*, each < 16 MiB) into --out. The run itself keeps going (setsid) so that the
next call on the still-warm machine can keep watching it.
"""
import argparse
import glob
import os
import shutil
import subprocess
import time

ap = argparse.ArgumentParser()
ap.add_argument("--run", default="/tmp/run")
ap.add_argument("--log", default="/tmp/run.log")
ap.add_argument("--pidfile", default="/tmp/run.pid")
ap.add_argument("--until", type=float, default=560)
ap.add_argument("--out", default=os.environ.get("OUT", "/tmp/out"))
ap.add_argument("--weights", default="auto", help="auto: copy weights only if the run ended or at timeout")
a = ap.parse_args()
t0 = time.time()
for _ in range(40):
    if os.path.exists(a.pidfile):
        break
    time.sleep(0.5)
pid = int(open(a.pidfile).read().strip())


def alive():
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:
        st = open(f"/proc/{pid}/stat").read().split()[2]
        return st != "Z"
    except Exception:
        return False


last = 0
while time.time() - t0 < a.until and alive():
    time.sleep(3)
    if time.time() - last > 60:
        subprocess.run(["tail", "-n", "2", a.log])
        last = time.time()
ended = not alive()
os.makedirs(a.out, exist_ok=True)
shutil.copy(a.log, os.path.join(a.out, "run.log"))
for f in ["results.json"]:
    p = os.path.join(a.run, f)
    if os.path.exists(p):
        shutil.copy(p, os.path.join(a.out, f))
for p in sorted(glob.glob(os.path.join(a.run, "model.pt.part*"))):
    shutil.copy(p, os.path.join(a.out, os.path.basename(p)))
print("run ended" if ended else "run still going", "after", round(time.time() - t0), "s")
subprocess.run(["tail", "-n", "60", a.log])
