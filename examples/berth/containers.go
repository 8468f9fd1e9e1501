//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/docker/go-units"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/berth-dev/berth/container"
	"github.com/berth-dev/berth/image"
	"github.com/berth-dev/berth/registryclient"
)

// exitRunFailure is docker run's and docker create's exit status for every
// failure before the container's command runs: bad flag values, no such
// image, a name taken, setup. A command that cannot be executed gives 126
// instead, one that does not exist 127 (container.ExitError's Code).
const exitRunFailure = 125

// defaultNetworkMode is the only network berth offers so far: a network
// namespace with nothing but loopback.
const defaultNetworkMode = "none"

// containerOptions are the flags docker run and docker create share: what
// the container is. newConfig turns them into a container.Config.
type containerOptions struct {
	name        string
	env         []string
	envFiles    []string
	workdir     string
	user        string
	hostname    string
	entrypoint  string
	volumes     []string
	mounts      []string
	tmpfs       []string
	memory      memBytes
	memorySwap  memSwapBytes
	cpus        nanoCPUs
	cpuShares   int64
	cpusetCpus  string
	cpusetMems  string
	pidsLimit   int64
	blkioWeight uint16
	readOnly    bool
	capAdd      []string
	capDrop     []string
	privileged  bool
	labels      []string
	stopSignal  string
	stopTimeout int
	network     string
	shmSize     memBytes
	logOpts     []string
	interactive bool
	tty         bool
	autoRemove  bool

	flags *pflag.FlagSet // to tell a flag given empty from one not given
}

// addContainerFlags declares docker run's container flags on flags, with
// docker's names, shorthands and help. Like docker it frees -h for
// --hostname by declaring --help without a shorthand, and stops at the
// first argument (the image) so that the command's own flags are left to
// it.
func addContainerFlags(flags *pflag.FlagSet) *containerOptions {
	o := &containerOptions{flags: flags}
	flags.SetInterspersed(false)
	flags.Bool("help", false, "Print usage")
	flags.StringVar(&o.name, "name", "", "Assign a name to the container")
	stringArrayVar(flags, &o.env, "env", "e", "Set environment variables")
	stringArrayVar(flags, &o.envFiles, "env-file", "", "Read in a file of environment variables")
	flags.StringVarP(&o.workdir, "workdir", "w", "", "Working directory inside the container")
	flags.StringVarP(&o.user, "user", "u", "", "Username or UID (format: <name|uid>[:<group|gid>])")
	flags.StringVarP(&o.hostname, "hostname", "h", "", "Container host name")
	flags.StringVar(&o.entrypoint, "entrypoint", "", "Overwrite the default ENTRYPOINT of the image")
	stringArrayVar(flags, &o.volumes, "volume", "v", "Bind mount a volume")
	stringArrayVar(flags, &o.mounts, "mount", "", "Attach a filesystem mount to the container")
	stringArrayVar(flags, &o.tmpfs, "tmpfs", "", "Mount a tmpfs directory")
	flags.VarP(&o.memory, "memory", "m", "Memory limit")
	flags.Var(&o.memorySwap, "memory-swap", "Swap limit equal to memory plus swap: '-1' to enable unlimited swap")
	flags.Var(&o.cpus, "cpus", "Number of CPUs")
	flags.Int64VarP(&o.cpuShares, "cpu-shares", "c", 0, "CPU shares (relative weight)")
	flags.StringVar(&o.cpusetCpus, "cpuset-cpus", "", "CPUs in which to allow execution (0-3, 0,1)")
	flags.StringVar(&o.cpusetMems, "cpuset-mems", "", "MEMs in which to allow execution (0-3, 0,1)")
	flags.Int64Var(&o.pidsLimit, "pids-limit", 0, "Tune container pids limit (set -1 for unlimited)")
	flags.Uint16Var(&o.blkioWeight, "blkio-weight", 0, "Block IO (relative weight), between 10 and 1000, or 0 to disable")
	flags.BoolVar(&o.readOnly, "read-only", false, "Mount the container's root filesystem as read only")
	stringArrayVar(flags, &o.capAdd, "cap-add", "", "Add Linux capabilities")
	stringArrayVar(flags, &o.capDrop, "cap-drop", "", "Drop Linux capabilities")
	flags.BoolVar(&o.privileged, "privileged", false, "Give extended privileges to this container")
	stringArrayVar(flags, &o.labels, "label", "l", "Set meta data on a container")
	flags.StringVar(&o.stopSignal, "stop-signal", "", "Signal to stop the container")
	flags.IntVar(&o.stopTimeout, "stop-timeout", 0, "Timeout (in seconds) to stop a container")
	flags.StringVar(&o.network, "network", defaultNetworkMode, `Connect a container to a network (only "none")`)
	flags.StringVar(&o.network, "net", defaultNetworkMode, "Connect a container to a network")
	_ = flags.MarkHidden("net")
	flags.Var(&o.shmSize, "shm-size", "Size of /dev/shm")
	stringArrayVar(flags, &o.logOpts, "log-opt", "", "Log driver options (max-size, max-file)")
	flags.BoolVarP(&o.interactive, "interactive", "i", false, "Keep STDIN open even if not attached")
	flags.BoolVarP(&o.tty, "tty", "t", false, "Allocate a pseudo-TTY")
	flags.BoolVar(&o.autoRemove, "rm", false, "Automatically remove the container and its associated anonymous volumes when it exits")
	return o
}

