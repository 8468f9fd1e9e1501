package container

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestMonitorReleasesAfterBurst: the monitor gives free memory back one
// tick after a burst of requests ends, not while requests keep coming,
// and once per burst.
func TestMonitorReleasesAfterBurst(t *testing.T) {
	var m monitor
	m.release()
	assert.Zero(t, m.released.Load(), "nothing served, nothing to release")

	m.handled.Add(3)
	m.release()
	assert.Zero(t, m.released.Load(), "served during the last tick: still busy")
	m.handled.Add(1)
	m.release()
	assert.Zero(t, m.released.Load(), "still busy")
	m.release()
	assert.Equal(t, int64(4), m.released.Load(), "a quiet tick after the burst")

	m.release()
	assert.Equal(t, int64(4), m.released.Load())
	assert.Equal(t, int64(4), m.lastTick, "no second release without new requests")
}
