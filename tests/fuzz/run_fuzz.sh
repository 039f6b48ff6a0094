#!/bin/sh
# run_fuzz.sh FUZZER SEED_DIR WORK_DIR SECONDS: run a libFuzzer target for SECONDS over a
# copy of its seed corpus (new inputs and any crash go to WORK_DIR, never the source tree).
set -eu
fuzzer=$1 seeds=$2 work=$3 secs=$4
rm -rf "$work"
mkdir -p "$work/corpus"
cp "$seeds"/* "$work/corpus/"
exec "$fuzzer" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	-artifact_prefix="$work/" "$work/corpus"