// newConfig is the container the flags describe, running image with args
// (none keeps the image's command). lookupEnv resolves "-e KEY" and
// env-file lines without a value.
func (o *containerOptions) newConfig(imageRef string, args []string, lookupEnv func(string) (string, bool)) (container.Config, error) {
	cfg := container.Config{
		Image:          imageRef,
		Name:           o.name,
		WorkingDir:     o.workdir,
		User:           o.user,
		Hostname:       o.hostname,
		Tty:            o.tty,
		OpenStdin:      o.interactive,
		StopSignal:     o.stopSignal,
		ReadonlyRootfs: o.readOnly,
		Privileged:     o.privileged,
		CapAdd:         o.capAdd,
		CapDrop:        o.capDrop,
		AutoRemove:     o.autoRemove,
		ShmSize:        int64(o.shmSize),
		NetworkMode:    o.network,
		Resources: container.Resources{
			Memory:      int64(o.memory),
			MemorySwap:  int64(o.memorySwap),
			NanoCPUs:    int64(o.cpus),
			CPUShares:   o.cpuShares,
			CpusetCpus:  o.cpusetCpus,
			CpusetMems:  o.cpusetMems,
			PidsLimit:   o.pidsLimit,
			BlkioWeight: o.blkioWeight,
		},
	}
	if len(args) > 0 {
		cfg.Cmd = args
	}
	if o.flags.Changed("entrypoint") {
		cfg.Entrypoint = []string{}
		if o.entrypoint != "" {
			cfg.Entrypoint = []string{o.entrypoint}
		}
	}
	if o.flags.Changed("stop-timeout") {
		timeout := o.stopTimeout
		cfg.StopTimeout = &timeout
	}
	env, err := containerEnv(o.envFiles, o.env, lookupEnv)
	if err != nil {
		return container.Config{}, err
	}
	cfg.Env = env
	if cfg.Labels, err = parseLabels(o.labels); err != nil {
		return container.Config{}, err
	}
	if cfg.LogMaxSize, cfg.LogMaxFiles, err = parseLogOpts(o.logOpts); err != nil {
		return container.Config{}, err
	}
	for _, spec := range o.volumes {
		m, err := container.ParseVolume(absoluteBindSource(spec))
		if err != nil {
			return container.Config{}, err
		}
		cfg.Mounts = append(cfg.Mounts, m)
	}
	for _, spec := range o.mounts {
		m, err := container.ParseMount(spec)
		if err != nil {
			return container.Config{}, err
		}
		if m.Type == container.MountBind && strings.HasPrefix(m.Source, ".") {
			if abs, err := filepath.Abs(m.Source); err == nil {
				m.Source = abs
			}
		}
		cfg.Mounts = append(cfg.Mounts, m)
	}
	for _, spec := range o.tmpfs {
		m, err := container.ParseTmpfs(spec)
		if err != nil {
			return container.Config{}, err
		}
		cfg.Mounts = append(cfg.Mounts, m)
	}
	return cfg, nil
}

