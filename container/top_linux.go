package container

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/cgroup"
)

// TopResult is the process table docker top prints: column titles, then
// one row of as many fields per process.
type TopResult struct {
	Titles    []string
	Processes [][]string
}

// topTitles are the columns of ps -ef, docker top's default.
var topTitles = []string{"UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"}

// clockTicks is USER_HZ, the unit of the times in /proc/PID/stat: 100 on
// every Linux architecture.
const clockTicks = 100

// Top lists the processes of a running container, as docker top does:
// every process in the container's cgroup, sorted by PID, in ps -ef's
// columns (UID PID PPID C STIME TTY TIME CMD), with host PIDs, read from
// the host's /proc without running ps. The user is named from the host's
// /etc/passwd as ps names it (its UID when it has no entry or a name
// longer than ps's eight-character column). Only psArgs "" is supported
// (ps's own options would need ps); any other is ErrNotSupported. A
// container that is not running is a *StateError (ErrNotRunning).
func (c *Container) Top(ctx context.Context, psArgs string) (*TopResult, error) {
	if psArgs != "" {
		return nil, fmt.Errorf("top container %s: ps options %q: %w", c.ShortID(), psArgs, ErrNotSupported)
	}
	cg, err := c.runningCgroup("list processes of")
	if err != nil {
		return nil, fmt.Errorf("top container %s: %w", c.ShortID(), err)
	}
	pids, err := cg.Procs()
	if err != nil {
		return nil, fmt.Errorf("top container %s: %w", c.ShortID(), err)
	}
	host, err := readHostClock()
	if err != nil {
		return nil, fmt.Errorf("top container %s: %w", c.ShortID(), err)
	}
	users := map[int]string{}
	if f, err := os.Open("/etc/passwd"); err == nil {
		users, _ = parsePasswd(f)
		f.Close()
	}
	res := &TopResult{Titles: topTitles, Processes: [][]string{}}
	for _, pid := range pids {
		p, err := readProcess(pid)
		if err != nil {
			continue // exited since the cgroup was listed
		}
		res.Processes = append(res.Processes, p.psRow(users, host))
	}
	return res, nil
}

// runningCgroup returns the cgroup of c if c runs, else a *StateError
// naming op.
func (c *Container) runningCgroup(op string) (*cgroup.Cgroup, error) {
	st, err := c.state()
	if err != nil {
		return nil, err
	}
	if st.Status != StatusRunning {
		return nil, &StateError{ID: c.id, Op: op, Status: st.Status}
	}
	if !processAlive(st.Pid, st.PidStart) {
		return nil, &StateError{ID: c.id, Op: op, Status: StatusExited}
	}
	cg, err := cgroup.Load(cgroupPath(c.id))
	if errors.Is(err, cgroup.ErrNotFound) {
		return nil, &StateError{ID: c.id, Op: op, Status: StatusExited}
	}
	return cg, err
}

// hostClock is what ps needs to turn process times into clock times.
type hostClock struct {
	now    time.Time
	boot   time.Time // btime of /proc/stat
	uptime float64   // seconds, from /proc/uptime
}

func readHostClock() (hostClock, error) {
	clock := hostClock{now: time.Now()}
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return clock, err
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			sec, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return clock, fmt.Errorf("/proc/stat: btime: %w", err)
			}
			clock.boot = time.Unix(sec, 0)
		}
	}
	b, err = os.ReadFile("/proc/uptime")
	if err != nil {
		return clock, err
	}
	fields := strings.Fields(string(b))
	if len(fields) == 0 {
		return clock, fmt.Errorf("/proc/uptime: empty")
	}
	if clock.uptime, err = strconv.ParseFloat(fields[0], 64); err != nil {
		return clock, fmt.Errorf("/proc/uptime: %w", err)
	}
	return clock, nil
}

// procStat is what ps -ef shows of one process.
type procStat struct {
	pid, ppid  int
	uid        int // effective
	comm       string
	state      byte
	ttyNr      uint64
	cpuTicks   uint64 // utime + stime
	startTicks uint64 // since boot
	args       []string
}

func readProcess(pid int) (*procStat, error) {
	dir := "/proc/" + strconv.Itoa(pid)
	stat, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return nil, err
	}
	p, err := parseProcStat(stat)
	if err != nil {
		return nil, err
	}
	status, err := os.ReadFile(dir + "/status")
	if err != nil {
		return nil, err
	}
	if p.uid, err = effectiveUID(status); err != nil {
		return nil, err
	}
	cmdline, err := os.ReadFile(dir + "/cmdline")
	if err != nil {
		return nil, err
	}
	p.args = parseCmdline(cmdline)
	return p, nil
}

