//go:build !linux

package container

import (
	"context"
	"fmt"
	"runtime"

	"github.com/berth-dev/berth/image"
)

// Runtime runs containers; only on Linux.
type Runtime struct{}

// Option configures Open.
type Option func(*options)

type options struct{ images *image.Store }

// WithImageStore makes the runtime use an image store the caller opened.
func WithImageStore(s *image.Store) Option { return func(o *options) { o.images = s } }

// Open returns ErrNotSupported: containers need Linux.
func Open(ctx context.Context, root string, opts ...Option) (*Runtime, error) {
	return nil, fmt.Errorf("open container runtime on %s: %w", runtime.GOOS, ErrNotSupported)
}

// Close does nothing.
func (r *Runtime) Close() error { return nil }
