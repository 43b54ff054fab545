#!/usr/bin/env python3
"""Run one command and report what it cost and what it printed.

    bench/measure.py [--timeout S] [--field k=v ...] -- CMD ...

Runs CMD once (stdout and stderr kept) under /usr/bin/time and prints one
JSON row: {"bench": "measure", the --field pairs, "status" ("ok",
"timeout" after S seconds, when the command is killed, or "failed" with
the exit status), "wall_s" (the whole command), "cpu_s" (user + system
seconds of the command, its rusage), "peak_rss_mb" (its maximum resident
set), "exit", and every numeric field of the last JSON object CMD
printed on stdout (`gnnrec train --json`'s metrics)}; "error" holds the
last line of stderr when the command failed.  Exits 0 whatever the command
did, so that a harness can tabulate failures and timeouts.  Standard
library only.

Why /usr/bin/time: Linux carries a process's peak RSS across exec(), so a
command forked straight from this Python process would report at least
Python's own resident set (about 14 MB); /usr/bin/time is a small process
that forks the command itself.  Without it, the rusage of wait4() is used
and "rss_floor" says so.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time


def last_json(text):
    """The last line of text that parses as a JSON object, or {}."""
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if isinstance(obj, dict):
                return obj
    return {}


TIME = "/usr/bin/time"


def timed(cmd, report):
    """cmd run under /usr/bin/time writing "maxrss_kb user_s system_s" to report."""
    return [TIME, "-q", "-f", "%M %U %S", "-o", report] + cmd if os.access(TIME, os.X_OK) else cmd


def time_report(path):
    """(peak RSS in kB, CPU seconds) from /usr/bin/time's report, or None."""
    try:
        with open(path) as f:
            last = [ln for ln in f.read().splitlines() if ln.strip()][-1].split()
        return int(last[0]), float(last[1]) + float(last[2])
    except (OSError, IndexError, ValueError):
        return None


def run(cmd, timeout):
    """(status, exit, wall, rusage, stdout, stderr) of one run of cmd."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdout=out, stderr=err, start_new_session=True)
        status, code, usage = "ok", None, None
        while True:
            pid, st, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                code = os.waitstatus_to_exitcode(st)
                break
            if timeout and time.monotonic() - t0 > timeout:
                os.killpg(p.pid, signal.SIGKILL)  # the command and anything it started
                _, st, usage = os.wait4(p.pid, 0)
                status, code = "timeout", os.waitstatus_to_exitcode(st)
                break
            time.sleep(0.05)
        wall = time.monotonic() - t0
        p.returncode = code  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        text_out = out.read().decode("utf-8", "replace")
        text_err = err.read().decode("utf-8", "replace")
    if status == "ok" and code != 0:
        status = "failed"
    return status, code, wall, usage, text_out, text_err


def measure(cmd, timeout=0, fields=None):
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "time")
        status, code, wall, ru, out, err = run(timed(cmd, report), timeout)
        tr = time_report(report) if status != "timeout" else None
    row = {"bench": "measure"}
    row.update(fields or {})
    row.update({"status": status, "exit": code, "wall_s": wall})
    if tr:
        row.update({"cpu_s": tr[1], "peak_rss_mb": tr[0] / 1024.0})
    else:  # killed, or no /usr/bin/time: the rusage of what was waited for
        row.update({"cpu_s": ru.ru_utime + ru.ru_stime, "peak_rss_mb": ru.ru_maxrss / 1024.0, "rss_floor": 1})
    if status == "ok":
        for k, v in last_json(out).items():
            if isinstance(v, (int, float)) and not isinstance(v, bool) and k not in row:
                row[k] = v
    else:
        lines = [ln for ln in err.splitlines() if ln.strip()]
        row["error"] = lines[-1][:300] if lines else ""
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--timeout", type=float, default=0, help="seconds before the command is killed (0: none)")
    ap.add_argument("--field", action="append", default=[], help="k=v copied into the row")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    if not cmd:
        ap.error("no command")
    fields = dict(f.split("=", 1) for f in a.field)
    print(json.dumps(measure(cmd, a.timeout, fields)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
