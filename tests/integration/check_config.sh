#!/usr/bin/env bash
# `hintlb --check`: the standard config passes (exit 0); each broken config
# below is rejected (exit non-zero) with a message on stderr naming the
# section and the key, like "[worker] idle: ...". Each case is the good
# config with one edit: replace the first line equal to OLD with NEW, or
# append lines.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
hl_init "$@"
# --check may bring up the EAL on the configured devices: give it the
# interfaces they name.
hl_topo_up

good=$HL_WORK/good.conf
hl_write_config "$good"

# check CONF: run hintlb --check CONF in hl-lb; stderr in $HL_WORK/err.
check() {
	timeout 30 nsenter --net=/run/netns/hl-lb -- \
		"$HINTLB" --config "$1" --check >"$HL_WORK/out" 2>"$HL_WORK/err"
}

if ! check "$good"; then
	cat "$HL_WORK/err" >&2
	hl_fail "the standard config fails --check"
fi
hl_log "good config passes --check"
# --check must not leave anything behind on the interfaces.
[ -z "$(hl_xdp_prog hl-lb hl0)" ] || hl_fail "--check left an XDP program on hl0"

failures=0
n_cases=0
# bad NAME EXPECT_REGEX (replace OLD NEW | append TEXT)
bad() {
	local name=$1 expect=$2 op=$3 conf=$HL_WORK/bad-$1.conf rc=0
	n_cases=$((n_cases + 1))
	case $op in
	replace)
		grep -qxF -- "$4" "$good" || hl_fail "case $name: line '$4' not in the good config"
		OLD=$4 NEW=$5 awk '!done && $0 == ENVIRON["OLD"] { print ENVIRON["NEW"]; done = 1; next } { print }' \
			"$good" >"$conf"
		;;
	append)
		cp "$good" "$conf"
		printf '%s\n' "$4" >>"$conf"
		;;
	esac
	check "$conf" || rc=$?
	local msg
	msg=$(head -c 600 "$HL_WORK/err" | tr '\n' ' ')
	if [ $rc -eq 0 ]; then
		echo "  case $name: accepted (want rejection naming $expect)" >&2
		failures=$((failures + 1))
	elif [ $rc -ge 124 ]; then
		echo "  case $name: exit $rc (timeout or signal), stderr: $msg" >&2
		failures=$((failures + 1))
	elif ! grep -qE -- "$expect" "$HL_WORK/err"; then
		echo "  case $name: exit $rc but stderr does not match /$expect/: $msg" >&2
		failures=$((failures + 1))
	else
		hl_log "case $name: rejected: $(grep -E -m1 -- "$expect" "$HL_WORK/err")"
	fi
}

bad bad_address '\[port net_af_xdp0\] address' replace \
	"address = $HL_PORT0_IP/24" "address = 10.77.0.300/24"
bad bad_prefix '\[port net_af_xdp0\] address' replace \
	"address = $HL_PORT0_IP/24" "address = $HL_PORT0_IP/33"
bad bad_port '\[listener web\] port' replace \
	"port = 80" "port = 70000"
bad unknown_key '\[worker\] idel' replace \
	"idle = adaptive" "idel = adaptive"
bad unknown_section '\[wrker\]' append \
	$'[wrker]\nidle = poll'
bad bad_idle_mode '\[worker\] idle' replace \
	"idle = adaptive" "idle = busy"
bad balance_factor_below_1 '\[routing\] balance_factor' replace \
	"balance_factor = 1.25" "balance_factor = 0.5"
bad maglev_size_not_prime '\[routing\] maglev_size' replace \
	"maglev_size = 65537" "maglev_size = 65536"
bad duplicate_replica_name '\[replica r1\]' append \
	$'[replica r1]\naddress = 10.77.1.14:8081'
bad duplicate_replica_address '\[replica r[1-5]\] address' append \
	$'[replica r5]\naddress = 10.77.1.11:8080'
bad replica_address_without_port '\[replica r1\] address' replace \
	"address = 10.77.1.11:8080" "address = 10.77.1.11"
bad vip_is_port_address '\[listener web\] vip' replace \
	"vip = $HL_VIP" "vip = $HL_PORT0_IP"
bad port_without_device '\[port net_af_xdp7\]' append \
	$'[port net_af_xdp7]\naddress = 10.77.7.2/24'

[ $failures -eq 0 ] || hl_fail "$failures of $n_cases broken configs not rejected as they should be"
hl_log "all $n_cases broken configs rejected"
echo "PASS"
