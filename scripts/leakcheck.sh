#!/usr/bin/env bash
# leakcheck: after the test suite, nothing of berth may be left on the host:
# no container cgroups, no mounts of layers or snapshots, no re-executed
# berth processes (container inits, monitors), no named network namespaces.
# Exits 1 and lists what it found otherwise. make test runs it.
set -euo pipefail

found=0
report() { echo "leakcheck: $*" >&2; found=1; }

# Containers' groups, and the groups internal/cgroup's tests make.
for d in /sys/fs/cgroup/*/berth/*/ /sys/fs/cgroup/berth/*/ \
	/sys/fs/cgroup/*/berth-test-*/ /sys/fs/cgroup/berth-test-*/; do
	[[ -d $d ]] && report "cgroup left: $d"
done
while read -r _ _ _ _ mountpoint _ _ _ fstype source options; do
	case "$options $mountpoint" in
	*layer/sha256/* | *container/snapshots/* | */container/*/rootfs*) report "mount left: $fstype $mountpoint" ;;
	esac
done < /proc/self/mountinfo
# A monitor exits on its own two seconds after its last container: give
# the ones of the last tests that long.
for _ in $(seq 50); do
	grep -qs '_BERTH_REEXEC=monitor' /proc/[0-9]*/environ || break
	sleep 0.1
done
for env in /proc/[0-9]*/environ; do
	if { tr '\0' '\n' < "$env"; } 2>/dev/null | grep -q '^_BERTH_REEXEC='; then
		pid=${env#/proc/}; pid=${pid%/environ}
		report "process left: $pid $({ tr '\0' ' ' < "/proc/$pid/cmdline"; } 2>/dev/null)"
	fi
done
if [[ -d /run/netns ]]; then
	for ns in /run/netns/berth*; do
		[[ -e $ns ]] && report "network namespace left: $ns"
	done
fi
exit $found
