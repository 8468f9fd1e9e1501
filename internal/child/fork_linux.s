// Present so that fork_linux.go may declare functions without a body,
// the runtime's fork hooks it reaches by go:linkname.
