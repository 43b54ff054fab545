#!/usr/bin/env bash
# Fail when a public header or a GR_API function has no entry in docs/api.md
# (a "## gnnrec/NAME.h" section per header, a "### gr_name" entry per
# function, in the section of its header).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python3 - "$root" <<'PY'
import glob, os, re, sys

root = sys.argv[1]
doc = open(os.path.join(root, "docs", "api.md"), encoding="utf-8").read()
sections = {}  # header -> text of its section
for m in re.finditer(r"^## (gnnrec/[\w.]+)\n(.*?)(?=^## |\Z)", doc, re.M | re.S):
    sections[m.group(1)] = m.group(2)
entries = set(re.findall(r"^### (gr_\w+)\s*$", doc, re.M))

def strip(text):
    """Declarations only: no comments (which mention functions too), no
    preprocessor lines (which define GR_API)."""
    text = re.sub(r"/\*.*?\*/|//[^\n]*", " ", text, flags=re.S)
    return re.sub(r"^\s*#.*$", " ", text, flags=re.M)


missing = []
for path in sorted(glob.glob(os.path.join(root, "include", "gnnrec", "*.h*"))):
    header = "gnnrec/" + os.path.basename(path)
    text = open(path, encoding="utf-8").read()
    text = strip(text)
    if header not in sections:
        missing.append("no '## %s' section" % header)
        continue
    for decl in re.findall(r"\bGR_API\b([^;{]*?)\(", text):
        name = re.findall(r"\w+", decl)[-1]
        if name not in entries:
            missing.append("%s: no '### %s' entry" % (header, name))
        elif not re.search(r"^### %s\s*$" % name, sections[header], re.M):
            missing.append("%s: '### %s' is not in the section of its header" % (header, name))
undocumented = sorted(entries - set(
    re.findall(r"\bGR_API\b[^;{]*?(\w+)\s*\(",
               " ".join(strip(open(p, encoding="utf-8").read())
                        for p in glob.glob(os.path.join(root, "include", "gnnrec", "*.h"))))))
for name in undocumented:
    missing.append("docs/api.md documents %s, which no header declares" % name)
if missing:
    print("docs/api.md is incomplete:\n  " + "\n  ".join(missing))
    sys.exit(1)
print("docs/api.md: %d headers, %d functions, all documented" % (len(sections), len(entries)))
PY
