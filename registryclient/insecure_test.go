package registryclient

import (
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIsInsecureHost(t *testing.T) {
	c := config{insecure: []string{"registry.lan:5000", "plain.example", "10.1.0.0/16", "[::1]:8443", "fd00::/8"}}
	s, err := c.validate()
	require.NoError(t, err)
	resolve := func(name string) []net.IP {
		switch name {
		case "localhost":
			return []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")}
		case "internal.example":
			return []net.IP{net.ParseIP("10.1.2.3")}
		case "public.example":
			return []net.IP{net.ParseIP("93.184.216.34")}
		}
		return nil
	}
	tests := []struct {
		host string
		want bool
	}{
		{"127.0.0.1:5000", true},     // loopback default
		{"127.9.9.9", true},          // all of 127.0.0.0/8
		{"localhost:5000", true},     // resolves into 127.0.0.0/8
		{"[::1]:5000", false},        // ::1 is not in dockerd's default
		{"[::1]:8443", true},         // listed with port
		{"registry.lan:5000", true},  // listed with port
		{"registry.lan:5001", false}, // other port of a host:port entry
		{"registry.lan", false},
		{"plain.example", true},         // listed without port
		{"plain.example:443", true},     // ... matches any port
		{"10.1.200.7:5000", true},       // in CIDR
		{"10.2.0.1:5000", false},        // outside CIDR
		{"internal.example:5000", true}, // name resolving into CIDR
		{"public.example", false},       // name resolving elsewhere
		{"[fd00::1]:5000", true},        // IPv6 CIDR
		{"index.docker.io", false},      // unresolvable here: secure
		{"REGISTRY.LAN:5000", true},     // case-insensitive
		{"192.168.1.1:5000", false},     // RFC 1918 is not special (ggcr's scheme guess is not the policy)
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, isInsecureHost(tt.host, s.policy, resolve), tt.host)
	}
}

func TestInsecureRegistriesValidation(t *testing.T) {
	for _, bad := range []string{"", "10.0.0.0/33", "http://host:5000", "nonsense/cidr"} {
		_, err := New(WithInsecureRegistries(bad))
		assert.ErrorIs(t, err, ErrInvalidOption, "%q", bad)
	}
}
