package layer

import (
	"io"
	"sync"
)

// readAhead reads r in its own goroutine, up to depth chunks of size bytes
// ahead of the consumer, so that the work behind r (inflating, hashing)
// runs on one core while the consumer (creating files) runs on another.
// GNU tar gets the same overlap from running gzip as a separate process.
// Close stops the goroutine without waiting for it: it may be blocked in
// r.Read, and whoever feeds r unblocks it. The goroutine calls exit when it
// is done with r, so r's owner frees r there rather than after Close.
type readAhead struct {
	chunks chan []byte
	free   chan []byte
	cur    []byte // the chunk being read
	off    int    // how much of cur was read
	err    error  // set by the producer before it closes chunks
	done   chan struct{}
	once   sync.Once
}

func newReadAhead(r io.Reader, exit func(), size, depth int) *readAhead {
	ra := &readAhead{chunks: make(chan []byte, depth), free: make(chan []byte, depth+2), done: make(chan struct{})}
	for i := 0; i < depth+2; i++ {
		ra.free <- make([]byte, size)
	}
	go ra.produce(r, exit)
	return ra
}

func (ra *readAhead) produce(r io.Reader, exit func()) {
	defer exit()
	defer close(ra.chunks)
	for {
		var buf []byte
		select {
		case buf = <-ra.free:
		case <-ra.done:
			return
		}
		n, err := io.ReadFull(r, buf[:cap(buf)])
		if n > 0 {
			select {
			case ra.chunks <- buf[:n]:
			case <-ra.done:
				return
			}
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			ra.err = io.EOF
			return
		}
		if err != nil {
			ra.err = err
			return
		}
	}
}

func (ra *readAhead) Read(p []byte) (int, error) {
	if ra.cur == nil {
		chunk, ok := <-ra.chunks
		if !ok {
			return 0, ra.err // closing chunks orders this read after the write of err
		}
		ra.cur, ra.off = chunk, 0
	}
	n := copy(p, ra.cur[ra.off:])
	ra.off += n
	if ra.off == len(ra.cur) {
		ra.free <- ra.cur[:cap(ra.cur)]
		ra.cur = nil
	}
	return n, nil
}

// Close stops the producer; pending chunks are dropped.
func (ra *readAhead) Close() error {
	ra.once.Do(func() { close(ra.done) })
	return nil
}
