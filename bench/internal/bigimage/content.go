package bigimage

import (
	"fmt"
	"io"
	"math/rand/v2"
)

// Content is the kind of bytes in a generated image's files.
type Content int

const (
	// Random content is uniformly random: gzip cannot shrink it, so it
	// stores it (deflate's "stored" blocks) and inflating it is little more
	// than a copy. The default, and what the pull benchmark uses.
	Random Content = iota
	// Binary content compresses about as well as executables and shared
	// libraries do, about 2.5× with gzip: a mix of literal runs drawn from a
	// skewed byte distribution (zero bytes are common, as in machine code)
	// and repeats of recent content within deflate's 32 KiB window. Inflating
	// it costs what inflating a real layer costs, which is what an unpack
	// benchmark must measure.
	Binary
)

// String is the name the mkimage -content flag takes.
func (c Content) String() string {
	switch c {
	case Random:
		return "random"
	case Binary:
		return "binary"
	}
	return fmt.Sprintf("Content(%d)", int(c))
}

// ParseContent reads a Content from its String form.
func ParseContent(s string) (Content, error) {
	for _, c := range []Content{Random, Binary} {
		if s == c.String() {
			return c, nil
		}
	}
	return 0, fmt.Errorf("content kind %q (want random or binary): %w", s, ErrInvalidSpec)
}

// contentReader returns an endless stream of kind content seeded by key.
func contentReader(kind Content, key [32]byte) io.Reader {
	rng := rand.NewChaCha8(key)
	if kind == Binary {
		return newBinaryReader(rng)
	}
	return rng
}

const (
	window    = 32 << 10 // deflate's window: repeats reach back at most this far
	chunkSize = 1 << 20  // bytes generated per refill
)

// skewedBytes maps a uniform byte to a skewed one: an eighth of the
// outcomes are 0x00, the rest spread over 48 values, about 5.4 bits of
// entropy a byte.
var skewedBytes = func() (table [256]byte) {
	for i := range table {
		if i >= 32 {
			table[i] = byte(1 + (i-32)%48*5) // 48 distinct non-zero values
		}
	}
	return table
}()

// binaryReader generates Binary content a chunk at a time. buf holds the
// last window bytes of the previous chunk (the history repeats copy from)
// followed by the current chunk; buf[next:end] is not yet read.
type binaryReader struct {
	rng       *rand.ChaCha8
	buf       []byte
	next, end int
	random    [256]byte
}

func newBinaryReader(rng *rand.ChaCha8) *binaryReader {
	return &binaryReader{rng: rng, buf: make([]byte, window+chunkSize)}
}

func (r *binaryReader) Read(p []byte) (int, error) {
	if r.next == r.end {
		r.refill()
	}
	n := copy(p, r.buf[r.next:r.end])
	r.next += n
	return n, nil
}

// refill keeps the last window bytes as history and generates a chunk
// after them: runs of 8 to 71 bytes, each either skewed literals (a little
// over half the runs) or a copy from 1 to window bytes back.
func (r *binaryReader) refill() {
	history := 0
	if r.end > 0 {
		history = copy(r.buf, r.buf[r.end-window:r.end])
	}
	pos, limit := history, history+chunkSize
	for pos < limit {
		word := r.rng.Uint64()
		length := min(8+int(word&63), limit-pos)
		if word>>6&0xff < 140 || pos < 8 { // literals
			r.rng.Read(r.random[:length])
			for i, b := range r.random[:length] {
				r.buf[pos+i] = skewedBytes[b]
			}
		} else {
			distance := 1 + int(word>>14)%min(window, pos)
			for i := range length { // byte by byte: source and destination may overlap
				r.buf[pos+i] = r.buf[pos-distance+i]
			}
		}
		pos += length
	}
	r.next, r.end = history, limit
}
