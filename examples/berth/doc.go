//go:build linux

// Command berth is a docker-compatible command line built only on berth's
// public packages: image (the on-disk image store), registryclient
// (registries, credentials, search) and container (containers and
// volumes). It is both a usable tool and the reference example of
// embedding berth in a Go program: no daemon, no helper binaries.
//
// # Vocabulary
//
// The root is the directory of the image store, the containers and the
// volumes (--root, $BERTH_ROOT, default /var/lib/berth). Its registries.json file holds dockerd's
// daemon.json registry keys ("registry-mirrors", "insecure-registries") and
// an extra "mirrors" object naming mirrors for registries other than Docker
// Hub; --registry-mirror and --insecure-registry add to the file's values.
// The docker config directory (--config, $DOCKER_CONFIG, ~/.docker) holds
// the credentials login writes and logout removes, shared with docker.
//
// # Output
//
// Command names, flags, columns and messages follow the docker CLI: sizes in
// decimal units with three significant digits ("4.26MB"), times as
// "2 weeks ago", IDs shortened to 12 hex digits unless --no-trunc, and
// --format Go templates with the "table" prefix and {{json .}}. Pull and push
// draw a progress bar per layer when stdout is a terminal and print one
// plain line per layer otherwise.
//
// # Exit status
//
// Errors are printed to stderr as "Error: <message>". The exit status is 1
// for an error while doing the work and 125 when the command line itself is
// wrong (unknown command or flag, wrong number of arguments), as the docker
// CLI does for flag errors. An attached run exits with its container's
// status, or as docker run does when the container cannot start: 125 (the
// error is berth's), 126 (the command cannot be run), 127 (it is not
// found).
//
// # What it deliberately does not do
//
// It talks to no daemon, and never reads berth's internal packages:
// anything it needs must be in the public API. Every command opens the
// store only when it needs it, so login, logout and search work without a
// writable root. Containers need root; their only network so far is
// "none".
package main
