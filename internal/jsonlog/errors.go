package jsonlog

import "errors"

// Sentinel errors; every error returned by this package wraps one of them,
// an error from the file system (test with errors.Is and fs.ErrNotExist and
// friends), or the context's error, and says what was being done. Errors
// returned by the callback given to Read are returned as they are.
var (
	// ErrInvalidOption: a log option (max-size, max-file, …) or an Options
	// or ReadOptions value is malformed or conflicts with another.
	ErrInvalidOption = errors.New("invalid log option")
	// ErrClosed: a write to a Writer or stream that has been closed.
	ErrClosed = errors.New("log writer is closed")
	// ErrNotFound: the log file to read does not exist.
	ErrNotFound = errors.New("log file not found")
)

// errCorrupt marks a line that is not a log entry. Read skips such lines,
// so it never reaches callers.
var errCorrupt = errors.New("corrupt log entry")
