#!/usr/bin/env bash
# Build and run every example and binding against an installed libgnnrec,
# found the way a downstream project finds it: through pkg-config.
#
#   PKG_CONFIG_PATH=PREFIX/lib/pkgconfig examples/check-installed.sh [--require-all] [WORKDIR]
#
# Steps: the pkg-config metadata, the C examples, the C++ wrapper, the
# installed gnnrec command, the Python package (python/, installed with pip
# into a virtual environment per interpreter) and its tests, the HTTP
# service test, the Rust crate and the Go package (bindings/), the
# embedding pictures.  A step
# whose toolchain is missing is skipped with a message; --require-all (used
# by .ci/run) makes that a failure, except for the page, which needs Debian's
# chromium, and the pictures, which need Debian's python3-matplotlib and
# python3-sklearn.  Everything is written
# under WORKDIR (default: a new temporary directory).
set -euo pipefail

require_all=0
if [ "${1:-}" = "--require-all" ]; then
  require_all=1
  shift
fi
src=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$src/.." && pwd)
work=${1:-$(mktemp -d -t gnnrec-consumers-XXXXXX)}
mkdir -p "$work"
work=$(cd "$work" && pwd)

failed=()
skipped=()

# step NAME FUNCTION: run FUNCTION in a subshell with errexit (outside any
# conditional, where bash would ignore it), time it, record the outcome.
step() {
  local start rc
  start=$(date +%s)
  echo
  echo "---- $1"
  set +e
  ( set -e; "$2" )
  rc=$?
  set -e
  if [ $rc -eq 0 ]; then
    echo "---- $1: ok ($(( $(date +%s) - start )) s)"
  else
    echo "---- $1: FAILED (status $rc, $(( $(date +%s) - start )) s)" >&2
    failed+=("$1")
  fi
}

# skip NAME REASON [optional]: a step whose toolchain is missing.
skip() {
  echo
  if [ $require_all -eq 1 ] && [ "${3:-}" != optional ]; then
    echo "---- $1: FAILED: $2" >&2
    failed+=("$1")
  else
    echo "---- $1: SKIPPED: $2"
    skipped+=("$1 ($2)")
  fi
}

run() {
  echo "+ $*"
  "$@"
}

if ! pkg-config --exists gnnrec; then
  echo "check-installed: pkg-config cannot find gnnrec; set PKG_CONFIG_PATH to the directory of gnnrec.pc" >&2
  exit 1
fi
libdir=$(pkg-config --variable=libdir gnnrec)
prefix=$(pkg-config --variable=prefix gnnrec)
export LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
CC=${CC:-cc}
if [ -z "${CXX:-}" ]; then
  for c in c++ g++ clang++; do
    if command -v $c >/dev/null; then CXX=$c; break; fi
  done
fi
cflags=$(pkg-config --cflags gnnrec)
libs=$(pkg-config --libs gnnrec)