// absoluteBindSource makes the host path of a -v spec that starts with
// "." absolute against the working directory, as the docker CLI does
// before it sends the spec ("./data:/data" binds $PWD/data).
func absoluteBindSource(spec string) string {
	host, rest, ok := strings.Cut(spec, ":")
	if !ok || !strings.HasPrefix(host, ".") {
		return spec
	}
	abs, err := filepath.Abs(host)
	if err != nil {
		return spec
	}
	return abs + ":" + rest
}

// containerEnv is the environment docker run sends: the env files' entries
// in order, then the -e flags. An entry without "=" takes its value from
// lookup and is dropped when lookup does not know it.
func containerEnv(envFiles, flags []string, lookup func(string) (string, bool)) ([]string, error) {
	var env []string
	for _, path := range envFiles {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		entries, err := parseEnvFile(f, lookup)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("invalid env file (%s): %w", path, err)
		}
		env = append(env, entries...)
	}
	for _, e := range flags {
		key, _, hasValue := strings.Cut(e, "=")
		switch {
		case key == "":
			return nil, fmt.Errorf("invalid environment variable: %s", e)
		case hasValue:
			env = append(env, e)
		default:
			if value, ok := lookup(key); ok {
				env = append(env, key+"="+value)
			}
		}
	}
	return env, nil
}

// parseEnvFile reads docker's env-file format: one KEY=VALUE per line,
// kept as written (no quotes, no interpolation, trailing spaces are part
// of the value); leading whitespace, empty lines and lines starting with
// "#" are skipped; a bare KEY takes its value from lookup, and is left out
// when lookup does not know it. Keys must not contain whitespace; the
// file must be UTF-8 (a leading byte-order mark is ignored).
func parseEnvFile(r io.Reader, lookup func(string) (string, bool)) ([]string, error) {
	var out []string
	scanner := bufio.NewScanner(r)
	for n := 1; scanner.Scan(); n++ {
		raw := scanner.Bytes()
		if !utf8.Valid(raw) {
			return nil, fmt.Errorf("invalid utf8 bytes at line %d: %v", n, raw)
		}
		if n == 1 {
			raw = bytes.TrimPrefix(raw, []byte{0xEF, 0xBB, 0xBF})
		}
		line := strings.TrimLeftFunc(string(raw), unicode.IsSpace)
		if line == "" || line[0] == '#' {
			continue
		}
		key, _, hasValue := strings.Cut(line, "=")
		if key == "" {
			return nil, fmt.Errorf("no variable name on line '%s'", line)
		}
		if strings.ContainsAny(key, " \t") {
			return nil, fmt.Errorf("variable '%s' contains whitespaces", key)
		}
		if hasValue {
			out = append(out, line)
			continue
		}
		if value, ok := lookup(key); ok {
			out = append(out, key+"="+value)
		}
	}
	return out, scanner.Err()
}

// parseLabels turns --label KEY=VALUE (or KEY, for an empty value) into a
// map; later flags win.
func parseLabels(labels []string) (map[string]string, error) {
	if len(labels) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(labels))
	for _, l := range labels {
		key, value, _ := strings.Cut(l, "=")
		if strings.TrimSpace(key) == "" {
			return nil, fmt.Errorf("invalid label '%s': empty name", l)
		}
		out[key] = value
	}
	return out, nil
}

// parseLogOpts reads the json-file log driver's rotation options, the only
// ones berth's log honours: max-size (a size in decimal units, "10m") and
// max-file (at least 1). Any other option is refused rather than ignored.
func parseLogOpts(opts []string) (maxSize int64, maxFiles int, err error) {
	for _, opt := range opts {
		key, value, ok := strings.Cut(opt, "=")
		if !ok {
			return 0, 0, fmt.Errorf("invalid log opt '%s': expected key=value", opt)
		}
		switch key {
		case "max-size":
			if maxSize, err = units.FromHumanSize(value); err != nil {
				return 0, 0, fmt.Errorf("invalid log opt max-size: %w", err)
			}
		case "max-file":
			if maxFiles, err = strconv.Atoi(value); err != nil {
				return 0, 0, fmt.Errorf("invalid log opt max-file: %w", err)
			}
			if maxFiles < 1 {
				return 0, 0, errors.New("max-file cannot be less than 1")
			}
		default:
			return 0, 0, fmt.Errorf("unknown log opt '%s' for json-file log driver", key)
		}
	}
	return maxSize, maxFiles, nil
}

