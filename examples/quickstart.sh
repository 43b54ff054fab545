#!/usr/bin/env bash
# From a fresh clone to recommendations in one command:
#
#   bash examples/quickstart.sh
#
# Builds libgnnrec (meson + ninja), installs it under build-quickstart/prefix,
# compiles examples/c/quickstart.c against the installed library with
# pkg-config as any program using it would, and runs it: a synthetic
# MovieLens-style dataset is written, LightGCN is trained and evaluated, and
# the top-10 movies of user 1 are printed with their titles.
#
# On Debian or Ubuntu, missing build tools are installed with apt-get when
# run as root; otherwise the script says what to install.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v meson >/dev/null || missing+=(meson)
command -v ninja >/dev/null || missing+=(ninja-build)
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v cc >/dev/null || missing+=(gcc)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q "${missing[@]}"
  else
    echo "quickstart: please install ${missing[*]} first, e.g.:" >&2
    echo "  sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

build=build-quickstart
prefix=$PWD/$build/prefix
echo "== building libgnnrec into $build (tests off)"
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" --prefix "$prefix" --libdir lib -Dtests=false -Dexamples=false >/dev/null
fi
meson compile -C "$build" >/dev/null
echo "== installing into $prefix"
meson install -C "$build" --quiet >/dev/null

echo "== compiling examples/c/quickstart.c with \$(pkg-config --cflags --libs gnnrec)"
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
cc -std=c11 -O2 examples/c/quickstart.c $(pkg-config --cflags --libs gnnrec) -o "$build/quickstart"

echo "== running it"
export LD_LIBRARY_PATH=$prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
rm -rf "$build/run"
"$build/quickstart" "$build/run"

cat <<EOF

The library is installed under $prefix.  To build your own programs against it:
  export PKG_CONFIG_PATH=$prefix/lib/pkgconfig LD_LIBRARY_PATH=$prefix/lib
  cc myprog.c \$(pkg-config --cflags --libs gnnrec)
The gnnrec command and its man page:
  export PATH=$prefix/bin:\$PATH MANPATH=$prefix/share/man:
  gnnrec --help; man gnnrec
Next: docs/tutorial.md (C, C++, Python, Rust, Go), docs/cli.md (the gnnrec command).
EOF
