package container

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berth-dev/berth/internal/cgroup"
)

// recover settles what an earlier program left in the root: half-created
// or half-removed containers (.tmp-ID directories nobody holds) are undone,
// and running containers nobody watches any more are settled.
func (r *Runtime) recover(ctx context.Context) error {
	unlock, err := r.lock(ctx)
	if err != nil {
		return err
	}
	err = r.ensureInitLayer()
	if err == nil {
		err = r.undoInterrupted(ctx)
	}
	unlock()
	if err != nil {
		return err
	}
	// Only the containers of owners that died need settling (see
	// owners_linux.go).
	dead, err := r.deadOwners()
	if err != nil || len(dead) == 0 {
		return err
	}
	ids, err := r.ids()
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := r.settleRestart(ctx, id, dead); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		st, err := (&Container{rt: r, id: id}).state()
		if err != nil || st.Status != StatusRunning {
			continue
		}
		if _, ok := dead[identity{pid: st.Owner, start: st.OwnerStart}]; !ok {
			continue
		}
		if err := r.reconcile(ctx, id); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	for _, paths := range dead {
		for _, p := range paths {
			_ = os.Remove(p)
		}
	}
	return nil
}

// settleRestart takes back the restartingFile of container id if a
// program in dead wrote it: a Restart killed between its stop and its
// start. An auto-removed container it left exited is removed, as its exit
// would have removed it without the Restart.
func (r *Runtime) settleRestart(ctx context.Context, id string, dead map[identity][]string) error {
	c := &Container{rt: r, id: id}
	marker := filepath.Join(c.dir(), restartingFile)
	w, ok := readMarker(marker)
	if _, died := dead[w]; !ok || !died {
		return nil
	}
	unlock, err := c.lock(ctx)
	if err != nil {
		return err
	}
	// Under the lock a start, which takes the marker back, is not under
	// way; a new Restart's marker names a live program.
	if again, _ := readMarker(marker); again == w {
		_ = os.Remove(marker)
	}
	st, err := c.state()
	unlock()
	if err != nil || st.Status != StatusExited {
		return err
	}
	if rec, err := c.record(); err == nil && rec.Config.AutoRemove && !restarting(c) {
		return c.Remove(ctx, RemoveOptions{Volumes: true})
	}
	return nil
}

// finishInterrupted finishes the remove (or undoes the create) of
// container id, moved aside to .tmp-ID, if the program doing it was
// killed: nobody holds the directory any more. It waits for one under
// way.
func (r *Runtime) finishInterrupted(ctx context.Context, id string) error {
	unlock, err := r.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	r.undoTmp(ctx, id)
	return nil
}

// undoInterrupted removes what creates and removes killed half-way left:
// .tmp-ID directories nobody holds (and the names recorded in them). The
// caller holds the runtime lock, which every create holds from
// reserving the name to renaming the directory into place.
func (r *Runtime) undoInterrupted(ctx context.Context) error {
	entries, err := os.ReadDir(r.dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), mntPrefix) && e.IsDir() {
			// A copy or export killed half-way left its mounts. One
			// in progress holds the container's lock.
			dir := filepath.Join(r.dir, e.Name())
			unlock, ok := tryLockDir(filepath.Join(r.dir, strings.TrimPrefix(e.Name(), mntPrefix)))
			if !ok {
				if _, err := os.Stat(filepath.Join(r.dir, strings.TrimPrefix(e.Name(), mntPrefix))); !errors.Is(err, os.ErrNotExist) {
					continue
				}
				unlock = func() {}
			}
			if unmountAll(dir) == nil {
				_ = os.Remove(dir)
			}
			unlock()
			continue
		}
		if id, ok := strings.CutPrefix(e.Name(), tmpPrefix); ok && e.IsDir() {
			r.undoTmp(ctx, id)
		}
	}
	// Names whose container is gone are taken over when the name is
	// wanted again (staleName): reading every name here cost each Open
	// time in proportion to the containers.
	return nil
}

// undoTmp removes .tmp-ID, the directory of container id half created or
// half removed, with its names, volumes and cgroup, unless a live program
// holds it. The caller holds the runtime lock.
func (r *Runtime) undoTmp(ctx context.Context, id string) {
	dir := filepath.Join(r.dir, tmpPrefix+id)
	unlock, ok := tryLockDir(dir)
	if !ok {
		return // gone, or being created or removed by a live program
	}
	defer unlock()
	var rec record
	if readJSON(filepath.Join(dir, configFile), &rec) != nil || rec.Name == "" {
		rec.ID, rec.Name = id, r.nameOfClaim(dir)
	}
	r.release(ctx, &rec, true)
	removeCgroup(id)
	_ = os.RemoveAll(dir)
}

// reconcile settles a container recorded as running whose watcher (the
// program that started it, or the monitor) is gone. If its process still
// runs, nothing collects its output or exit any more, so it is killed;
// then it is marked exited with code 255 (the code is unknown), its cgroup
// removed, and it is removed if it was to be.
func (r *Runtime) reconcile(ctx context.Context, id string) error {
	c := &Container{rt: r, id: id}
	st, err := c.state()
	if err != nil || st.Status != StatusRunning || r.watched(id) || processAlive(st.Owner, st.OwnerStart) {
		return err
	}
	unlock, err := c.lock(ctx)
	if err != nil {
		return err
	}
	st, err = c.state()
	if err != nil || st.Status != StatusRunning || processAlive(st.Owner, st.OwnerStart) {
		unlock()
		return err
	}
	if processAlive(st.Pid, st.PidStart) {
		_ = syscall.Kill(st.Pid, syscall.SIGKILL)
		for i := 0; i < 500 && processAlive(st.Pid, st.PidStart); i++ {
			time.Sleep(2 * time.Millisecond)
		}
	}
	removeCgroup(id)
	st.Status, st.ExitCode, st.FinishedAt = StatusExited, 255, time.Now().UTC()
	st.Error = "the program watching the container exited"
	st.Pid, st.PidStart, st.Owner, st.OwnerStart = 0, 0, 0, 0
	err = c.saveState(st)
	unlock()
	if err != nil {
		return err
	}
	if rec, err := c.record(); err == nil && rec.Config.AutoRemove {
		return c.Remove(ctx, RemoveOptions{Volumes: true})
	}
	return nil
}

// removeCgroup kills what is left in a container's cgroup and deletes it.
func removeCgroup(id string) {
	if ok, err := cgroup.Exists(cgroupPath(id)); err == nil && !ok {
		return // a stat per hierarchy, where Load reads the mount table
	}
	cg, err := cgroup.Load(cgroupPath(id))
	if err != nil {
		return
	}
	_ = cg.Kill(cgroup.SpareOwnPidNamespace())
	deleteCgroup(cg)
}

// deleteCgroup deletes an emptied cgroup, retrying for a while: the
// kernel removes a killed process from its group a moment after it dies.
func deleteCgroup(cg *cgroup.Cgroup) {
	for range 50 {
		if cg.Delete() == nil {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func parseHash(s string) (v1.Hash, error) { return v1.NewHash(s) }