// memBytes is a size flag in docker's notation, binary units with an
// optional suffix ("512m", "1g", "1048576"): docker's opts.MemBytes.
type memBytes int64

func (m *memBytes) Set(s string) error {
	v, err := units.RAMInBytes(s)
	*m = memBytes(v)
	return err
}

func (m *memBytes) String() string {
	if *m == 0 {
		return ""
	}
	return units.BytesSize(float64(*m))
}

func (m *memBytes) Type() string { return "bytes" }

// memSwapBytes is memBytes that also accepts -1 for unlimited swap.
type memSwapBytes int64

func (m *memSwapBytes) Set(s string) error {
	if s == "-1" {
		*m = -1
		return nil
	}
	v, err := units.RAMInBytes(s)
	*m = memSwapBytes(v)
	return err
}

func (m *memSwapBytes) String() string {
	if *m == 0 {
		return ""
	}
	return strconv.FormatInt(int64(*m), 10)
}

func (m *memSwapBytes) Type() string { return "bytes" }

// nanoCPUs is --cpus, a decimal number of CPUs kept in billionths of a
// CPU: docker's opts.NanoCPUs.
type nanoCPUs int64

func (n *nanoCPUs) Set(s string) error {
	cpus, ok := new(big.Rat).SetString(s)
	if !ok {
		return fmt.Errorf("failed to parse %v as a rational number", s)
	}
	nano := cpus.Mul(cpus, big.NewRat(1e9, 1))
	if !nano.IsInt() {
		return errors.New("value is too precise")
	}
	if !nano.Num().IsInt64() {
		return errors.New("value is too large")
	}
	*n = nanoCPUs(nano.Num().Int64())
	return nil
}

func (n *nanoCPUs) String() string {
	if *n == 0 {
		return ""
	}
	return big.NewRat(int64(*n), 1e9).FloatString(3)
}

func (n *nanoCPUs) Type() string { return "decimal" }

// lookupEnv resolves "-e KEY" from this invocation's environment. Like
// getenv it cannot tell an empty variable from a missing one: both are
// left out.
func (c *cli) lookupEnv(key string) (string, bool) {
	v := c.getenv(key)
	return v, v != ""
}

// container finds a container by name, ID or unique ID prefix.
func (c *cli) container(ctx context.Context, nameOrID string) (*container.Container, error) {
	rt, err := c.runtime(ctx)
	if err != nil {
		return nil, err
	}
	return rt.Get(ctx, nameOrID)
}

// runFailure is how docker run and docker create end when the container
// does not run its command: the container's start code (125, 126 or 127)
// when it has one, 125 for everything else.
func runFailure(err error) error {
	if se := (statusError{}); errors.As(err, &se) {
		return err
	}
	var exitErr *container.ExitError
	if errors.As(err, &exitErr) {
		return statusError{code: exitErr.Code, err: err}
	}
	return statusError{code: exitRunFailure, err: err}
}

// ensureImage pulls ref, as docker run and docker create do, when it is a
// name that is not in the store, printing docker's messages and progress to
// stderr. Image IDs are never pulled.
func (c *cli) ensureImage(ctx context.Context, ref string) error {
	store, err := c.imageStore(ctx)
	if err != nil {
		return err
	}
	_, err = store.Get(ctx, ref)
	if err == nil || !errors.Is(err, image.ErrNotFound) || looksLikeID(ref) {
		return err
	}
	parsed, perr := registryclient.ParseReference(ref)
	if perr != nil {
		return err
	}
	fmt.Fprintf(c.stderr, "Unable to find image '%s' locally\n", registryclient.FamiliarName(parsed))
	fmt.Fprintf(c.stderr, "%s: Pulling from %s\n", parsed.Identifier(), parsed.Context().RepositoryStr())
	progress := newTransferProgress(ctx, c.stderr, "Pull complete", "Already exists")
	img, err := store.Pull(ctx, ref, registryclient.WithProgress(progress.update))
	progress.finish()
	if err != nil {
		return err
	}
	if d := repoDigest(parsed, img.RepoDigests); d != "" {
		fmt.Fprintf(c.stderr, "Digest: %s\n", d)
	}
	fmt.Fprintf(c.stderr, "Status: Downloaded newer image for %s\n", registryclient.FamiliarName(parsed))
	return nil
}