// parseProcStat parses /proc/PID/stat. The command name (field 2) is in
// parentheses and may itself hold spaces and parentheses: it ends at the
// last ')'.
func parseProcStat(b []byte) (*procStat, error) {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return nil, fmt.Errorf("parse /proc stat: no command name: %w", ErrInvalid)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b[:open])))
	if err != nil {
		return nil, fmt.Errorf("parse /proc stat: pid: %w", ErrInvalid)
	}
	// fields[0] is field 3 (state), so field n is fields[n-3].
	fields := strings.Fields(string(b[end+1:]))
	if len(fields) < 20 || len(fields[0]) != 1 {
		return nil, fmt.Errorf("parse /proc stat: %d fields: %w", len(fields)+2, ErrInvalid)
	}
	num := func(n int) (uint64, error) { return strconv.ParseUint(fields[n-3], 10, 64) }
	p := &procStat{pid: pid, comm: string(b[open+1 : end]), state: fields[0][0]}
	var ppid, utime, stime uint64
	for _, f := range []struct {
		n   int
		dst *uint64
	}{{4, &ppid}, {7, &p.ttyNr}, {14, &utime}, {15, &stime}, {22, &p.startTicks}} {
		if *f.dst, err = num(f.n); err != nil {
			return nil, fmt.Errorf("parse /proc stat: field %d: %w", f.n, ErrInvalid)
		}
	}
	p.ppid, p.cpuTicks = int(ppid), utime+stime
	return p, nil
}

// effectiveUID reads the effective UID (the second of the Uid: line) of
// /proc/PID/status.
func effectiveUID(status []byte) (int, error) {
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "Uid:"); ok {
			ids := strings.Fields(v)
			if len(ids) >= 2 {
				return strconv.Atoi(ids[1])
			}
		}
	}
	return 0, fmt.Errorf("parse /proc status: no Uid line: %w", ErrInvalid)
}

// parseCmdline splits /proc/PID/cmdline, NUL-separated arguments.
func parseCmdline(b []byte) []string {
	b = bytes.TrimRight(b, "\x00")
	if len(b) == 0 {
		return nil
	}
	return strings.Split(string(b), "\x00")
}

// parsePasswd reads a passwd file into UID → name. Malformed lines and
// comments are skipped, as the C library skips them; the first entry of
// a UID wins.
func parsePasswd(r io.Reader) (map[int]string, error) {
	users := map[int]string{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.SplitN(line, ":", 4)
		if len(fields) < 4 || fields[0] == "" {
			continue
		}
		uid, err := strconv.Atoi(fields[2])
		if err != nil || uid < 0 {
			continue
		}
		if _, ok := users[uid]; !ok {
			users[uid] = fields[0]
		}
	}
	return users, sc.Err()
}

// psRow formats p as ps -ef does (procps-ng's UID, PID, PPID, C, STIME,
// TTY, TIME and CMD columns).
func (p *procStat) psRow(users map[int]string, clock hostClock) []string {
	user, ok := users[p.uid]
	if !ok || len(user) > 8 {
		user = strconv.Itoa(p.uid)
	}
	started := clock.boot.Add(time.Duration(p.startTicks) * time.Second / clockTicks)
	return []string{
		user,
		strconv.Itoa(p.pid),
		strconv.Itoa(p.ppid),
		strconv.FormatUint(cpuPercent(p.cpuTicks, p.startTicks, clock.uptime), 10),
		psStartTime(started, clock.now),
		ttyName(p.ttyNr),
		psCPUTime(p.cpuTicks / clockTicks),
		p.command(),
	}
}

// cpuPercent is ps's C column: CPU time over lifetime in whole percent,
// at most 99.
func cpuPercent(cpuTicks, startTicks uint64, uptime float64) uint64 {
	lifetime := uint64(uptime) - min(startTicks/clockTicks, uint64(uptime))
	if lifetime == 0 {
		return 0
	}
	return min(cpuTicks*100/clockTicks/lifetime, 99)
}

// psStartTime is ps's STIME: the time of day for a process started today,
// the month and day ("Jan02") this year, else the year.
func psStartTime(started, now time.Time) string {
	started, now = started.Local(), now.Local()
	switch {
	case started.Year() != now.Year():
		return started.Format("2006")
	case started.YearDay() != now.YearDay():
		return started.Format("Jan02")
	default:
		return started.Format("15:04")
	}
}

// psCPUTime is ps's TIME: [DD-]HH:MM:SS of CPU time.
func psCPUTime(seconds uint64) string {
	s, m, h, d := seconds%60, seconds/60%60, seconds/3600%24, seconds/86400
	if d > 0 {
		return fmt.Sprintf("%d-%02d:%02d:%02d", d, h, m, s)
	}
	return fmt.Sprintf("%02d:%02d:%02d", h, m, s)
}

// ttyName names a controlling terminal from its device number (field 7
// of /proc/PID/stat) as ps does for the usual ones: "pts/N", "ttyN",
// "ttySN"; "?" for none or another device.
func ttyName(ttyNr uint64) string {
	major := (ttyNr >> 8) & 0xfff
	minor := (ttyNr & 0xff) | ((ttyNr >> 12) & 0xfff00)
	switch {
	case ttyNr == 0:
		return "?"
	case major >= 136 && major <= 143:
		return "pts/" + strconv.FormatUint((major-136)<<8|minor, 10)
	case major == 4 && minor < 64:
		return "tty" + strconv.FormatUint(minor, 10)
	case major == 4:
		return "ttyS" + strconv.FormatUint(minor-64, 10)
	default:
		return "?"
	}
}

// command is ps's CMD: the arguments, or "[comm]" for a process without
// any (a kernel thread, a zombie), marked "<defunct>" for a zombie.
func (p *procStat) command() string {
	if len(p.args) > 0 && p.state != 'Z' {
		return strings.Join(p.args, " ")
	}
	cmd := "[" + p.comm + "]"
	if p.state == 'Z' {
		cmd += " <defunct>"
	}
	return cmd
}
