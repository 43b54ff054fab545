#!/usr/bin/env python3
"""Time a command beside busy processes, with the library's default thread
count and with fixed counts, the variants interleaved round by round.

    bench/contend.py --case NAME --busy 1 --rounds 3 [--fixed 1,2] [--synth DIR] -- gnnrec ...

Starts BUSY shell busy loops (`while :; do :; done`), then runs CMD as given
(the default: the library chooses its threads) and CMD --threads T for each
T of --fixed, one after the other (in reverse order every other round), ROUNDS times (with --synth, CMD's
program first writes its synthetic dataset to DIR unless DIR has one); stops the loops and prints
one JSON row per variant: {"bench": "contention", "case", "busy",
"threads" ("default" or T), "wall_s" (median), "min_s", "max_s", "load"
(1-minute load average before the first round)}.  Standard library only.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time


def timed(cmd):
    t0 = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        sys.exit(p.returncode)
    return time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", required=True)
    ap.add_argument("--busy", type=int, default=1, help="busy loops beside the command")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--fixed", default="1", help="comma-separated fixed thread counts to compare")
    ap.add_argument("--synth", help="write `gnnrec synth` data here first, unless present")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    if a.synth and not os.path.exists(os.path.join(a.synth, "u.data")):
        subprocess.run([cmd[0], "synth", "--out", a.synth], check=True, stdout=subprocess.DEVNULL)
    variants = [("default", cmd)] + [(int(t), cmd + ["--threads", t]) for t in a.fixed.split(",") if t]
    load = os.getloadavg()[0]
    loops = [subprocess.Popen(["sh", "-c", "while :; do :; done"]) for _ in range(a.busy)]
    times = {name: [] for name, _ in variants}
    try:
        time.sleep(0.3 if loops else 0)  # let the scheduler see them
        for r in range(a.rounds):
            # alternate the order, so that neither variant always goes first
            for name, c in (variants if r % 2 == 0 else variants[::-1]):
                times[name].append(timed(c))
    finally:
        for p in loops:
            p.kill()
            p.wait()
    for name, _ in variants:
        t = times[name]
        print(json.dumps({"bench": "contention", "case": a.case, "busy": a.busy, "threads": name,
                          "wall_s": statistics.median(t), "min_s": min(t), "max_s": max(t), "load": load}))


if __name__ == "__main__":
    main()
