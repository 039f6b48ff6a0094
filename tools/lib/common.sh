# Shared by tools/test.sh and tools/demo.sh: install what is missing, set up
# hugepages, configure and build. Source it; it defines functions only.

HL_APT_PACKAGES=(
	build-essential pkg-config meson ninja-build
	clang llvm libclang-rt-14-dev clang-format
	dpdk-dev libdpdk-dev libbpf-dev libxdp-dev bpftool
	libcmocka-dev libjansson-dev libhttp-parser-dev zlib1g-dev libmicrohttpd-dev
	iproute2 iputils-ping iputils-arping ethtool tcpdump util-linux curl python3 python3-scapy
	nginx-light haproxy wrk prometheus tshark gnuplot-nox
)

hl_log() { printf '==> %s\n' "$*" >&2; }

hl_need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "$0: run as root (sudo $0): it installs packages and sets up hugepages" >&2
		exit 1
	fi
}

# Install the Debian packages that are not installed yet (apt-get update once).
hl_install_deps() {
	local missing=() p
	for p in "${HL_APT_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		hl_log "packages: all ${#HL_APT_PACKAGES[@]} present"
		return 0
	fi
	hl_log "packages: installing ${missing[*]}"
	# noninteractive: debconf questions take their defaults (tshark's "should
	# non-superusers be able to capture packets?" answers no)
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
	# the peers the tests start themselves: none of the packages' own services
	# (started where an init runs) may hold ports or CPU
	pkill -x nginx 2>/dev/null || true
	pkill -x haproxy 2>/dev/null || true
	pkill -x prometheus 2>/dev/null || true
}

# One line with what a failure report needs: kernel release, DPDK, libbpf,
# libxdp and clang versions (after hl_install_deps: pkg-config knows them).
hl_print_versions() {
	local v p
	v="kernel $(uname -r)"
	for p in libdpdk:DPDK libbpf:libbpf libxdp:libxdp; do
		v+=", ${p#*:} $(pkg-config --modversion "${p%%:*}" 2>/dev/null || echo 'not found')"
	done
	v+=", clang $(clang -dumpversion 2>/dev/null || echo 'not found')"
	hl_log "versions: $v"
}

# 2 MiB hugepages and a hugetlbfs mount where the kernel lets us; tests and
# the demo fall back to --no-huge where this fails, so failure is not fatal.
hl_setup_hugepages() {
	local nr=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages want=256
	if [ -w "$nr" ] && [ "$(cat "$nr")" -lt "$want" ]; then
		echo "$want" >"$nr" 2>/dev/null || true
	fi
	mkdir -p /dev/hugepages
	if ! mountpoint -q /dev/hugepages; then
		mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null || true
	fi
	hl_log "hugepages: $(cat "$nr" 2>/dev/null || echo 0) x 2 MiB," \
		"hugetlbfs $(mountpoint -q /dev/hugepages && echo mounted || echo 'not mounted (using --no-huge)')"
}

# hl_build DIR [meson setup args...]: configure once, then build (only the
# ninja targets in HL_BUILD_TARGETS when set, else everything); on failure
# the tail of meson's or ninja's output says why.
hl_build() {
	local dir=$1 log
	shift
	log=$(mktemp)
	if [ ! -f "$dir/build.ninja" ] && ! meson setup "$dir" "$@" >"$log" 2>&1; then
		tail -n 40 "$log" >&2
		rm -f "$log"
		hl_log "meson setup $dir failed"
		return 1
	fi
	# shellcheck disable=SC2086 # a list of targets
	if ! ninja -C "$dir" ${HL_BUILD_TARGETS:-} >"$log" 2>&1; then
		grep -E -A12 '^FAILED|error:' "$log" | head -n 60 >&2
		rm -f "$log"
		hl_log "build of $dir failed"
		return 1
	fi
	rm -f "$log"
	hl_log "built $dir"
}
