package seccomp

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"
)

// Encode returns a compiled filter as bytes, struct sock_filter after
// struct sock_filter (8 bytes each, native byte order), as Decode reads
// it: the form a filter compiled in one process takes to the process that
// installs it.
func Encode(filter []unix.SockFilter) []byte {
	b := make([]byte, 0, 8*len(filter))
	for _, in := range filter {
		b = binary.NativeEndian.AppendUint16(b, in.Code)
		b = append(b, in.Jt, in.Jf)
		b = binary.NativeEndian.AppendUint32(b, in.K)
	}
	return b
}

// Decode reads a filter written by Encode.
func Decode(b []byte) ([]unix.SockFilter, error) {
	if len(b) == 0 || len(b)%8 != 0 || len(b)/8 > maxInstructions {
		return nil, fmt.Errorf("seccomp filter of %d bytes: %w", len(b), ErrInvalidFilter)
	}
	filter := make([]unix.SockFilter, len(b)/8)
	for i := range filter {
		in := b[8*i:]
		filter[i] = unix.SockFilter{
			Code: binary.NativeEndian.Uint16(in),
			Jt:   in[2],
			Jf:   in[3],
			K:    binary.NativeEndian.Uint32(in[4:]),
		}
	}
	return filter, nil
}
