// Package container runs images as isolated processes, in-process: no
// daemon, no shim, no runc. A Go program opens a Runtime on a root
// directory and calls Create, Start, Wait, Logs, Exec, Stop and Remove on
// concrete *Container values; a container starts in a few milliseconds.
//
// # Vocabulary
//
// A container is a Config (what it is: image, command, environment,
// mounts, limits — Docker's meaning for every field) plus a State (created,
// running, exited) kept on disk under ROOT/container/ID. Its first process
// is the user's command itself, PID 1 of its pid namespace: nothing of
// berth stays inside. A container is attached when it lives as long as the
// program that started it (the default), detached when the root's monitor
// watches it (Start with Detach).
//
// # Lifecycle
//
//	rt, _ := container.Open(ctx, "/var/lib/berth")
//	c, _ := rt.Create(ctx, container.Config{Image: "busybox", Cmd: []string{"echo", "hi"}})
//	exited, errc := c.Wait(ctx, container.WaitNextExit) // before Start, as with containerd
//	_ = c.Start(ctx, container.WithStdio(nil, os.Stdout, os.Stderr))
//	status := <-exited // status.ExitCode
//	_ = c.Remove(ctx, container.RemoveOptions{})
//
// Create resolves the image and Docker's ENTRYPOINT/CMD, ENV, USER, WORKDIR
// and VOLUME rules, reserves the name (or generates "adjective_surname"),
// prepares the overlay snapshot, creates and takes the volumes and holds the
// image so that it is not removed under the container. Every step is undone
// on error. Start runs the command; failures to run it come back as an
// *ExitError with Docker's codes: 125 (berth could not set the container
// up), 126 (cannot execute), 127 (not found); a command killed by signal n
// exits 128+n.
//
// Run is Create and Start in one call, and faster: the thread that starts
// the container's first process leaves this program's namespaces on the
// other core while the container is created. Wait on the Container it
// returns sees the exit of that run even when the container was removed
// (AutoRemove) before Wait was called, so Run needs no Wait before it.
//
// # How a container starts
//
// Setting up a container needs a process of its own: namespaces, mounts
// and pivot_root apply to a whole process, and a multi-threaded Go
// program cannot fork and then run Go code. berth splits the work
// (forkinit_linux.go, internal/child's StartInit):
//
//   - An OS thread of this program, locked and thrown away afterwards,
//     leaves the program's filesystem attributes and its mount, uts, ipc and
//     network namespaces (a network namespace with only loopback:
//     NetworkMode "none"). It mounts the root filesystem (layer's overlay
//     snapshot of the image's layers, topped by one init layer of mount
//     points that all the root's containers share, initlayer_linux.go;
//     volatile for an AutoRemove container, so that its unmount does not
//     sync the disk before its exit is known, as Podman does for --rm),
//     fills new volumes from the image, applies the mount plan — /dev
//     (tmpfs with Docker's nodes), /dev/pts (new instance), /dev/shm,
//     /dev/mqueue, /sys read-only, /etc/hosts, /etc/hostname and
//     /etc/resolv.conf kept per container, then volumes, bind mounts and
//     tmpfs — pivots into it, sets the hostname and resolves the user (in
//     the image's own /etc/passwd and /etc/group) and the command.
//     Meanwhile the caller makes the container's cgroup and hands the
//     thread its files, open, just before the fork; while it waits for the
//     spec, the thread makes os's one-time check of pidfd support (which
//     the first os.FindProcess would make after the fork) and compiles the
//     seccomp filter.
//   - It then forks, into a new pid namespace: a vfork on amd64 and
//     arm64, as package syscall's, so that no page of the program is
//     copied or write-protected. The forked process runs no Go beyond
//     raw system calls on values prepared before the fork, as package
//     syscall's own forked child does: it mounts /proc (only a
//     process in the pid namespace can mount its /proc), masks Docker's
//     masked paths and makes its read-only paths read-only, moves itself
//     into its cgroup and a new cgroup namespace, mounts its cgroup's
//     filesystems at /sys/fs/cgroup (below), installs Docker's default
//     seccomp filter (compiled in pure Go), changes user, sets Docker's
//     default capabilities and execs the command.
//
// No second Go runtime starts, which saved about 1.5 ms of every run. The
// thread's own credentials, capabilities, filter and cgroup never change.
//
// A spec with a mount on /proc, which must come after /proc, takes the
// older way: the embedding binary re-executed. The init function of
// package internal/child, which this package imports, recognises that
// child (by an environment variable) and does all of the above in it
// before the program's main or a test binary's TestMain get control:
// nothing in the embedding program needs to change. The binary
// re-executed is never the program's file itself but a sealed view of it:
// a private read-only bind mount of the file that is never attached
// anywhere (the idea of runc 1.2's defence against CVE-2019-5736), or a
// sealed memfd copy where the kernel cannot make one. A container process
// that opens /proc/PID/exe of the child cannot write to the host binary;
// the child is also non-dumpable until it execs. The root's monitor
// (below) is the same binary re-executed too, dispatched from this
// package's own init function.
//
// The mount plan and the process specification are values computed by the
// parent (plan.go, spec.go); the thread, the forked process and the child
// only apply them.
//
// # Who watches a container
//
// An attached container is a child of the program with a parent-death
// signal: when the program exits or is killed — a test binary included —
// the kernel kills the container's first process and with it its pid
// namespace, and its mounts vanish with its mount namespace. The signal
// fires when the thread that forked the process ends, so that thread waits,
// parked, until the process has exited. Runtime.Close stops them too.
//
// A detached container is started by the root's monitor: the embedding
// binary re-executed in a session of its own, one per root, listening on
// ROOT/container/monitor.sock. It is the parent of every detached container
// of the root, copies their output to their logs, records their exits and
// removes the AutoRemove ones; it exits two seconds after its last
// container. One shared monitor rather than one per container: a detached
// container then costs the host three goroutines (two copying its output,
// one waiting for its exit) and two pipes, and the monitor gives the memory
// a burst of starts left free back to the system once the burst is over
// (with 100 containers it holds about 6 MB of its own). Any program that
// opens the root can list, inspect, log, exec into, stop, kill and remove
// any container, whichever program watches it.
//
// State lives on disk (config.json and state.json, written by rename) and
// is guarded by flock: the runtime's lock around names, create and remove,
// a container's lock around its state changes. Open settles what a killed
// program left behind: half-created or half-removed containers are undone,
// and a container recorded as running whose watcher is gone is killed if
// still alive (nothing would collect its output or exit), marked exited
// with code 255 and its cgroup removed. Watchers register as owners
// (owners/PID-START-TOKEN), so Open reads the containers' states only when
// an owner has died: its cost does not grow with the number of containers.
// A name whose container does not exist is freed when it is wanted again.
// A Wait for the removal of a container whose remover was killed
// finishes the removal itself rather than wait for the next Open. The
// files that say an operation is under way (a Restart's, so that the
// stop it causes does not remove an auto-removed container; a Remove's,
// to the programs waiting for the exit) name the program that wrote them,
// and are ignored once it is gone; Open removes an auto-removed container
// that a Restart killed between its stop and its start left exited.
//
// # Logs, stdio and exec
//
// stdout and stderr are kept in Docker's json-file format (with max-size
// and max-file rotation) and can be read with follow, since, until, tail
// and timestamps from any program. WithStdio attaches streams from the
// start; Attach joins a running container (through the monitor for a
// detached one) with the detach keys (ctrl-p,ctrl-q by default). Attach
// with Start starts the container through the monitor and streams its
// output from the first byte, which the monitor holds until it has
// replied: docker start --attach, and docker run -it, which the detach
// keys leave running. The end of its stdin closes the container's stdin
// (docker's StdinOnce), or with a TTY ends the attachment. With Tty the container gets a pseudo-terminal, of
// ConsoleSize at the start (or of AttachOptions.ConsoleSize, the size of
// the terminal attaching with Start), resized with Resize.
//
// Exec runs another process in a running container. The calling goroutine
// locks an OS thread and joins the container's namespaces. On cgroup v1
// the thread itself then becomes the container's process-to-be — mount
// namespace, cgroup (its tasks files move the thread alone), user,
// seccomp filter, capabilities — and forks and execs the command, with
// the program non-dumpable while the fork runs its binary in the
// container (child.ForkExec): no second Go runtime starts, which halves an
// exec. On cgroup v2, where a thread cannot join a cgroup alone, it forks
// the sealed binary instead, which does the same on its own main thread.
// The thread is never given back to the Go scheduler. Exec'd processes are
// reaped as soon as they exit: in a pid namespace, the first process
// cannot finish while another is unreaped.
//
// # Copying files
//
// StatPath, CopyFrom and CopyTo copy files out of and into a container as
// tar streams, as docker cp does, whether the container runs or not.
// ExtractArchive unpacks such a stream into a directory on the host, as
// docker cp's client does: the archive is not trusted, and nothing lands
// outside that directory.
//
// # Where berth differs from Docker
//
//   - Force-removing an image a container uses untags it but keeps it until
//     the container is removed, so the container can still start.
//   - A container whose watcher died is not left "running" forever: the
//     next Open settles it.
//   - Stop, Kill and Wait work from any program, not through a daemon. A
//     program waiting for an exit another program watches reads it from
//     the container's state; it holds a shared lock on the container
//     (a flock on its config file) until it has, and Remove waits for
//     such holders (a second at most) before the state goes, so that the
//     exit of an auto-removed container still reaches them, as docker
//     wait reports it.
//   - /sys/fs/cgroup shows a container its own group, read-only
//     (read-write when privileged), as Docker does with a private cgroup
//     namespace, its default on cgroup v2: the unified hierarchy on v2,
//     and on v1 a tmpfs with one directory per hierarchy the container's
//     group is in (memory, pids, cpu, cpuacct, blkio; cpuset when pinned)
//     and a link per controller of a hierarchy that has several. Docker
//     on v1 shares the host's cgroup namespace by default and shows every
//     hierarchy; berth leaves out those it makes no group in (devices,
//     freezer, name=systemd…), which would show the host's groups. A
//     user's mount on, above or below /sys/fs/cgroup replaces it.
//
// # What it does not do
//
// Networking beyond loopback, port publishing, restart policies and links
// are the business of packages netstack and restart. Pause, checkpoint,
// user namespaces and rootless operation are not supported. Linux only:
// elsewhere Open returns ErrNotSupported.
package container
