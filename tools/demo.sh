#!/usr/bin/env bash
# sudo tools/demo.sh — install what is missing, build, and show hintlb doing
# its job. For now: the routing core in hintsim, on the reference workload
# (8 replicas x 3 model slots, 100 models with Zipf(1.0) popularity, 1 req/s,
# 1 s service, 8 s model load), against what users would otherwise run.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/lib/common.sh

hl_need_root
hl_install_deps
hl_setup_hugepages
hl_build build

requests=${HINTSIM_REQUESTS:-200000}
hl_log "hintsim: $requests requests, every policy on the same trace (takes a few seconds)"
build/tools/hintsim/hintsim --requests "$requests"
cat <<'TXT'

How to read it: "model loads" is the number hintlb exists to cut: every load
keeps a GPU busy for seconds without serving. "x lower bound" compares with
Belady's optimal eviction on one pooled cache of all slots, which no router
can beat. chash (no bound) loads little but lets a hot model queue on one
replica: look at its p99.
TXT
