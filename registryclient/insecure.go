package registryclient

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"strings"
	"sync"
)

// defaultInsecureCIDR is dockerd's default insecure range. ::1 is
// deliberately not in it, as in dockerd.
const defaultInsecureCIDR = "127.0.0.0/8"

// insecurePolicy says which registries may be spoken to over plain HTTP or
// TLS without verification.
type insecurePolicy struct {
	hosts map[string]bool // "host:port" and "host" entries, as given (lower-cased)
	cidrs []*net.IPNet    // always includes 127.0.0.0/8
}

// isInsecureHost is the whole decision, pure: host is a registry address
// as it appears in a URL ("127.0.0.1:5000", "[::1]:443", "mirror.example").
// It is insecure if listed exactly ("host:port"), if its host part is listed
// without a port (any port then), or if its IP — or any IP resolve returns
// for a name — is in one of the CIDRs.
func isInsecureHost(host string, p insecurePolicy, resolve func(string) []net.IP) bool {
	host = strings.ToLower(host)
	if p.hosts[host] {
		return true
	}
	hostname := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		hostname = h
	}
	hostname = strings.TrimSuffix(strings.TrimPrefix(hostname, "["), "]")
	if p.hosts[hostname] || p.hosts["["+hostname+"]"] {
		return true
	}
	var ips []net.IP
	if ip := net.ParseIP(hostname); ip != nil {
		ips = []net.IP{ip}
	} else if resolve != nil {
		ips = resolve(hostname)
	}
	for _, ip := range ips {
		for _, n := range p.cidrs {
			if n.Contains(ip) {
				return true
			}
		}
	}
	return false
}

// policyTransport is the base transport of every request: insecure
// registries get a transport that skips TLS verification and may use plain
// HTTP; every other host is TLS-verified and plain HTTP is refused.
type policyTransport struct {
	secure   http.RoundTripper
	insecure http.RoundTripper
	policy   insecurePolicy

	mu      sync.Mutex
	decided map[string]bool
}

func newPolicyTransport(base http.RoundTripper, policy insecurePolicy) *policyTransport {
	insecure := base
	if t, ok := base.(*http.Transport); ok {
		clone := t.Clone()
		if clone.TLSClientConfig == nil {
			clone.TLSClientConfig = &tls.Config{}
		}
		clone.TLSClientConfig.InsecureSkipVerify = true //nolint:gosec // only for registries marked insecure
		insecure = clone
	}
	return &policyTransport{secure: base, insecure: insecure, policy: policy, decided: map[string]bool{}}
}

func (t *policyTransport) isInsecure(ctx context.Context, host string) bool {
	t.mu.Lock()
	v, ok := t.decided[host]
	t.mu.Unlock()
	if ok {
		return v
	}
	v = isInsecureHost(host, t.policy, func(name string) []net.IP {
		addrs, err := net.DefaultResolver.LookupIPAddr(ctx, name)
		if err != nil {
			return nil
		}
		ips := make([]net.IP, len(addrs))
		for i, a := range addrs {
			ips[i] = a.IP
		}
		return ips
	})
	t.mu.Lock()
	t.decided[host] = v
	t.mu.Unlock()
	return v
}

func (t *policyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.isInsecure(req.Context(), req.URL.Host) {
		return t.insecure.RoundTrip(req)
	}
	if req.URL.Scheme == "http" {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, &plainHTTPRefusedError{Host: req.URL.Host}
	}
	return t.secure.RoundTrip(req)
}