// looksLikeID reports whether ref is an image ID or ID prefix rather than
// a name to pull: "sha256:..." or 12 to 64 hex digits.
func looksLikeID(ref string) bool {
	hex := strings.TrimPrefix(ref, "sha256:")
	if hex != ref {
		return true
	}
	if len(hex) < 12 || len(hex) > 64 {
		return false
	}
	for _, r := range hex {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}

// terminalOf returns the stream as a file when it is a terminal.
func terminalOf(stream any) (*os.File, bool) {
	f, ok := stream.(*os.File)
	if !ok {
		return nil, false
	}
	isTerminal := false
	_ = withFd(f, func(fd int) error {
		isTerminal = term.IsTerminal(fd)
		return nil
	})
	return f, isTerminal
}

// withFd runs fn on f's descriptor without f.Fd(), which would switch f
// to blocking mode for good: a blocked read of a blocking file cannot be
// interrupted by closing it, and the reads of stdin that feed a container
// may outlive the container.
func withFd(f *os.File, fn func(fd int) error) error {
	conn, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var fnErr error
	if err := conn.Control(func(fd uintptr) { fnErr = fn(int(fd)) }); err != nil {
		return err
	}
	return fnErr
}

// errNotATTY is docker's refusal to attach a non-terminal stdin to a TTY.
var errNotATTY = errors.New("the input device is not a TTY")

// checkTTY refuses, as docker does, to attach stdin to a TTY when stdin
// is not a terminal itself.
func (c *cli) checkTTY(attachStdin, tty bool) error {
	if _, ok := terminalOf(c.stdin); attachStdin && tty && !ok {
		return errNotATTY
	}
	return nil
}

// rawTerminal puts stdin in raw mode when it is a terminal, so that keys
// reach the container's TTY as typed (Ctrl-C included), and returns the
// function that restores it.
func (c *cli) rawTerminal() (restore func(), err error) {
	f, ok := terminalOf(c.stdin)
	if !ok {
		return func() {}, nil
	}
	var state *term.State
	err = withFd(f, func(fd int) (err error) {
		state, err = term.MakeRaw(fd)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("set the terminal to raw mode: %w", err)
	}
	return sync.OnceFunc(func() {
		_ = withFd(f, func(fd int) error { return term.Restore(fd, state) })
	}), nil
}

// terminalSize is the size of this program's terminal (stdout, as docker
// measures it), rows then columns, if it has one.
func (c *cli) terminalSize() (size [2]uint16, ok bool) {
	f, ok := terminalOf(c.stdout)
	if !ok {
		return size, false
	}
	var rows, cols int
	err := withFd(f, func(fd int) (err error) {
		cols, rows, err = term.GetSize(fd)
		return err
	})
	if err != nil || rows <= 0 || cols <= 0 {
		return size, false
	}
	return [2]uint16{uint16(rows), uint16(cols)}, true
}

// attachStart starts ctr through the root's monitor with this program's
// streams attached from its first output, as docker run -it does, and
// returns its exit code once it has exited, and been removed with
// autoRemove; container.ErrDetached when the detach keys were typed,
// which leave it running.
func (c *cli) attachStart(ctx context.Context, ctr *container.Container, detachKeys string, autoRemove bool) (int, error) {
	waitCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	w := waitExit(waitCtx, ctr, container.WaitNextExit, autoRemove)
	restore, err := c.rawTerminal()
	if err != nil {
		return 0, err
	}
	defer restore()
	// The TTY starts with this terminal's size, and follows its changes.
	size, _ := c.terminalSize()
	stop := c.monitorTTYSize(true, func(rows, cols uint16) error { return ctr.Resize(waitCtx, rows, cols) })
	defer stop()
	if err := ctr.Attach(ctx, container.AttachOptions{Stdin: c.stdin, Stdout: c.stdout, Stderr: c.stderr, DetachKeys: detachKeys, Start: true, ConsoleSize: size}); err != nil {
		return 0, err
	}
	return w.result(waitCtx, restore)
}

// exitWait is a wait for a container's exit and, with autoRemove, for
// its removal, begun before what leads to them.
type exitWait struct {
	exited, removed    <-chan container.ExitStatus
	waitErr, removeErr <-chan error
}

func waitExit(ctx context.Context, ctr *container.Container, cond container.WaitCondition, autoRemove bool) exitWait {
	var w exitWait
	w.exited, w.waitErr = ctr.Wait(ctx, cond)
	if autoRemove {
		w.removed, w.removeErr = ctr.Wait(ctx, container.WaitRemoved)
	}
	return w
}

// result is the exit code, once the container has exited and, with
// autoRemove, been removed; exited runs in between. ctx is the waits':
// its cause is the error when it ends them.
func (w exitWait) result(ctx context.Context, exited func()) (int, error) {
	var code int
	select {
	case s := <-w.exited:
		code = s.ExitCode
	case err := <-w.waitErr:
		if cause := context.Cause(ctx); cause != nil && ctx.Err() != nil {
			return 0, cause
		}
		return 0, err
	}
	exited()
	if w.removed != nil {
		select {
		case <-w.removed:
		case err := <-w.removeErr:
			return code, err
		}
	}
	return code, nil
}

// monitorTTYSize gives a container's (or exec process's) TTY the size of
// this program's terminal (stdout, as docker measures it), now (unless
// the start gave it: started) and on every SIGWINCH until stop is called.
// It does nothing when stdout is not a terminal.
func (c *cli) monitorTTYSize(started bool, resize func(rows, cols uint16) error) (stop func()) {
	if _, ok := terminalOf(c.stdout); !ok {
		return func() {}
	}
	apply := func() {
		if size, ok := c.terminalSize(); ok {
			_ = resize(size[0], size[1])
		}
	}
	if !started {
		apply()
	}
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-winch:
				apply()
			case <-done:
				return
			}
		}
	})
	return func() {
		signal.Stop(winch)
		close(done)
		wg.Wait()
	}
}

