# berth's build, test, demo and benchmark entry points.
#
#   make demo    install test tools (apt-get, root), build bin/berth, run scripts/demo.sh
#   make test    install test tools, go vet, go test -race over every package,
#                then check that no cgroup, mount or process of berth is left
#   make build   build bin/berth from ./examples/berth
#   make bench   every benchmark below
#   make bench-pull    pull: berth vs skopeo copy (bench/pull.sh)
#   make bench-unpack  pull and unpack: berth vs docker pull vs parallel
#                      tar -xzf (bench/unpack.sh, root: it starts dockerd)
#   make bench-run       run --rm IMAGE true: berth vs docker, podman, runc
#                        and unshare (bench/container.sh run, root)
#   make bench-detached  100 detached containers at once, wall time and
#                        memory per container: berth vs docker
#                        (bench/container.sh detached, root)
#   make bench-exec      exec NAME true: berth vs docker
#                        (bench/container.sh exec, root)
#   make fuzz    run every fuzz target for FUZZTIME each
#
# deps and bench-deps use apt-get and so need root on a Debian machine; they
# do nothing (and need nothing) when the packages are already installed.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := test

# CI's PATH may lack Go's default install location.
ifeq ($(shell command -v go 2>/dev/null),)
export PATH := $(PATH):/usr/local/go/bin
endif

GO ?= go
TEST_TIMEOUT ?= 20m
FUZZTIME ?= 20s
BENCH_RUNS ?= 10
# Timed runs of the quick container commands (run --rm, exec), where ten
# runs of a few milliseconds each say little on a busy machine.
BENCH_CONTAINER_RUNS ?= 50

APT_GET ?= apt-get
DEPS := busybox-static docker-registry skopeo umoci
BENCH_DEPS := hyperfine docker.io tar gzip podman runc util-linux

export DEBIAN_FRONTEND := noninteractive

.PHONY: deps bench-deps test vet build demo bench bench-pull bench-unpack bench-run bench-detached bench-exec fuzz clean

# apt-install installs the packages in $(1) that dpkg does not report as
# installed (dpkg -s status), running apt-get update only when there is something to install.
define apt-install
	missing=""; \
	for p in $(1); do \
		[ "$$(dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null)" = "install ok installed" ] || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(APT_GET) update -qq; \
		$(APT_GET) install -y -qq --no-install-recommends $$missing; \
	fi
endef

deps:
	@$(call apt-install,$(DEPS))

bench-deps: deps
	@$(call apt-install,$(BENCH_DEPS))

vet:
	$(GO) vet ./...

test: deps vet
	$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./...
	./scripts/leakcheck.sh

# CGO_ENABLED=0: berth uses no cgo, and without it the binary is static:
# no dynamic loader runs at its start, nor at each re-executed container
# child's (half a millisecond each).
build:
	CGO_ENABLED=0 $(GO) build -o bin/berth ./examples/berth

demo: deps build
	./scripts/demo.sh

bench: bench-pull bench-unpack bench-run bench-detached bench-exec

bench-pull: bench-deps build
	BENCH_RUNS=$(BENCH_RUNS) ./bench/pull.sh

bench-unpack: bench-deps build
	BENCH_RUNS=$(BENCH_RUNS) ./bench/unpack.sh

bench-run: bench-deps build
	BENCH_CONTAINER_RUNS=$(BENCH_CONTAINER_RUNS) ./bench/container.sh run

bench-detached: bench-deps build
	BENCH_RUNS=$(BENCH_RUNS) ./bench/container.sh detached

bench-exec: bench-deps build
	BENCH_CONTAINER_RUNS=$(BENCH_CONTAINER_RUNS) ./bench/container.sh exec

# Every `func FuzzX` in the module, run one at a time in its own package.
fuzz:
	@found=0; \
	while IFS=: read -r file _ line; do \
		fn=$$(sed -E 's/^func (Fuzz[A-Za-z0-9_]*).*/\1/' <<<"$$line"); \
		pkg=./$$(dirname "$$file"); \
		echo "== $$pkg $$fn"; \
		$(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) "$$pkg"; \
		found=1; \
	done < <(grep -rn --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]*\(' . | sed 's|^\./||'); \
	[ "$$found" = 1 ] || { echo "no fuzz tests found" >&2; exit 1; }

clean:
	rm -rf bin
