#!/usr/bin/env bash
# sudo tools/test.sh — install what is missing, build (normal, ASan+UBSan and,
# when there are fuzz targets, libFuzzer) and run every meson test suite and
# the benchmarks. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/lib/common.sh

hl_need_root
hl_install_deps
hl_print_versions
hl_setup_hugepages

hl_build build
hl_build build-asan -Db_sanitize=address,undefined -Db_lundef=false -Db_lto=false
have_fuzz=0
if grep -qs "suite: 'fuzz'" tests/fuzz/meson.build; then
	have_fuzz=1
	CC=clang hl_build build-fuzz -Dfuzz=true -Db_lundef=false -Db_lto=false
fi

passed=0
failed=0
# run_suites DIR ARGS...: meson test, counting what it reports.
run_suites() {
	local dir=$1 log rc=0
	shift
	log=$(mktemp)
	meson test -C "$dir" --print-errorlogs "$@" 2>&1 | tee "$log" || rc=$?
	passed=$((passed + $(awk '/^Ok:/ {print $2}' "$log" | tail -n1)))
	failed=$((failed + $(awk '/^(Fail|Timeout|Unexpected Pass):/ {s += $2} END {print s + 0}' "$log")))
	rm -f "$log"
	return $rc
}

status=0
hl_log "tests: build (gcc)"
run_suites build --no-suite fuzz || status=1
hl_log "tests: build-asan (ASan + UBSan)"
run_suites build-asan --no-suite fuzz --no-suite integration || status=1
# The proxy's integration tests against the sanitized daemon as well: real
# traffic through the request/response state machine. Leak detection off:
# DPDK 22.11's net_af_xdp never frees the libbpf object of xdp_prog= (LSan
# reports ~23 KiB of libbpf allocations at exit); use-after-free, overflows
# and UB still fail.
hl_log "tests: build-asan, the proxy's integration tests (ASan + UBSan daemon)"
ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 run_suites build-asan http_proxy http_bodies http_hints http_faults \
	http_smuggle ctrl_socket ctrl_live graceful_stop || status=1
if [ $have_fuzz -eq 1 ]; then
	hl_log "tests: build-fuzz (libFuzzer, suite fuzz)"
	run_suites build-fuzz --suite fuzz || status=1
fi
# Benchmark scripts in smoke mode (seconds; asserting only that their figures
# came out), so a broken benchmark fails here and not only in a full run.
hl_log "benchmarks: smoke runs"
if tests/bench/bench_memif.sh build/tools/hintgen/hintgen build/dataplane/hintlb --smoke; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
	status=1
fi
# the open-loop sweep through hintlb, HAProxy and nginx: one short point each
# (the full run: `meson test -C build --benchmark --suite sweep --verbose`)
if tests/bench/bench_sweep.sh build/dataplane/hintlb build/bpf/steer.bpf.o \
	build/tools/hintgen/hintgen --smoke --out build/sweep-smoke; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
	status=1
fi
hl_log "benchmarks: build (figures as 'name: value unit')"
bench_log=$(mktemp)
if ! meson test -C build --benchmark --verbose --no-suite mission --no-suite memif \
	--no-suite sweep >"$bench_log" 2>&1; then
	cat "$bench_log"
	hl_log "a benchmark failed"
	status=1
fi
# The mission benchmark in its short form (a few seconds per balancer, one
# load): that its figures come out; the full run is
# `meson test -C build --benchmark --suite mission --verbose` (~7 min).
if ! meson test -C build --benchmark --verbose --suite mission --test-args=--smoke \
	>>"$bench_log" 2>&1; then
	cat "$bench_log"
	hl_log "bench_mission --smoke failed"
	status=1
fi
grep -E '^[A-Za-z0-9_./-]+: [0-9.]+' "$bench_log" || true
rm -f "$bench_log"

echo "tests: $passed passed, $failed failed"
exit $status
