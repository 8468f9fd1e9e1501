// Package child is the part of a container's process before it execs the
// user's command: the container's first process ("init") and a process
// joining a running container ("exec").
//
// Most starts need no second Go runtime. StartInit sets the container up
// on a thread of the calling program and forks a process that makes raw
// system calls only (fork_linux.go); ForkExec starts an exec'd process
// from a thread that joined the container. Otherwise package container
// starts the embedding binary again with EnvRole set; this package's init
// function sees it, does the work and execs the command, and the embedding
// program's own main never runs.
//
// # Why a package of its own
//
// Go initialises every package a binary imports before main, in an order
// it computes: a package's init runs once its imports are initialised.
// The child therefore runs as soon as this package's few imports are
// ready, not after every package of the embedding program (the container
// package's own imports include an image store, a registry client and
// the cgroup library): in berth's CLI that is more than a millisecond of
// every container start and exec. So this package imports only what the
// child needs; do not add imports lightly. The root filesystem's mounts
// come as plain values (FS, the same JSON as layer.Mount) and are applied
// by internal/mount, which package layer uses too.
//
// # The protocol
//
// The parent passes the spec as JSON on fd 3 (SpecFD) and reads fd 4
// (StatusFD): the child closes it on exec (close-on-exec), or writes an
// Error there first and exits with its code. Extra descriptors from fd 5
// (FirstExtraFD) on are the cgroup files to join and, for exec, the
// container's mount namespace. EnvExeFD names the descriptor of the
// sealed binary, which the child closes before anything else.
//
// All of it runs on the main thread, which package initialisation keeps
// locked: per-thread state (capabilities, seccomp, credentials, the
// cgroup namespace) is set on the thread that calls execve.
package child
