package container

import (
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"path"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/internal/volume"
)

// ErrInvalidMount is wrapped by every error of ParseVolume, ParseMount,
// ParseTmpfs and Mount.Validate. The errors' text is Docker's (its CLI's for
// the syntax, its daemon's for the meaning), so a spec fails in berth as it
// fails in docker run.
var ErrInvalidMount = errors.New("invalid mount spec")

// mountError is an invalid mount spec, worded as Docker words it; it
// matches ErrInvalidMount and, when set, the error that caused it.
type mountError struct {
	msg   string
	cause error
}

func (e *mountError) Error() string { return e.msg }

func (e *mountError) Unwrap() []error {
	if e.cause == nil {
		return []error{ErrInvalidMount}
	}
	return []error{ErrInvalidMount, e.cause}
}

func invalidMount(format string, args ...any) error {
	return &mountError{msg: fmt.Sprintf(format, args...)}
}

// wrapMount prefixes err's text, keeping err in the chain.
func wrapMount(err error, format string, args ...any) error {
	return &mountError{msg: fmt.Sprintf(format, args...) + ": " + err.Error(), cause: err}
}

func unsupportedMount(what string) error {
	return invalidMount("%s is not supported", what)
}

// Linux mount modes of docker run -v's third field.
var (
	rwModes          = map[string]bool{"rw": true, "ro": true}
	labelModes       = map[string]bool{"z": true, "Z": true}
	propagationModes = map[string]bool{
		"private": true, "rprivate": true, "slave": true, "rslave": true, "shared": true, "rshared": true,
	}
	copyModes        = map[string]bool{"nocopy": true}
	consistencyModes = map[string]bool{"consistent": true, "cached": true, "delegated": true}
)

// validVolumeMode is Docker's linuxValidMountMode: every comma-separated
// mode is known, and each kind appears at most once.
func validVolumeMode(mode string) bool {
	if mode == "" {
		return true
	}
	counts := map[string]int{}
	for o := range strings.SplitSeq(mode, ",") {
		switch {
		case rwModes[o]:
			counts["rw"]++
		case labelModes[o]:
			counts["label"]++
		case propagationModes[o]:
			counts["propagation"]++
		case copyModes[o]:
			counts["copy"]++
		case consistencyModes[o]:
			counts["consistency"]++
		default:
			return false
		}
	}
	for _, n := range counts {
		if n > 1 {
			return false
		}
	}
	return true
}

// ParseVolume parses docker run -v (--volume) as Docker does on Linux:
//
//	/path                    an anonymous volume at /path
//	name:/path[:mode]        the named volume name at /path
//	/host/path:/path[:mode]  a bind mount of /host/path at /path
//
// mode is a comma-separated list of ro or rw, nocopy (volumes only: keep a
// new volume empty rather than filling it from the image), a propagation
// mode (bind mounts only: private, rprivate, shared, rshared, slave,
// rslave), z or Z (SELinux relabelling) and a consistency (consistent,
// cached, delegated), each kind at most once. Propagation, relabelling and
// consistency are validated and then ignored: berth bind-mounts rprivate and
// does not relabel. Targets and bind sources are cleaned.
//
// Unlike the docker CLI, ParseVolume does not resolve a relative host path
// ("./data:/data") against the working directory, which a library cannot
// assume: it is an error, as are names that are neither absolute paths nor
// valid volume names.
func ParseVolume(spec string) (Mount, error) {
	if spec == "" {
		return Mount{}, invalidMount("invalid empty volume spec")
	}
	parts := strings.Split(spec, ":")
	if len(parts) > 3 {
		return Mount{}, invalidMount("invalid spec: %s: too many colons", spec)
	}
	for _, p := range parts {
		if p == "" {
			return Mount{}, invalidMount("invalid spec: %s: empty section between colons", spec)
		}
	}
	invalidSpec := func() error { return invalidMount("invalid volume specification: '%s'", spec) }
	var (
		m    Mount
		mode string
	)
	switch len(parts) {
	case 1:
		m.Target = parts[0]
	case 2:
		if validVolumeMode(parts[1]) {
			return Mount{}, invalidSpec() // a mode without a source: /data:ro
		}
		m.Source, m.Target = parts[0], parts[1]
	case 3:
		m.Source, m.Target, mode = parts[0], parts[1], parts[2]
		if !validVolumeMode(mode) {
			return Mount{}, invalidMount("invalid mode: %s", mode)
		}
	}
	var opts mountOptions
	for o := range strings.SplitSeq(mode, ",") {
		switch {
		case o == "ro":
			m.ReadOnly = true
		case o == "nocopy":
			m.NoCopy = true
		case propagationModes[o]:
			opts.propagation = o
		}
	}
	switch {
	case m.Source == "" || !path.IsAbs(m.Source) && !strings.HasPrefix(m.Source, "."):
		m.Type = MountVolume
	case path.IsAbs(m.Source):
		m.Type = MountBind
	default:
		return Mount{}, invalidMount("invalid volume specification: '%s': bind source path '%s' is not an absolute path", spec, m.Source)
	}
	m = m.normalized()
	opts.volume = m.NoCopy
	opts.bind = opts.propagation != ""
	if err := m.validate(opts); err != nil {
		return Mount{}, wrapMount(err, "invalid volume specification: '%s'", spec)
	}
	if err := m.checkName(); err != nil {
		return Mount{}, err
	}
	return m, nil
}

