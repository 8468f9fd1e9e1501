// Package testregistry starts a real registry — Debian's docker-registry, the
// CNCF distribution server — on 127.0.0.1 for integration tests, with plain
// HTTP and optionally htpasswd basic auth. The server lives as long as the
// test (t.Cleanup) and dies with the test binary (parent-death signal).
//
// `make test` installs docker-registry; a missing binary fails the test
// rather than skipping it, so CI cannot silently run less.
package testregistry

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Binary is the registry server started by Start.
const Binary = "docker-registry"

// Options choose how the registry is served.
type Options struct {
	// Username and Password, when set, protect the registry with htpasswd
	// basic auth.
	Username string
	Password string
}

// Server is a running registry.
type Server struct {
	Host     string // "127.0.0.1:PORT"
	URL      string // "http://127.0.0.1:PORT"
	Root     string // storage directory
	Username string
	Password string
}

// Start runs a registry for the rest of the test.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	bin, err := exec.LookPath(Binary)
	if err != nil {
		t.Fatalf("testregistry: %s not installed (make test installs Debian's docker-registry): %v", Binary, err)
	}
	dir := t.TempDir()
	port := freePort(t)
	s := &Server{
		Host:     fmt.Sprintf("127.0.0.1:%d", port),
		Root:     filepath.Join(dir, "storage"),
		Username: opts.Username,
		Password: opts.Password,
	}
	s.URL = "http://" + s.Host

	var auth string
	if opts.Username != "" {
		hash, err := bcrypt.GenerateFromPassword([]byte(opts.Password), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		htpasswd := filepath.Join(dir, "htpasswd")
		if err := os.WriteFile(htpasswd, []byte(opts.Username+":"+string(hash)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		auth = fmt.Sprintf("auth:\n  htpasswd:\n    realm: berth-test\n    path: %s\n", htpasswd)
	}
	cfg := fmt.Sprintf(`version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
%s`, s.Root, s.Host, auth)
	cfgPath := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(bin, "serve", cfgPath)
	var logs strings.Builder
	cmd.Stdout = &logs
	cmd.Stderr = &logs
	cmd.SysProcAttr = sysProcAttr()
	done := make(chan struct{})
	if err := start(cmd, done); err != nil {
		t.Fatalf("testregistry: start %s: %v", bin, err)
	}
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})

	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(s.URL + "/v2/")
		if err == nil {
			resp.Body.Close()
			// 200 without auth, 401 with auth: either means it serves.
			if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusUnauthorized {
				return s
			}
		}
		select {
		case <-done:
			t.Fatalf("testregistry: %s exited: %s", bin, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("testregistry: %s not ready after 15s: %v\n%s", bin, err, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
