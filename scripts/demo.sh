#!/usr/bin/env bash
# An offline tour of berth: build a small busybox image with umoci, push it
# with skopeo to a docker-registry on loopback, then pull, tag, push, list,
# inspect, run containers of, search, save, remove and load it with
# bin/berth.
#
# Needs: bin/berth (make build), docker-registry, umoci, skopeo and
# /bin/busybox (make deps installs them). Root is not needed, except to
# mount images and run containers, which the tour does only as root. Everything
# lives in a temporary directory removed on exit, Ctrl-C included.
set -Eeuo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
berth_bin=${BERTH:-$repo/bin/berth}

for tool in docker-registry umoci skopeo; do
	command -v "$tool" >/dev/null || { echo "demo: $tool not found (run make deps)" >&2; exit 1; }
done
[[ -x /bin/busybox ]] || { echo "demo: /bin/busybox not found (run make deps)" >&2; exit 1; }
[[ -x $berth_bin ]] || { echo "demo: $berth_bin not found (run make build)" >&2; exit 1; }

# shellcheck source=scripts/registry.sh
source "$repo/scripts/registry.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/berth-demo.XXXXXX")
cleanup() {
	# A container the tour left running (it failed half-way) goes first.
	[[ -d $work/root/container ]] && "$berth_bin" --root "$work/root" rm -f ticker >/dev/null 2>&1 || true
	registry_stop
	rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "demo: failed: $BASH_COMMAND" >&2' ERR
trap 'exit 130' INT
trap 'exit 143' TERM

bold=$'\e[1m' plain=$'\e[0m'
if [[ ! -t 1 ]]; then bold="" plain=""; fi

# say prints a comment line of the tour.
say() { printf '\n%s# %s%s\n' "$bold" "$*" "$plain"; }

# quote renders one argument for display: as is when plain, else in single
# quotes; the demo's temporary directory is shown as $DEMO.
quote() {
	local arg=${1//"$work"/'$DEMO'}
	if [[ $arg =~ ^[][A-Za-z0-9_./:=@%+,\$-]+$ ]]; then
		printf '%s' "$arg"
	else
		printf "'%s'" "${arg//\'/\'\\\'\'}"
	fi
}

# show prints a command as it would be typed, then runs it.
show() {
	local arg line="\$"
	for arg in "$@"; do line+=" $(quote "$arg")"; done
	printf '%s%s%s\n' "$bold" "$line" "$plain"
	"$@"
}

# berth runs the CLI against the demo's own store.
berth() { "$berth_bin" --root "$work/root" "$@"; }

say "starting docker-registry on loopback"
registry_start "$work/registry"
host=$REGISTRY_HOST
echo "registry: http://$host  (127.0.0.0/8 is always an insecure registry: plain HTTP)"
echo "DEMO=$work  (removed on exit)"
echo "berth is $berth_bin --root \$DEMO/root"

say "building a one-layer busybox image with umoci"
layout=$work/oci
bundle=$work/bundle
rootless=()
if [[ $EUID -ne 0 ]]; then rootless=(--rootless); fi
show umoci init --layout "$layout"
show umoci new --image "$layout:demo"
show umoci unpack "${rootless[@]}" --image "$layout:demo" "$bundle"
mkdir -p "$bundle/rootfs/bin"
cp /bin/busybox "$bundle/rootfs/bin/busybox"
ln -s busybox "$bundle/rootfs/bin/sh"
ln -s busybox "$bundle/rootfs/bin/echo"
show umoci repack --image "$layout:demo" --history.created_by 'COPY busybox sh echo /bin/' "$bundle"
show umoci config --image "$layout:demo" \
	--config.env PATH=/bin \
	--config.cmd /bin/sh --config.cmd -c --config.cmd 'echo hello from berth' \
	--config.label org.opencontainers.image.title=berth-demo \
	--history.created_by 'CMD ["/bin/sh" "-c" "echo hello from berth"]'

say "pushing it to the registry with skopeo"
show skopeo copy -q --dest-tls-verify=false "oci:$layout:demo" "docker://$host/demo/busybox:1.0"

say "pulling it with berth: no daemon, the store is a directory"
show berth pull "$host/demo/busybox:1.0"
show berth images

say "tagging and pushing the new tag (blobs already in the registry are skipped)"
show berth tag "$host/demo/busybox:1.0" "$host/demo/busybox:stable"
show berth push "$host/demo/busybox:stable"
show berth images --digests

say "looking inside"
show berth history "$host/demo/busybox:stable"
printf '%s$ berth image inspect %s | head -n 30%s\n' "$bold" "$(quote "$host/demo/busybox:stable")" "$plain"
inspect=$(berth image inspect "$host/demo/busybox:stable")
printf '%s\n' "$inspect" | head -n 30
echo "... ($(printf '%s\n' "$inspect" | wc -l) lines)"

if [[ $(id -u) == 0 ]]; then
	say "the pulled image is already unpacked: mounting its root filesystem read-only (needs root)"
	printf '%s$ berth image mount %s%s\n' "$bold" "$(quote "$host/demo/busybox:stable")" "$plain"
	rootfs=$(berth image mount "$host/demo/busybox:stable")
	echo "$rootfs"
	show ls -l "$rootfs/bin/busybox"
	show berth image unmount "$host/demo/busybox:stable"
fi

if [[ $(id -u) == 0 ]]; then
	say "running containers from the pulled image, in-process, no daemon (needs root)"
	image="$host/demo/busybox:stable"
	show berth run --rm "$image" sh -c 'echo "hello from $(hostname), PID $$"'
	show berth run -d --name ticker "$image" sh -c 'trap "exit 0" TERM; while true; do date +%T; sleep 0.3; done'
	show berth ps
	sleep 1
	show berth logs --tail 2 ticker
	show berth exec ticker sh -c 'echo "exec sees: $(ps | wc -l) processes"'
	show berth stop ticker
	show berth ps -a
	show berth rm ticker
fi

say "searching the registry's catalog"
show berth search "$host/demo"

say "saving to a docker-compatible tarball, removing, loading back"
show berth save -o "$work/busybox.tar" "$host/demo/busybox:1.0" "$host/demo/busybox:stable"
show berth rmi "$host/demo/busybox:1.0" "$host/demo/busybox:stable"
show berth images
show berth load -i "$work/busybox.tar"
show berth images

say "done: the demo's registry, store and files are removed on exit"
