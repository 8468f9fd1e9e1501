package testregistry

import (
	"net/http"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The registry outlives the OS thread that asked for it: a parent-death
// signal fires when the thread that forked the child exits, and a test
// binary running berth in-process ends threads (a goroutine that exits
// locked to its thread takes the thread with it, unless it is the main
// thread, which Go keeps).
func TestRegistryOutlivesTheThreadThatStartedIt(t *testing.T) {
	var s *Server
	for s == nil {
		done := make(chan struct{})
		go func() {
			defer close(done)
			runtime.LockOSThread() // not unlocked: the thread ends with this goroutine
			if syscall.Gettid() == os.Getpid() {
				runtime.UnlockOSThread() // the main thread: try another
				return
			}
			s = Start(t, Options{})
		}()
		<-done
	}
	for range 10 {
		time.Sleep(20 * time.Millisecond)
		resp, err := http.Get(s.URL + "/v2/")
		require.NoError(t, err)
		resp.Body.Close()
	}
}