// proxySignals forwards the signals this program receives to the
// container's first process until stop is called: docker's --sig-proxy.
func proxySignals(ctr *container.Container) (stop func()) {
	p := listenSignals()
	p.forward(ctr)
	return p.stop
}

// signalProxy is docker's --sig-proxy, begun before the container exists.
// Registering for a signal costs the Go runtime a round trip between two
// of its threads, and registering for every signal, as docker does, kept
// both cores of the benchmark machine busy for about 1 ms: a tenth of a
// whole run --rm, spent on signals that a container ending in
// milliseconds never gets. So the proxy registers at once, before the
// container is created, for SIGINT and SIGTERM (earlySignals), which main
// has registered for already, so that this costs nothing, and for every
// other signal once the container has run for allSignalsAfter. A signal
// that arrives before berth has registered for it has its default effect
// on berth (SIGHUP and SIGQUIT end it, and an attached container with it;
// SIGUSR1 and SIGUSR2 are ignored), where docker registers first.
// SIGCHLD, SIGPIPE and SIGURG (which the Go runtime sends itself) are not
// forwarded, as docker forwards none of them; signals that arrive before
// the container starts are forwarded once it has.
type signalProxy struct {
	sigc   chan os.Signal
	target chan *container.Container
	done   chan struct{}
	stop   func()
}

// earlySignals are the signals the proxy forwards from the start: Ctrl-C
// and what kill and supervisors send.
var earlySignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM}

// allSignalsAfter is how long a container runs before the proxy forwards
// every signal, not only earlySignals. A variable, for tests.
var allSignalsAfter = 20 * time.Millisecond

func listenSignals() *signalProxy {
	p := &signalProxy{
		sigc:   make(chan os.Signal, 128),
		target: make(chan *container.Container, 1),
		done:   make(chan struct{}),
	}
	p.stop = sync.OnceFunc(func() { close(p.done) })
	after := allSignalsAfter
	go func() {
		signal.Notify(p.sigc, earlySignals...)
		defer signal.Stop(p.sigc)
		var ctr *container.Container
		var all <-chan time.Time
		for {
			sigc := p.sigc
			if ctr == nil {
				sigc = nil // held in the buffer until there is a container
			}
			select {
			case ctr = <-p.target:
				all = time.After(after)
			case <-all:
				all = nil
				signal.Notify(p.sigc) // every signal
			case s := <-sigc:
				sig, ok := s.(syscall.Signal)
				if !ok || sig == syscall.SIGCHLD || sig == syscall.SIGPIPE || sig == syscall.SIGURG {
					continue
				}
				_ = ctr.Kill(context.Background(), sig)
			case <-p.done:
				return
			}
		}
	}()
	return p
}

