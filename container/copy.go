package container

// CopyOption changes how CopyTo and ExtractArchive write files.
type CopyOption func(*copyOptions)

type copyOptions struct {
	keepOwners bool
}

// CopyOwnership keeps the owners the archive records (docker cp
// --archive), which needs the privilege to chown. Without it CopyTo gives
// copied files to the container's root user, UID and GID 0, as docker cp
// makes them, and ExtractArchive leaves them to the caller, as docker cp
// does on the host.
func CopyOwnership() CopyOption { return func(o *copyOptions) { o.keepOwners = true } }