// ParseMount parses docker run --mount as Docker does on Linux: CSV fields
// (quoted as encoding/csv quotes) of key=value or boolean key[=true|false]:
//
//	type=bind|volume|tmpfs       default volume
//	source|src=NAME_OR_PATH      a volume name (empty: anonymous) or an absolute host path
//	target|dst|destination=PATH  where it appears in the container
//	readonly|ro[=BOOL]
//	volume-nocopy[=BOOL]         volumes only
//	volume-driver=local          the only driver
//	bind-propagation=MODE        bind mounts only; validated, then ignored
//	bind-recursive=enabled       bind mounts only; the default and only choice
//	bind-create-src=false        bind mounts only
//	tmpfs-size=SIZE              tmpfs only: bytes, or with a k, m, g, t or p suffix
//	tmpfs-mode=OCTAL             tmpfs only
//	consistency=VALUE            accepted and ignored, as on Linux
//
// Keys are case-insensitive; values must not have surrounding whitespace.
// Options berth cannot honour (volume-subpath, volume-label, volume-opt,
// other drivers, image mounts, bind-recursive other than enabled,
// bind-create-src) are errors rather than silently dropped. As with
// ParseVolume, a relative source is not resolved against the working
// directory.
func ParseMount(spec string) (Mount, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return Mount{}, invalidMount("value is empty")
	}
	fields, err := csv.NewReader(strings.NewReader(spec)).Read()
	if err != nil {
		return Mount{}, &mountError{msg: err.Error(), cause: err}
	}
	m := Mount{Type: MountVolume}
	var opts mountOptions
	for _, field := range fields {
		key, val, hasValue := strings.Cut(field, "=")
		if k := strings.TrimSpace(key); k != key {
			return Mount{}, invalidMount("invalid option '%s' in '%s': option should not have whitespace", k, field)
		}
		if hasValue {
			if v := strings.TrimSpace(val); v == "" {
				return Mount{}, invalidMount("invalid value for '%s': value is empty", key)
			} else if v != val {
				return Mount{}, invalidMount("invalid value for '%s' in '%s': value should not have whitespace", key, field)
			}
		}
		key = strings.ToLower(key)
		if !hasValue {
			switch key {
			case "readonly", "ro", "volume-nocopy", "bind-nonrecursive", "bind-create-src":
			default:
				return Mount{}, invalidMount("invalid field '%s' must be a key=value pair", field)
			}
		}
		switch key {
		case "type":
			m.Type = MountType(strings.ToLower(val))
		case "source", "src":
			m.Source = val
		case "target", "dst", "destination":
			m.Target = val
		case "readonly", "ro":
			if m.ReadOnly, err = parseMountBool(key, val, hasValue); err != nil {
				return Mount{}, err
			}
		case "consistency":
			// Meaningful on Docker Desktop for Mac only.
		case "bind-propagation":
			opts.bind = true
			opts.propagation = strings.ToLower(val)
		case "bind-nonrecursive":
			return Mount{}, invalidMount("bind-nonrecursive is deprecated, use bind-recursive=disabled instead")
		case "bind-recursive":
			opts.bind = true
			switch val {
			case "enabled":
			case "disabled", "writable", "readonly":
				return Mount{}, unsupportedMount("bind-recursive=" + val)
			default:
				return Mount{}, invalidMount(`invalid value for %s: %s (must be "enabled", "disabled", "writable", or "readonly")`, key, val)
			}
		case "bind-create-src":
			opts.bind = true
			create, err := parseMountBool(key, val, hasValue)
			if err != nil {
				return Mount{}, err
			}
			if create {
				return Mount{}, unsupportedMount("bind-create-src")
			}
		case "volume-nocopy":
			opts.volume = true
			if m.NoCopy, err = parseMountBool(key, val, hasValue); err != nil {
				return Mount{}, err
			}
		case "volume-driver":
			opts.volume = true
			if val != "local" {
				return Mount{}, unsupportedMount(fmt.Sprintf("volume driver %q (only \"local\")", val))
			}
		case "volume-subpath", "volume-label", "volume-opt", "image-subpath":
			return Mount{}, unsupportedMount("mount option '" + key + "'")
		case "tmpfs-size":
			opts.tmpfs = true
			if m.TmpfsSize, err = parseSize(val); err != nil {
				return Mount{}, invalidMount("invalid value for %s: %s", key, val)
			}
		case "tmpfs-mode":
			opts.tmpfs = true
			if m.TmpfsMode, err = parseTmpfsMode(val); err != nil {
				return Mount{}, invalidMount("invalid value for %s: %s", key, val)
			}
		default:
			return Mount{}, invalidMount("unknown option '%s' in '%s'", key, field)
		}
	}
	switch m.Type {
	case "image", "npipe", "cluster":
		return Mount{}, unsupportedMount(fmt.Sprintf("mount type %q", m.Type))
	}
	for _, c := range []struct {
		set    bool
		prefix string
		typ    MountType
	}{{opts.bind, "bind", MountBind}, {opts.volume, "volume", MountVolume}, {opts.tmpfs, "tmpfs", MountTmpfs}} {
		if c.set && m.Type != c.typ {
			return Mount{}, invalidMount("cannot mix '%s-*' options with mount type '%s'", c.prefix, m.Type)
		}
	}
	m = m.normalized()
	if err := m.validate(opts); err != nil {
		return Mount{}, err
	}
	if err := m.checkName(); err != nil {
		return Mount{}, err
	}
	return m, nil
}

