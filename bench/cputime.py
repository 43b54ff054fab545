#!/usr/bin/env python3
"""Run a command and print, after its own output, one JSON row with the CPU
seconds (user + system) it and its children used.

    bench/cputime.py gnnrec train ...
"""
import json
import resource
import subprocess
import sys

rc = subprocess.run(sys.argv[1:]).returncode
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"cpu_s": r.ru_utime + r.ru_stime, "cpu_user_s": r.ru_utime}))
sys.exit(rc)
