#!/usr/bin/env bash
# Two "hosts" on one machine (docs/distributed.md): network namespaces
# joined by a veth pair, 10.77.<n>.1 and 10.77.<n>.2, each with its own host
# name.  mpirun runs in host A and starts one rank there and one in host B
# through a launch agent that stands in for ssh (ip netns exec), so the
# ranks talk over TCP on the veth pair as on two machines (btl tcp,self).
# The 2-host model must give the single-process test metrics; the veth must
# have carried the gradients.  Needs root and ip netns; skips otherwise.
#
#   tests/netns_two_hosts.sh PATH-TO-gnnrec PATH-TO-mpirun
set -u
GNNREC=$(readlink -f "${1:?usage: netns_two_hosts.sh PATH-TO-gnnrec PATH-TO-mpirun}")
MPIRUN=$(readlink -f "${2:?usage: netns_two_hosts.sh PATH-TO-gnnrec PATH-TO-mpirun}")
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "network namespaces need root"
command -v ip >/dev/null || skip "no ip command (iproute2)"

# names and a subnet of this run's own, so that runs do not collide
id=$$
net=10.77.$((id % 250 + 1))
A=gra$id B=grb$id
tmp=$(mktemp -d)
cleanup() {
  ip netns del "$A" 2>/dev/null
  ip netns del "$B" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$A" 2>"$tmp/err" || skip "ip netns add is not permitted here: $(cat "$tmp/err")"
ip netns add "$B" || exit 1
ip link add "va$id" type veth peer name "vb$id" || skip "cannot create a veth pair"
ip link set "va$id" netns "$A" && ip link set "vb$id" netns "$B" || exit 1
ip -n "$A" addr add "$net.1/24" dev "va$id" && ip -n "$B" addr add "$net.2/24" dev "vb$id" || exit 1
for ns in "$A" "$B"; do ip -n "$ns" link set lo up; done
ip -n "$A" link set "va$id" up && ip -n "$B" link set "vb$id" up || exit 1

# the ssh stand-in: "agent HOST COMMAND..." runs COMMAND in HOST's namespace
# under HOST's own host name (Open MPI tells nodes apart by name)
cat >"$tmp/agent" <<EOF
#!/bin/sh
host=\$1; shift
case \$host in
  $net.1) ns=$A name=hosta ;;
  $net.2) ns=$B name=hostb ;;
  *) echo "agent: unknown host \$host" >&2; exit 255 ;;
esac
exec ip netns exec "\$ns" unshare --uts sh -c "hostname \$name; \$*"
EOF
chmod +x "$tmp/agent"

"$GNNREC" synth --out "$tmp/data" --users 600 --items 800 >/dev/null || exit 1
args=(train --dataset "$tmp/data" --mode paper --epochs 3 --holdout 0 --dim 32 --threads 1 --json --quiet)
"$GNNREC" "${args[@]}" >"$tmp/one" || exit 1

tx0=$(ip netns exec "$B" cat "/sys/class/net/vb$id/statistics/tx_bytes")
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
timeout 300 ip netns exec "$A" unshare --uts sh -c "hostname hosta; exec \"\$@\"" sh \
  "$MPIRUN" --host "$net.1:1,$net.2:1" -np 2 \
  --mca plm_rsh_agent "$tmp/agent" --mca btl tcp,self \
  --mca btl_tcp_if_include "$net.0/24" --mca oob_tcp_if_include "$net.0/24" \
  "$GNNREC" "${args[@]}" --out "$tmp/model" >"$tmp/two" 2>"$tmp/err"
status=$?
tx1=$(ip netns exec "$B" cat "/sys/class/net/vb$id/statistics/tx_bytes")
fails=0
check() { local what=$1; shift; if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi; }
[ $status -eq 0 ] || cat "$tmp/err"
check "2 hosts: mpirun exits 0" [ $status -eq 0 ]
r1=$(tail -n 1 "$tmp/one" | python3 -c 'import json,sys; print(json.load(sys.stdin)["recall@20"])')
r2=$(tail -n 1 "$tmp/two" | python3 -c 'import json,sys; print(json.load(sys.stdin)["recall@20"])' 2>/dev/null)
check "2 hosts: recall@20 $r2 = 1 process $r1 (within 0.02)" \
  python3 -c 'import sys; sys.exit(0 if abs(float(sys.argv[1]) - float(sys.argv[2])) <= 0.02 else 1)' "$r1" "${r2:-nan}"
check "2 hosts: one model file" [ -f "$tmp/model" ]
echo "host B sent $((tx1 - tx0)) bytes over the veth pair"
# 3 epochs x 15 mini-batches x a 1400 x 32 float gradient, half sent each way, twice
check "the gradients crossed the veth pair (> 1 MB from host B)" [ $((tx1 - tx0)) -gt 1000000 ]
[ $fails -eq 0 ] || exit 1
echo "all checks passed"