// forward sends what the proxy receives to ctr from now on.
func (p *signalProxy) forward(ctr *container.Container) { p.target <- ctr }

// attachedStart says how startAttached connects a container to this
// program.
type attachedStart struct {
	stdin      bool // copy stdin to the container (docker's -i)
	tty        bool // the container has a TTY
	sigProxy   bool // forward signals (docker ignores --sig-proxy with a TTY)
	autoRemove bool // the container removes itself: wait for that too
	// signals is the proxy begun before the container was created, if
	// any; with sigProxy and none, startAttached begins one.
	signals *signalProxy
}

// startAttached starts ctr with this program's streams attached and waits
// for it to exit, as docker run without -d and docker start -a do. It
// returns the container's exit code, or the error of a start that failed
// (an *container.ExitError when the command could not run). The container
// lives as long as this program: closing the runtime stops it.
func (c *cli) startAttached(ctx context.Context, ctr *container.Container, o attachedStart) (int, error) {
	_, code, err := c.attached(ctx, ctr, o, func(stdio container.StartOption) (*container.Container, error) {
		return ctr, ctr.Start(ctx, stdio)
	})
	return code, err
}

// runAttached is startAttached for a container that does not exist yet:
// Runtime.Run makes it from cfg and starts it (the container's child
// starts while the container is made), pulling imageRef first if it is
// missing. It also returns the container, if it was made.
func (c *cli) runAttached(ctx context.Context, cfg container.Config, imageRef string, o attachedStart) (*container.Container, int, error) {
	rt, err := c.runtime(ctx)
	if err != nil {
		return nil, 0, err
	}
	run := func(stdio container.StartOption) (*container.Container, error) { return rt.Run(ctx, cfg, stdio) }
	ctr, code, err := c.attached(ctx, nil, o, run)
	if !errors.Is(err, image.ErrNotFound) {
		return ctr, code, err
	}
	// Pulled with the terminal as it was, and tried again.
	if err := c.ensureImage(ctx, imageRef); err != nil {
		return nil, 0, err
	}
	return c.attached(ctx, nil, o, run)
}

// attached connects this program's streams to the container start starts
// and waits for its exit, and its removal with autoRemove. ctr is the
// container if it exists before start: the waits begin before it starts,
// to see the exit start leads to; a container Run makes reports the exit
// of that run to waits begun afterwards.
func (c *cli) attached(ctx context.Context, ctr *container.Container, o attachedStart, start func(container.StartOption) (*container.Container, error)) (*container.Container, int, error) {
	// Waiting must outlive an interrupt that is forwarded to the
	// container: its exit then ends the wait.
	waitParent := ctx
	if o.sigProxy && !o.tty {
		waitParent = context.WithoutCancel(ctx)
	}
	waitCtx, cancel := context.WithCancel(waitParent)
	defer cancel()
	var w exitWait
	if ctr != nil {
		w = waitExit(waitCtx, ctr, container.WaitNextExit, o.autoRemove)
	}

	restore := func() {}
	if o.stdin && o.tty {
		var err error
		if restore, err = c.rawTerminal(); err != nil {
			return ctr, 0, err
		}
	}
	defer restore()

	var stdin io.Reader
	if o.stdin {
		stdin = c.stdin
	}
	var signals *signalProxy
	if o.sigProxy && !o.tty {
		signals = o.signals
		if signals == nil {
			signals = listenSignals()
			defer signals.stop()
		}
	}
	waitAfter := ctr == nil
	ctr, err := start(container.WithStdio(stdin, c.stdout, c.stderr))
	if err != nil {
		return ctr, 0, err
	}
	if waitAfter {
		w = waitExit(waitCtx, ctr, container.WaitNotRunning, o.autoRemove)
	}
	if signals != nil {
		signals.forward(ctr)
	}
	if o.tty {
		stop := c.monitorTTYSize(false, func(rows, cols uint16) error { return ctr.Resize(waitCtx, rows, cols) })
		defer stop()
	}
	code, err := w.result(waitCtx, restore)
	return ctr, code, err
}
