#!/bin/sh
# Build and run the libFuzzer harnesses of a build made with -Dfuzz=true,
# each for a bounded time, from fresh seed corpora (make_seeds):
#
#   tests/fuzz/run.sh BUILD_DIR SECONDS [HARNESS...]
#
# HARNESS names are those of tests/fuzz/meson.build (graph_auto, model, ...);
# all when none are given.  Inputs that crash, leak, trip a sanitizer or
# time out are saved under BUILD_DIR/fuzz-artifacts/ and the script exits
# with status 1.  The corpora grow in BUILD_DIR/fuzz-corpus/, so a later
# run starts where this one stopped.
set -u
build=$1
seconds=$2
shift 2
all="graph_adjacency graph_delimited graph_auto ml100k ml1m mllatest kg model settings"
names=${*:-$all}

targets="tests/fuzz/make_seeds"
for name in $names; do targets="$targets tests/fuzz/fuzz_$name"; done
# shellcheck disable=SC2086 # one target per word
meson compile -C "$build" $targets >/dev/null || {
  echo "fuzz: cannot build the harnesses in $build (configure it with -Dfuzz=true)" >&2
  exit 1
}

seeds=$build/fuzz-seeds
corpus=$build/fuzz-corpus
artifacts=$build/fuzz-artifacts
rm -rf "$seeds"
"$build/tests/fuzz/make_seeds" "$seeds" >/dev/null || exit 1
mkdir -p "$artifacts"

# UBSan findings stop the run (libFuzzer then saves the input); libgomp's
# thread pool lives until exit, so leaks are checked but one thread is used.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=passive

failed=""
for name in $names; do
  exe=$build/tests/fuzz/fuzz_$name
  if [ ! -x "$exe" ]; then
    echo "fuzz: $exe missing (configure with -Dfuzz=true)" >&2
    exit 1
  fi
  mkdir -p "$corpus/$name"
  start=$(date +%s)
  if "$exe" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -max_len=65536 \
      -artifact_prefix="$artifacts/$name-" -print_final_stats=1 \
      "$corpus/$name" "$seeds/$name" >"$artifacts/$name.log" 2>&1; then
    status=ok
  else
    status=FAILED
    failed="$failed $name"
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$artifacts/$name.log")
  echo "fuzz: $name: $status, ${runs:-?} runs in $(( $(date +%s) - start )) s"
  if [ "$status" = FAILED ]; then
    grep -E "ERROR|SUMMARY|runtime error|Test unit written" "$artifacts/$name.log" | head -20
  fi
done
if [ -n "$failed" ]; then
  echo "fuzz: failures in:$failed (inputs and logs in $artifacts)" >&2
  exit 1
fi