check_metadata() {
  local header runtime same soname
  echo "gnnrec $(pkg-config --modversion gnnrec): cflags '$cflags', libs '$libs', libdir $libdir"
  printf '%s\n' '#include <gnnrec.h>' '#include <stdio.h>' \
    'int main(void) { printf("%s %s %d\n", GR_VERSION_STRING, gr_version_string(), gr_version() == GR_VERSION_NUMBER); return 0; }' \
    > "$work/version.c"
  run $CC -std=c11 -Wall -Werror "$work/version.c" $cflags $libs -o "$work/version"
  read -r header runtime same < <("$work/version")
  echo "headers $header, library $runtime, pkg-config $(pkg-config --modversion gnnrec)"
  [ "$header" = "$runtime" ] && [ "$same" = 1 ] && [ "$header" = "$(pkg-config --modversion gnnrec)" ]
  # the program must load the library from the prefix, not another copy
  ldd "$work/version" | grep libgnnrec
  ldd "$work/version" | grep libgnnrec | grep -q "$libdir/"
  soname=$(readelf -d "$libdir/libgnnrec.so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
  echo "soname $soname"
  [ -e "$libdir/$soname" ]
  # only gr_ functions are exported (and the symbol-version node itself)
  local leaked
  leaked=$(nm -D --defined-only "$libdir/libgnnrec.so" | awk '$2 != "A" && $3 !~ /^gr_/')
  [ -z "$leaked" ] || { echo "symbols exported beyond gr_*:"; echo "$leaked"; return 1; }
  echo "exports $(nm -D --defined-only "$libdir/libgnnrec.so" | grep -c ' gr_') gr_ functions and nothing else"
}

check_c() {
  mkdir -p "$work/c"
  for ex in quickstart newuser; do
    run $CC -std=c11 -O2 -Wall -Wextra -Werror "$src/c/$ex.c" $cflags $libs -o "$work/c/$ex"
  done
  run "$work/c/quickstart" "$work/c/run"
  run "$work/c/newuser" "$work/c/run/model.gnr"
}

check_cpp() {
  mkdir -p "$work/cpp"
  for ex in quickstart test_wrapper; do
    run $CXX -std=c++11 -O2 -Wall -Wextra -Wpedantic -Werror "$src/cpp/$ex.cpp" $cflags $libs -o "$work/cpp/$ex"
  done
  run "$work/cpp/quickstart" "$work/cpp/run"
  run "$work/cpp/test_wrapper" "$work/cpp/test"
}

check_cli() {
  local gnnrec=$prefix/bin/gnnrec man warnings
  run "$gnnrec" --version
  run "$gnnrec" synth --out "$work/cli/data" --users 200 --items 300 --ratings-per-user 20
  run "$gnnrec" train --dataset "$work/cli/data" --dim 16 --epochs 10 --quiet --out "$work/cli/model.gnr" --json \
    | tee "$work/cli/train.json"
  grep -q '"ndcg@10"' "$work/cli/train.json"
  run "$gnnrec" recommend --model "$work/cli/model.gnr" --user 1 --k 5 --genres Comedy --json \
    | tee "$work/cli/rec.json"
  grep -q '"items": \[{' "$work/cli/rec.json"
  man=$(find "$prefix/share/man" -name gnnrec.1 2>/dev/null | head -n 1)
  [ -n "$man" ] || { echo "no gnnrec.1 under $prefix/share/man"; return 1; }
  if command -v groff >/dev/null; then
    warnings=$(groff -man -Tutf8 -ww -z "$man" 2>&1)
    [ -z "$warnings" ] || { echo "$warnings"; return 1; }
    echo "$man renders without warnings"
  else
    echo "$man installed (groff missing: not rendered)"
  fi
  # the installed guides link to each other: every link must resolve there
  local docdir=$prefix/share/doc/gnnrec guide target
  for guide in "$docdir"/*.md; do
    for target in $(grep -o '](\([a-z-]*\.md\)' "$guide" | sed 's/^](//' | sort -u); do
      [ -f "$docdir/$target" ] || { echo "$guide links to $target, which is not installed"; return 1; }
    done
  done
  echo "the installed guides' links resolve"
}

# The Python package is installed offline (pip --no-build-isolation, no
# index) into a virtual environment per interpreter that sees the
# interpreter's own packages: python3 (perhaps without numpy) and, when it
# differs and has numpy, Debian's /usr/bin/python3 with numpy, scipy and
# pandas, so both array paths run.  The tests run from $work, so that they
# import the installed package, not the source tree.
pythons=(python3)
if [ -x /usr/bin/python3 ] && [ "$(command -v python3)" != /usr/bin/python3 ] &&
   /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
  pythons+=(/usr/bin/python3)
fi

# python_env PYTHON: make (once) the environment of PYTHON with the package
# installed; print its interpreter.  (Each command is checked by hand:
# command substitution does not inherit errexit.)
python_env() {
  local venv
  venv=$work/venv/$(printf %s "$1" | tr -c 'A-Za-z0-9\n' _)
  if [ ! -x "$venv/bin/python" ]; then
    "$1" -m venv --system-site-packages "$venv" >&2 || return 1
    # from a copy: setuptools builds in the source directory and would
    # leave (and later reuse) build/ and *.egg-info there
    if [ ! -d "$work/python-src" ]; then
      cp -r "$root/python" "$work/python-src" && rm -rf "$work/python-src/build" "$work/python-src"/*.egg-info ||
        return 1
    fi
    "$venv/bin/python" -m pip install -q --no-build-isolation --no-index "$work/python-src" >&2 || return 1
  fi
  echo "$venv/bin/python"
}

check_python() {
  local py venv_py where
  for py in "${pythons[@]}"; do
    venv_py=$(python_env "$py")
    echo "$py: $($py --version 2>&1), numpy $($py -c 'import numpy; print(numpy.__version__)' 2>/dev/null || echo absent)"
    where=$(cd "$work" && "$venv_py" -c 'import gnnrec; print(gnnrec.__file__)')
    echo "gnnrec package: $where"
    case $where in "$work"/venv/*) ;; *) echo "not the installed package"; return 1 ;; esac
    (cd "$work" && run "$venv_py" -m unittest discover -v -s "$root/python/tests")
    run "$venv_py" "$src/python/estimators.py" "${venv_py%/bin/python}/estimators"
  done
  venv_py=$(python_env python3)
  run "$venv_py" "$src/python/quickstart.py" "$work/python"
}

check_service() {
  local py
  py=$(python_env python3)
  cd "$src/python"
  run "$py" -m unittest -v tests.test_service
}

# The page served by the service, loaded and operated in headless Chromium
# (tests/devtools.py speaks the DevTools protocol).
check_page() {
  local py
  py=$(python_env python3)
  cd "$src/python"
  run "$py" -m unittest -v tests.test_page
}

check_rust() {
  cd "$root/bindings/rust"
  export CARGO_TARGET_DIR=$work/rust-target
  run cargo --version
  run cargo build --offline --all-targets
  run cargo test --offline
  run cargo run --offline --example quickstart -- "$work/rust"
}

check_go() {
  cd "$root/bindings/go"
  export GOCACHE=${GOCACHE:-$work/go-cache}
  run go version
  run go vet ./...
  run go test -count=1 ./...
  run go run ./cmd/quickstart "$work/go"
}

check_pictures() {
  local model=$work/c/run/model.gnr
  [ -f "$model" ] || { echo "no model from the C quickstart"; return 1; }
  local py
  py=$(python_env /usr/bin/python3)
  run "$py" "$src/python/plot_embeddings.py" --model "$model" --out "$work/pictures" --user 1 --k 8
  run "$py" "$src/python/tests/check_pictures.py" "$work/pictures" items_2d.png user_1_top8.png
}

step "pkg-config metadata and versions" check_metadata
step "C examples: cc \$(pkg-config --cflags --libs gnnrec)" check_c
if [ -n "${CXX:-}" ]; then
  step "C++ wrapper gnnrec/gnnrec.hpp" check_cpp
else
  skip "C++ wrapper" "no C++ compiler"
fi
step "installed gnnrec command and man page" check_cli
step "Python package: pip install into a venv per interpreter, its tests" check_python
step "HTTP service test on a loopback port" check_service
if chromium=$(cd "$src/python/tests" && python3 -c 'import devtools; print(devtools.find_chromium() or "")') &&
   [ -n "$chromium" ]; then
  step "service page in headless Chromium ($chromium)" check_page
else
  skip "service page in headless Chromium" "no chromium (Debian: apt-get install chromium)" optional
fi
if command -v cargo >/dev/null; then
  step "Rust crate bindings/rust (build.rs asks pkg-config)" check_rust
else
  skip "Rust crate" "cargo is not installed"
fi
if command -v go >/dev/null; then
  step "Go package bindings/go (#cgo pkg-config: gnnrec)" check_go
else
  skip "Go package" "go is not installed"
fi
if /usr/bin/python3 -c 'import matplotlib, sklearn, numpy' 2>/dev/null; then
  step "pictures" check_pictures
else
  skip "pictures" "/usr/bin/python3 lacks matplotlib or scikit-learn (Debian: python3-matplotlib python3-sklearn)" optional
fi

echo
echo "==== consumers of the installed library: ${#failed[@]} failed, ${#skipped[@]} skipped (output under $work)"
for s in "${skipped[@]+"${skipped[@]}"}"; do echo "  skipped: $s"; done
for f in "${failed[@]+"${failed[@]}"}"; do echo "  FAILED: $f" >&2; done
[ ${#failed[@]} -eq 0 ]
