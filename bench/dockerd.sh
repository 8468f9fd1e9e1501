# shellcheck shell=bash
# Helpers to run a private dockerd for a side-by-side benchmark, sourced by
# bench/container.sh and bench/unpack.sh. Nothing global is used: the
# daemon gets its own data root, exec root, pidfile and socket under one
# directory, overlay2, no bridge and no iptables.
#
#   docker_find          set docker_bin to the docker client packaged with
#                        dockerd ($DOCKER if set), or fail
#   docker_start DIR     start dockerd under DIR and wait until it answers;
#                        sets docker_dir, docker_sock, docker_pid and exports
#                        DOCKER_HOST
#   docker_stop          stop it (safe to call more than once)
#   unmount_under DIR    unmount everything at or below DIR, deepest first

docker_bin=""
docker_dir=""
docker_sock=""
docker_pid=""

docker_find() {
	# Debian's docker.io puts dockerd in /usr/sbin and docker in /usr/bin:
	# take that client rather than whichever is first on PATH.
	docker_bin=${DOCKER:-$(PATH="$(dirname "$(command -v dockerd)"):/usr/bin:$PATH" command -v docker)}
	[[ -x $docker_bin ]] || { echo "bench: $docker_bin not found (run make bench-deps)" >&2; return 1; }
}

docker_start() {
	docker_dir=$1
	docker_sock=$docker_dir/docker.sock
	export DOCKER_HOST=unix://$docker_sock
	mkdir -p "$docker_dir"
	dockerd --data-root "$docker_dir/data" --exec-root "$docker_dir/exec" \
		--pidfile "$docker_dir/docker.pid" -H "unix://$docker_sock" \
		--storage-driver overlay2 --bridge=none --iptables=false --ip6tables=false \
		--log-level error >"$docker_dir/dockerd.log" 2>&1 &
	docker_pid=$!
	local i
	for ((i = 0; i < 300; i++)); do
		"$docker_bin" version >/dev/null 2>&1 && return 0
		kill -0 "$docker_pid" 2>/dev/null || break
		sleep 0.1
	done
	"$docker_bin" version >/dev/null 2>&1 && return 0
	echo "bench: dockerd did not start:" >&2
	cat "$docker_dir/dockerd.log" >&2
	return 1
}

docker_stop() {
	[[ -n $docker_pid ]] || return 0
	kill "$docker_pid" 2>/dev/null || true
	local i
	for ((i = 0; i < 300; i++)); do
		kill -0 "$docker_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$docker_pid" 2>/dev/null || true
	wait "$docker_pid" 2>/dev/null || true
	docker_pid=""
}

unmount_under() {
	local mnt
	awk -v dir="$1" '$2 == dir || index($2, dir "/") == 1 { print $2 }' /proc/self/mounts |
		sort -r | while read -r mnt; do
			umount "$mnt" 2>/dev/null || umount -l "$mnt" || true
		done
}
