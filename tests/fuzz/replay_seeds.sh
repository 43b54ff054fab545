#!/bin/sh
# Make the seed corpora and replay each harness over its own:
#   replay_seeds.sh MAKE_SEEDS FUZZ_NAME_replay...
set -eu
make_seeds=$1
shift
dir=$(mktemp -d "${TMPDIR:-/tmp}/gnnrec-seeds.XXXXXX")
trap 'rm -rf "$dir"' EXIT
"$make_seeds" "$dir"
for exe in "$@"; do
  name=$(basename "$exe")
  name=${name#fuzz_}
  name=${name%_replay}
  "$exe" --expect-loaded "$dir/$name"
done
