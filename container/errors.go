package container

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error the package returns wraps one of them (or an
// error of package image), so callers test with errors.Is.
var (
	// ErrNotFound: no container, volume or path by that name or ID.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the name is taken, or an ID prefix is ambiguous.
	ErrConflict = errors.New("conflict")
	// ErrInvalid: the configuration or an argument is wrong (bad mount,
	// limit, signal, user, empty command).
	ErrInvalid = errors.New("invalid argument")
	// ErrInUse: the container is running (remove without force), or the
	// volume is used by a container.
	ErrInUse = errors.New("in use")
	// ErrNotRunning: the operation needs a running container.
	ErrNotRunning = errors.New("container is not running")
	// ErrNoCommand: neither the image nor the config names a command.
	ErrNoCommand = fmt.Errorf("no command specified: %w", ErrInvalid)
	// ErrNoSuchUser: the user or group is not in the image's passwd or group
	// file.
	ErrNoSuchUser = fmt.Errorf("unable to find user: %w", ErrInvalid)
	// ErrCommandNotFound: the command does not exist in the container
	// (exit code 127).
	ErrCommandNotFound = errors.New("executable file not found")
	// ErrCannotExecute: the command exists but cannot be executed (exit
	// code 126).
	ErrCannotExecute = errors.New("permission denied")
	// ErrSetup: berth itself failed to set the container up (exit code 125).
	ErrSetup = errors.New("container setup failed")
	// ErrNotSupported: the platform or kernel lacks what is needed.
	ErrNotSupported = errors.New("not supported")
	// ErrClosed: the runtime was closed.
	ErrClosed = errors.New("runtime closed")
)

// StateError is an illegal state transition: the operation needs the
// container in another state.
type StateError struct {
	ID     string
	Op     string
	Status Status
}

func (e *StateError) Error() string {
	switch e.Status {
	case StatusRunning:
		return fmt.Sprintf("cannot %s container %s: container is running", e.Op, shortID(e.ID))
	default:
		return fmt.Sprintf("cannot %s container %s: container is %s", e.Op, shortID(e.ID), e.Status)
	}
}

// Is makes a StateError match ErrInUse when the container runs and
// ErrNotRunning otherwise.
func (e *StateError) Is(target error) bool {
	if e.Status == StatusRunning {
		return target == ErrInUse
	}
	return target == ErrNotRunning
}

// ExitError is a container that could not start its command: Code is the
// exit code Docker gives (125, 126 or 127).
type ExitError struct {
	Code int
	Msg  string
	// User is set when the user or group was not found (ErrNoSuchUser).
	User bool `json:",omitempty"`
}

func (e *ExitError) Error() string { return e.Msg }

func (e *ExitError) Unwrap() []error {
	switch {
	case e.Code == 126:
		return []error{ErrCannotExecute}
	case e.Code == 127:
		return []error{ErrCommandNotFound}
	case e.User:
		return []error{ErrSetup, ErrNoSuchUser}
	default:
		return []error{ErrSetup}
	}
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
