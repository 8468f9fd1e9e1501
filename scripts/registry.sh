# shellcheck shell=bash
# Helpers to run Debian's docker-registry (CNCF distribution) on loopback,
# sourced by scripts/demo.sh and bench/pull.sh. Needs only bash and
# docker-registry: no curl, no python.
#
#   registry_start DIR   serve plain HTTP on a free 127.0.0.1 port, storing
#                        under DIR; sets REGISTRY_HOST ("127.0.0.1:PORT") and
#                        REGISTRY_PID
#   registry_stop        stop it (safe to call more than once)

REGISTRY_HOST=""
REGISTRY_PID=""

# registry_port_free PORT: true when nothing accepts connections on PORT.
registry_port_free() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# registry_answers: true when GET /v2/ on REGISTRY_HOST returns 200.
registry_answers() {
	local status
	{
		exec 3<>"/dev/tcp/${REGISTRY_HOST%:*}/${REGISTRY_HOST##*:}" &&
			printf 'GET /v2/ HTTP/1.0\r\nHost: %s\r\n\r\n' "$REGISTRY_HOST" >&3 &&
			IFS= read -r -t 2 status <&3 &&
			exec 3<&-
	} 2>/dev/null || return 1
	[[ $status == HTTP/1.?" 200"* ]]
}

registry_start() {
	local dir=$1 attempt port i
	mkdir -p "$dir/storage"
	for attempt in 1 2 3 4 5; do
		port=$((20000 + RANDOM % 40000))
		registry_port_free "$port" || continue
		REGISTRY_HOST="127.0.0.1:$port"
		cat >"$dir/config.yml" <<-YAML
			version: 0.1
			log:
			  level: error
			  accesslog:
			    disabled: true
			storage:
			  filesystem:
			    rootdirectory: $dir/storage
			  delete:
			    enabled: true
			http:
			  addr: $REGISTRY_HOST
		YAML
		docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
		REGISTRY_PID=$!
		for ((i = 0; i < 150; i++)); do
			if registry_answers; then
				return 0
			fi
			kill -0 "$REGISTRY_PID" 2>/dev/null || break # exited: port taken meanwhile?
			sleep 0.1
		done
		registry_stop
		echo "registry on port $port did not start (attempt $attempt):" >&2
		cat "$dir/registry.log" >&2
	done
	echo "could not start docker-registry" >&2
	return 1
}

registry_stop() {
	if [[ -n $REGISTRY_PID ]]; then
		kill "$REGISTRY_PID" 2>/dev/null || true
		wait "$REGISTRY_PID" 2>/dev/null || true
		REGISTRY_PID=""
	fi
}
