#!/usr/bin/env bash
# The ABI baseline of libgnnrec: compare the library against it, or
# regenerate it on purpose.  Uses abidw/abidiff (Debian: abigail-tools).
#
#   docs/abi/abi.sh check  [BUILDDIR]   exit 1 when the ABI broke against the baseline
#   docs/abi/abi.sh update [BUILDDIR]   rewrite the baseline from the current sources
#
# The baseline is two files: libgnnrec.abi (abidw's description of the
# exported functions and every type they reach) and constants.txt (the value
# of every enumerator in the public headers: abidw sees only the types that
# function signatures use, and most enums travel as plain ints).
#
# BUILDDIR (default build-abi) is configured here when missing, as a
# debugoptimized build: the comparison needs the DWARF types of the public
# functions, which a release build does not carry.  See docs/versioning.md
# for when an ABI change is allowed and what it bumps.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
mode=${1:-}
builddir=${2:-$root/build-abi}
baseline=$root/docs/abi/libgnnrec.abi
constants=$root/docs/abi/constants.txt

case $mode in
  check|update) ;;
  *) echo "usage: $0 check|update [BUILDDIR]" >&2; exit 2 ;;
esac
for tool in abidw abidiff meson; do
  command -v $tool >/dev/null || { echo "abi: $tool is missing (Debian: apt-get install abigail-tools meson)" >&2; exit 2; }
done

if [ ! -f "$builddir/build.ninja" ]; then
  meson setup "$builddir" "$root" -Dbuildtype=debugoptimized -Dtests=false -Dexamples=false >/dev/null
fi
meson compile -C "$builddir" lib/gnnrec:shared_library >/dev/null
lib=$(find "$builddir/lib" -maxdepth 1 -type f -name 'libgnnrec.so.*' | head -n 1)
[ -n "$lib" ] || { echo "abi: no libgnnrec.so.* in $builddir/lib" >&2; exit 2; }
if ! readelf -S "$lib" | grep -q '\.debug_info'; then
  echo "abi: $lib has no debug information; use a build configured with -Ddebug=true" >&2
  exit 2
fi

# Only what the public headers define; no paths or line numbers, so the
# baseline changes only when the ABI does.
dump() {
  abidw --headers-dir "$root/include" --drop-private-types --drop-undefined-syms \
    --no-corpus-path --no-comp-dir-path --no-show-locs --type-id-style hash "$1"
}

# "NAME VALUE" for every enumerator of the public headers, as the compiler
# evaluates them.
enum_values() {
  local probe=$builddir/abi-constants
  {
    echo '#include <gnnrec.h>'
    echo '#include <stdio.h>'
    echo 'int main(void) {'
    awk '/^typedef enum|^enum /{inside=1} inside && match($0, /^[ \t]+GR_[A-Z0-9_]+/) {
           name = substr($0, RSTART, RLENGTH); gsub(/[ \t]/, "", name)
           printf "    printf(\"%s %%lld\\n\", (long long)%s);\n", name, name }
         inside && /}/ {inside=0}' "$root"/include/gnnrec/*.h
    echo '    return 0;'
    echo '}'
  } > "$probe.c"
  ${CC:-cc} -std=c11 -I"$root/include" "$probe.c" -o "$probe"
  "$probe" | LC_ALL=C sort
}

if [ "$mode" = update ]; then
  dump "$lib" > "$baseline.tmp"
  mv "$baseline.tmp" "$baseline"
  enum_values > "$constants.tmp"
  mv "$constants.tmp" "$constants"
  echo "abi: wrote $baseline ($(grep -c '<elf-symbol ' "$baseline") symbols) from $lib"
  echo "abi: wrote $constants ($(wc -l < "$constants") enumerators)"
  exit 0
fi

for f in "$baseline" "$constants"; do
  [ -f "$f" ] || { echo "abi: no baseline at $f; run '$0 update' and commit it" >&2; exit 2; }
done

# Enumerators: one that disappeared or changed value breaks callers; a new
# one does not.
enum_values > "$builddir/constants.txt"
changed_enums=$(LC_ALL=C join -a1 -e MISSING -o 0,1.2,2.2 "$constants" "$builddir/constants.txt" | awk '$2 != $3')
added_enums=$(LC_ALL=C join -v2 "$constants" "$builddir/constants.txt" || true)
if [ -n "$changed_enums" ]; then
  echo "abi: FAILED: enumerators removed or renumbered (name, baseline value, current value):" >&2
  echo "$changed_enums" | sed 's/^/  /' >&2
  echo "  Restore them, or follow docs/versioning.md and run 'docs/abi/abi.sh update'." >&2
  exit 1
fi
[ -z "$added_enums" ] || { echo "abi: new enumerators:"; echo "$added_enums" | sed 's/^/  /'; }

current=$builddir/libgnnrec.abi
dump "$lib" > "$current"
set +e
abidiff --suppressions "$root/docs/abi/opaque.suppr" "$baseline" "$current" > "$builddir/abidiff.txt" 2>&1
rc=$?
set -e
if [ $rc -eq 0 ]; then
  echo "abi: functions and types unchanged against the baseline ($(grep -c '<elf-symbol ' "$baseline") symbols," \
       "$(wc -l < "$constants") enumerators)"
  [ -z "$added_enums" ] || echo "abi: record the new enumerators with 'docs/abi/abi.sh update'"
  exit 0
fi
cat "$builddir/abidiff.txt"
if [ $((rc & 3)) -ne 0 ]; then
  echo "abi: abidiff failed (status $rc)" >&2
  exit 1
fi
# abidiff flags every difference; additions are compatible, anything removed
# or changed is not.
broken=$(grep -E 'changes summary' "$builddir/abidiff.txt" | grep -oE '[0-9]+ (Removed|Changed)' | awk '$1 > 0' || true)
if [ $((rc & 8)) -ne 0 ] || [ -n "$broken" ] || grep -q 'SONAME changed\|architecture changed' "$builddir/abidiff.txt"; then
  cat >&2 <<MSG
abi: FAILED: the library's ABI differs incompatibly from docs/abi/libgnnrec.abi (report above).
  If this is a mistake, restore the old signatures or layouts.
  If it is intended, follow docs/versioning.md (an incompatible change bumps the
  soname), then regenerate the baseline with 'docs/abi/abi.sh update' and commit it.
MSG
  exit 1
fi
echo "abi: compatible additions only (listed above); record them with 'docs/abi/abi.sh update'"