// parseMountBool is the docker CLI's parseBoolValue: a bare key is true,
// otherwise 1, true, 0 or false.
func parseMountBool(key, val string, hasValue bool) (bool, error) {
	if !hasValue {
		return true, nil
	}
	switch val {
	case "1", "true":
		return true, nil
	case "0", "false":
		return false, nil
	}
	return false, invalidMount(`invalid value for '%s': invalid boolean value (%q): must be one of "true", "1", "false", or "0" (default "true")`, key, val)
}

// ParseTmpfs parses docker run --tmpfs: "/path" or "/path:options", options
// being tmpfs mount options separated by commas. berth honours ro and rw,
// size= (bytes, or with a k, m, g, t or p suffix) and mode= (octal), and
// accepts noexec, nosuid and nodev, which it always applies (as Docker
// does by default). Options it cannot honour (exec, suid, dev, uid=, gid=,
// nr_inodes=, size in percent…) are errors rather than silently dropped.
// A mode of 0 means the default, 1777.
func ParseTmpfs(spec string) (Mount, error) {
	target, options, _ := strings.Cut(spec, ":")
	m := Mount{Type: MountTmpfs, Target: target}
	if options != "" {
		for o := range strings.SplitSeq(options, ",") {
			key, val, hasValue := strings.Cut(o, "=")
			var err error
			switch {
			case o == "ro":
				m.ReadOnly = true
			case o == "rw":
				m.ReadOnly = false
			case o == "noexec" || o == "nosuid" || o == "nodev":
			case key == "size" && hasValue:
				if m.TmpfsSize, err = parseSize(val); err != nil {
					return Mount{}, invalidMount("invalid tmpfs option %q: invalid size", o)
				}
			case key == "mode" && hasValue:
				if m.TmpfsMode, err = parseTmpfsMode(val); err != nil {
					return Mount{}, invalidMount("invalid tmpfs option %q: invalid mode", o)
				}
			default:
				return Mount{}, unsupportedMount(fmt.Sprintf("tmpfs option %q", o))
			}
		}
	}
	m = m.normalized()
	if err := m.validate(mountOptions{tmpfs: true}); err != nil {
		return Mount{}, err
	}
	return m, nil
}

