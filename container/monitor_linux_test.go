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
	assert.Zero(t, m.released, "nothing served, nothing to release")

	m.handled.Add(3)
	m.release()
	assert.Zero(t, m.released, "served during the last tick: still busy")
	m.handled.Add(1)
	m.release()
	assert.Zero(t, m.released, "still busy")
	m.release()
	assert.Equal(t, int64(4), m.released, "a quiet tick after the burst")

	m.release() // no new requests: nothing to do
	assert.Equal(t, int64(4), m.released)
	assert.Equal(t, int64(4), m.lastTick)

	m.handled.Add(1) // the next burst
	m.release()
	assert.Equal(t, int64(4), m.released)
	m.release()
	assert.Equal(t, int64(5), m.released)
}
