package container

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	"github.com/berth-dev/berth/internal/atomicfile"
	"github.com/berth-dev/berth/internal/plainfile"
	"github.com/berth-dev/berth/layer"
)

// Status is where a container is in its lifecycle, with Docker's words.
//
//	created ──Start──▶ running ──exit/Stop/Kill──▶ exited ──Start──▶ running
//	   │                                             │
//	   └──────────────Remove─────────────────────────┴──▶ (gone)
type Status string

// Container statuses.
const (
	StatusCreated  Status = "created"
	StatusRunning  Status = "running"
	StatusExited   Status = "exited"
	StatusRemoving Status = "removing"
	StatusDead     Status = "dead"
)

// State is a container's runtime state, as docker inspect's State shows it.
type State struct {
	Status     Status
	Running    bool
	OOMKilled  bool
	Dead       bool
	Pid        int
	ExitCode   int
	Error      string `json:",omitempty"`
	StartedAt  time.Time
	FinishedAt time.Time

	// PidStart is the container process's start time (field 22 of
	// /proc/PID/stat): with Pid it tells the process from a later one
	// that reused its PID.
	PidStart uint64 `json:",omitempty"`
	// Owner is the process watching the container: the program that
	// started it, or the root's monitor for a detached one.
	Owner      int    `json:",omitempty"`
	OwnerStart uint64 `json:",omitempty"`
	Detached   bool   `json:",omitempty"`
}

// record is what a container's directory holds in config.json: its
// config as given, what it was resolved to at create time, and the
// snapshot mounts of its root filesystem.
type record struct {
	ID       string
	Name     string
	Created  time.Time
	ImageID  string
	ImageRef string
	Config   Config
	// Resolved at create time from Config and the image.
	Path       string
	Args       []string
	Env        []string
	WorkingDir string
	User       string
	Hostname   string
	StopSignal string
	Volumes    []resolvedMount // Config.Mounts plus the image's VOLUME entries, with volume names
	Rootfs     []layer.Mount
}

// resolvedMount is a mount with its volume name chosen.
type resolvedMount struct {
	Mount
	Anonymous bool `json:",omitempty"`
}

func writeJSONAtomic(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, path+".tmp", b, 0o600)
}

func readJSON(path string, v any) error {
	b, err := plainfile.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return nil
}
