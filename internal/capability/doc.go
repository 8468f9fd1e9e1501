// Package capability computes and applies a container's Linux capabilities
// the way Docker does.
//
// # Vocabulary
//
// Capabilities are named as in the OCI spec and Docker's API, upper case
// with the "CAP_" prefix ("CAP_NET_ADMIN"); functions that take names from
// users also accept lower case and the bare name ("net_admin"). A thread has
// several capability sets: bounding (the most it or its children can ever
// get), permitted, effective (what the kernel checks), inheritable and
// ambient (what survives execve).
//
// # Lifecycle
//
// [Resolve] is pure: it turns Docker's --privileged, --cap-add and
// --cap-drop options into the capability list of a container, starting from
// [Default] (Docker's default set) or [All]. The parent runs it, and the
// list also decides which conditional rules of the seccomp profile apply.
//
// [Apply] is the privileged step. It runs in the re-executed child, on the
// OS thread locked for execve, and changes that thread only. Call it after
// setuid/setgid, and set PR_SET_KEEPCAPS before setuid: a setuid from root
// to another user clears the permitted set unless keep-caps is set (and
// always clears the effective set, which Apply raises again from the
// permitted set). Without keep-caps the thread has no capabilities left, and
// Apply fails with EPERM. The order in a
// container's init is therefore: PR_SET_KEEPCAPS, setgroups/setgid/setuid,
// Apply, PR_SET_NO_NEW_PRIVS and the seccomp filter, execve.
//
// # What it does not do
//
// It does not set file capabilities, and it does not read or change the
// capabilities of other processes or threads. Names come from
// github.com/moby/sys/capability; a capability newer than that module is
// not known here even if the kernel has it.
package capability
