// Package cgroup puts a container's processes in a control group and
// limits what they may use: memory and swap, CPU time and weight, CPUs
// and memory nodes, tasks, block I/O weight, in Docker's terms
// (Resources mirrors the flags of docker run). It also reads what the
// group used, for docker stats, and whether the kernel's OOM killer
// struck.
//
// It drives the kernel through containerd's cgroups module
// (github.com/containerd/cgroups/v3) and adds what a container engine
// needs around it: Docker's validation and warnings, listing and removal
// that cost one read or rmdir(2) per hierarchy, and a Kill that does not
// reap other people's children.
//
// # Vocabulary
//
// A group is named by a path below the cgroup root, like "/berth/<id>".
// A controller (memory, cpu, pids…) enforces one kind of limit. Under
// cgroup v1 each controller has its own hierarchy, mounted at
// /sys/fs/cgroup/<controller>, and a group is one directory in each;
// under cgroup v2 one unified hierarchy at /sys/fs/cgroup holds every
// controller, and a group is one directory. A host in the hybrid layout
// (v1 controllers plus a v2 mount at /sys/fs/cgroup/unified) is treated
// as v1: berth's controllers are all on the v1 side there.
//
// # Lifecycle
//
//	c, err := cgroup.New("/berth/"+id, resources) // validate, create, apply
//	err = c.Add(pid)                              // before the command runs
//	s, err := c.Stats()                           // while it runs
//	killed, err := c.OOMKilled()                  // after it exited
//	err = c.Kill()                                // leftovers, on stop or removal
//	err = c.Delete()
//
// Load finds an existing group again (after a restart, or from another
// process); List and Exists find groups without loading them, to recover
// or to spot groups leaked by a crash.
//
// # What is applied where
//
//	Resources     cgroup v1                            cgroup v2
//	Memory        memory.limit_in_bytes                memory.max
//	MemorySwap    memory.memsw.limit_in_bytes          memory.swap.max (minus Memory)
//	NanoCPUs      cpu.cfs_quota_us, cpu.cfs_period_us  cpu.max
//	CPUShares     cpu.shares                           cpu.weight (runc's conversion)
//	CpusetCpus    cpuset.cpus                          cpuset.cpus
//	CpusetMems    cpuset.mems                          cpuset.mems
//	PidsLimit     pids.max                             pids.max
//	BlkioWeight   blkio.bfq.weight or blkio.weight     io.bfq.weight
//
// Docker's defaults hold: MemorySwap 0 with Memory set allows as much
// swap as memory (twice Memory in all), -1 allows unlimited swap; the CPU
// quota is NanoCPUs spread over a 100ms period; PidsLimit 0 or negative
// is unlimited.
//
// Under v1 a group is made in the memory, pids, cpu, cpuacct and blkio
// hierarchies, and in cpuset only when it is pinned: a group outside
// cpuset runs on its parent's CPUs, as a fresh one inside would, and
// copying the parent's lists into a new cpuset is the costliest part of
// New. Under v2 the cpu, memory, pids and io controllers are enabled for
// the group whenever the root offers them (statistics need them), cpuset
// only when asked for.
//
// # Validation and warnings
//
// New checks Resources with Validate, which refuses what Docker's daemon
// refuses, with Docker's messages ("Minimum memory limit allowed is
// 6MB", …): the error is a *ValidationError wrapping ErrInvalid. A limit
// the kernel cannot enforce — no swap accounting, no BFQ for the I/O
// weight, a controller not mounted — is dropped and reported in
// Warnings, in the words docker run prints; only a CPU quota without CFS
// bandwidth control fails New (ErrNotSupported), as in Docker.
//
// # Statistics
//
// Stats returns cumulative counters; CPUPercent computes docker stats'
// CPU % from two samples, and MemoryStats.WorkingSet its MEM USAGE
// (usage without inactive page cache). A group without a memory limit
// reports the host's memory as its limit. Memory is charged where it is
// allocated: v1 does not move the charges of a process moved into a
// group, so a process should be added before it runs the container's
// command. On v1 kernels from 6.10 block I/O is counted only for disks
// with a throttle rule or the BFQ scheduler, so BlkioStats may read zero
// there, as docker stats does.
//
// # Killing and deleting
//
// Kill sends SIGKILL to every process of the group and of groups below
// it (through cgroup.kill on v2), again until the group is empty, for up
// to five seconds. It does not wait(2) for them: the processes' parents
// still get their exit statuses. Delete is one rmdir per hierarchy; the
// kernel refuses it while processes remain (ErrInUse). A group that is
// gone is not an error for Delete or Kill; Add, Stats and OOMKilled
// report it as ErrNotFound.
//
// # What a container sees
//
// Filesystems describes the cgroup filesystems that show a group to its
// own processes, mounted inside a cgroup namespace the processes unshare
// once they are in the group (the namespace's root is then the group):
// the unified hierarchy on v2; on v1 each hierarchy the group has a
// directory in, named by its controllers as /proc/self/cgroup lists them
// ("cpu,cpuacct" when comounted). Hierarchies the group is not in are
// left out: inside the namespace they would show the parent's group.
//
// # What it does not do
//
// It does not freeze or thaw groups (no pause), restrict devices (the
// devices controller is left alone), limit hugetlb, RDMA, per-device
// I/O bandwidth or kernel memory, update limits of a running group, or
// talk to systemd: groups are managed as files, the way Docker's
// cgroupfs driver does. On a v2 host without the BFQ scheduler the I/O
// weight is dropped with a warning rather than converted to io.weight.
// Nothing here needs a locked OS thread: every operation is a file
// operation on cgroupfs.
package cgroup