// parseSize is the docker CLI's RAMInBytes: a number with an optional
// space, then an optional binary unit (k, m, g, t, p, any case, optionally
// followed by i and b: "64m", "1.5GiB", "512 kB").
func parseSize(s string) (int64, error) {
	num := s
	i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	unit := ""
	if i >= 0 {
		num, unit = s[:i], s[i:]
	}
	unit = strings.TrimPrefix(unit, " ")
	shift := 0
	if unit != "" {
		if k := strings.IndexByte("kmgtp", toLowerASCII(unit[0])); k >= 0 {
			shift = 10 * (k + 1)
			unit = unit[1:]
		}
	}
	if len(unit) > 0 && (unit[0] == 'i' || unit[0] == 'I') {
		unit = unit[1:]
	}
	if len(unit) > 0 && (unit[0] == 'b' || unit[0] == 'B') {
		unit = unit[1:]
	}
	if unit != "" || num == "" || num[0] == '.' || num[len(num)-1] == '.' {
		return 0, fmt.Errorf("invalid size: %q", s)
	}
	if n, err := strconv.ParseInt(num, 10, 64); err == nil {
		if n > math.MaxInt64>>shift {
			return 0, fmt.Errorf("size %q is too large", s)
		}
		return n << shift, nil
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid size: %q", s)
	}
	f *= float64(int64(1) << shift)
	if f >= math.MaxInt64 {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return int64(f), nil
}

func toLowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// formatSize writes a tmpfs size as Docker hands it to the kernel: in the
// largest of g, m or k that divides it, else in bytes.
func formatSize(n int64) string {
	for _, u := range []struct {
		suffix string
		shift  uint
	}{{"g", 30}, {"m", 20}, {"k", 10}} {
		if n%(1<<u.shift) == 0 {
			return strconv.FormatInt(n>>u.shift, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}

// parseTmpfsMode parses an octal mode of at most 07777.
func parseTmpfsMode(s string) (uint32, error) {
	mode, err := strconv.ParseUint(s, 8, 32)
	if err != nil {
		return 0, err
	}
	if mode > 0o7777 {
		return 0, fmt.Errorf("mode %s has bits beyond 07777", s)
	}
	return uint32(mode), nil
}

// mountOptions are what a parsed spec said that Mount does not keep.
type mountOptions struct {
	propagation string // bind-propagation: validated, then ignored
	bind        bool   // a bind-* option (or -v propagation) was given
	volume      bool   // a volume-* option (or -v nocopy) was given
	tmpfs       bool   // a tmpfs-* option was given
}

// normalized cleans the target and a bind mount's source when they are
// absolute, as Docker does; relative ones are left for validate to refuse
// as written.
func (m Mount) normalized() Mount {
	if path.IsAbs(m.Target) {
		m.Target = path.Clean(m.Target)
	}
	if m.Type == MountBind && path.IsAbs(m.Source) {
		m.Source = path.Clean(m.Source)
	}
	return m
}

// Validate checks a mount as Docker's daemon does: a known type; an
// absolute target other than "/"; for a bind mount, an absolute source; for
// a volume, a valid name or none (anonymous, which cannot be read-only); for
// tmpfs, no source, a mode within 07777 and a size not negative; NoCopy only
// for volumes, tmpfs sizes and modes only for tmpfs. berth also wants paths
// clean (as the parsers leave them), so that equal paths compare equal.
// Whether a bind source exists, and whether two mounts share a target, are
// checked when the container is created.
func (m Mount) Validate() error {
	opts := mountOptions{volume: m.NoCopy, tmpfs: m.TmpfsSize != 0 || m.TmpfsMode != 0}
	if err := m.validate(opts); err != nil {
		return err
	}
	if err := m.validateName(); err != nil {
		return m.configError(err)
	}
	return nil
}

func (m Mount) configError(err error) error {
	return wrapMount(err, "invalid mount config for type %q", m.Type)
}

// validate is Docker's validateMountConfig, in its order and words, plus
// berth's checks that paths are clean and tmpfs options in range.
func (m Mount) validate(o mountOptions) error {
	fail := func(format string, args ...any) error { return m.configError(invalidMount(format, args...)) }
	if m.Target == "" {
		return fail("field Target must not be empty")
	}
	if path.Clean(m.Target) == "/" {
		return fail("invalid specification: destination can't be '/'")
	}
	if err := checkMountPath(m.Target); err != nil {
		return m.configError(err)
	}
	switch m.Type {
	case MountBind:
		if m.Source == "" {
			return fail("field Source must not be empty")
		}
		if o.propagation != "" && !propagationModes[o.propagation] {
			return fail("invalid propagation mode: %s", o.propagation)
		}
		if o.volume {
			return fail("field VolumeOptions must not be specified")
		}
		if o.tmpfs {
			return fail("field TmpfsOptions must not be specified")
		}
		if err := checkMountPath(m.Source); err != nil {
			return m.configError(err)
		}
	case MountVolume:
		if o.bind {
			return fail("field BindOptions must not be specified")
		}
		if o.tmpfs {
			return fail("field TmpfsOptions must not be specified")
		}
		if m.ReadOnly && m.Source == "" {
			return fail("must not set ReadOnly mode when using anonymous volumes")
		}
	case MountTmpfs:
		if o.bind {
			return fail("field BindOptions must not be specified")
		}
		if m.Source != "" {
			return fail("field Source must not be specified")
		}
		if o.volume {
			return fail("field VolumeOptions must not be specified")
		}
		if m.TmpfsSize < 0 {
			return fail("invalid tmpfs size: %d", m.TmpfsSize)
		}
		if m.TmpfsMode > 0o7777 {
			return fail("invalid tmpfs mode: %o", m.TmpfsMode)
		}
	default:
		return fail("mount type unknown")
	}
	return nil
}

// checkMountPath wants p absolute and clean.
func checkMountPath(p string) error {
	if !path.IsAbs(p) {
		return invalidMount("invalid mount path: '%s' mount path must be absolute", p)
	}
	if c := path.Clean(p); c != p {
		return invalidMount("invalid mount path: '%s' is not clean (it means '%s')", p, c)
	}
	return nil
}

// validateName checks a named volume's name, as Docker's local driver does
// when it creates the volume.
func (m Mount) validateName() error {
	if m.Type != MountVolume || m.Source == "" {
		return nil
	}
	return volume.ValidateName(m.Source)
}

// checkName is validateName for the parsers, worded as docker run fails
// on a bad name: when the daemon creates the volume.
func (m Mount) checkName() error {
	if err := m.validateName(); err != nil {
		return wrapMount(err, "create %s", m.Source)
	}
	return nil
}

// String writes m as the docker run flag value that says it most briefly,
// which the matching parser reads back as m: -v's form for binds and
// volumes ("/host:/path:ro", "name:/path:nocopy", "/path"), --tmpfs's for
// tmpfs ("/path:size=64m,mode=1770"), and --mount's CSV
// ("type=volume,target=/path,readonly") when -v or --tmpfs cannot say it
// (an anonymous volume with options, or a path containing ':').
func (m Mount) String() string {
	if s, ok := m.volumeFlag(); ok {
		return s
	}
	if s, ok := m.tmpfsFlag(); ok {
		return s
	}
	return m.mountFlag()
}

func (m Mount) volumeFlag() (string, bool) {
	if m.Target == "" || strings.Contains(m.Target, ":") || strings.Contains(m.Source, ":") ||
		m.TmpfsSize != 0 || m.TmpfsMode != 0 {
		return "", false
	}
	var opts []string
	if m.ReadOnly {
		opts = append(opts, "ro")
	}
	if m.NoCopy {
		opts = append(opts, "nocopy")
	}
	switch {
	case m.Type == MountBind && path.IsAbs(m.Source) && !m.NoCopy:
	case m.Type == MountVolume && m.Source == "":
		return m.Target, len(opts) == 0
	case m.Type == MountVolume && volume.ValidateName(m.Source) == nil:
	default:
		return "", false
	}
	s := m.Source + ":" + m.Target
	if len(opts) > 0 {
		s += ":" + strings.Join(opts, ",")
	}
	return s, true
}

func (m Mount) tmpfsFlag() (string, bool) {
	if m.Type != MountTmpfs || m.Source != "" || m.NoCopy || strings.Contains(m.Target, ":") {
		return "", false
	}
	var opts []string
	if m.ReadOnly {
		opts = append(opts, "ro")
	}
	if m.TmpfsSize != 0 {
		opts = append(opts, "size="+formatSize(m.TmpfsSize))
	}
	if m.TmpfsMode != 0 {
		opts = append(opts, "mode="+strconv.FormatUint(uint64(m.TmpfsMode), 8))
	}
	if len(opts) == 0 {
		return m.Target, true
	}
	return m.Target + ":" + strings.Join(opts, ","), true
}

func (m Mount) mountFlag() string {
	// --mount refuses values with surrounding whitespace; a trailing "/"
	// keeps an absolute path's meaning (it is cleaned away) and protects it.
	protect := func(p string) string {
		if path.IsAbs(p) && strings.TrimSpace(p) != p {
			return p + "/"
		}
		return p
	}
	fields := []string{"type=" + string(m.Type)}
	if m.Source != "" {
		fields = append(fields, "source="+protect(m.Source))
	}
	fields = append(fields, "target="+protect(m.Target))
	if m.ReadOnly {
		fields = append(fields, "readonly")
	}
	if m.NoCopy {
		fields = append(fields, "volume-nocopy")
	}
	if m.TmpfsSize != 0 {
		fields = append(fields, "tmpfs-size="+strconv.FormatInt(m.TmpfsSize, 10))
	}
	if m.TmpfsMode != 0 {
		fields = append(fields, "tmpfs-mode="+strconv.FormatUint(uint64(m.TmpfsMode), 8))
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write(fields) // a strings.Builder does not fail
	w.Flush()
	return strings.TrimSuffix(b.String(), "\n")
}
