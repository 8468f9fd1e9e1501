package container

import (
	"bufio"
	"bytes"
	"path/filepath"
	"strings"

	"github.com/berth-dev/berth/internal/plainfile"
)

// The files a container gets at /etc, kept in its directory and bind
// mounted, as Docker manages them.
const (
	hostsFile    = "hosts"
	hostnameFile = "hostname"
	resolvFile   = "resolv.conf"
)

// hostResolvConf is read for the container's resolv.conf.
var hostResolvConf = "/etc/resolv.conf"

func writeHostFiles(dir string, rec *record) error {
	hosts := "127.0.0.1\tlocalhost\n" +
		"::1\tlocalhost ip6-localhost ip6-loopback\n" +
		"fe00::0\tip6-localnet\n" +
		"ff00::0\tip6-mcastprefix\n" +
		"ff02::1\tip6-allnodes\n" +
		"ff02::2\tip6-allrouters\n"
	host, _ := plainfile.ReadFile(hostResolvConf)
	files := map[string][]byte{
		hostsFile:    []byte(hosts),
		hostnameFile: []byte(rec.Hostname + "\n"),
		resolvFile:   resolvConf(host),
	}
	for name, b := range files {
		if err := plainfile.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// resolvConf derives a container's resolv.conf from the host's as Docker
// does: nameservers on loopback cannot be reached from the container and
// are dropped; with none left, Google's public servers are used.
func resolvConf(host []byte) []byte {
	var out bytes.Buffer
	servers := 0
	sc := bufio.NewScanner(bytes.NewReader(host))
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) >= 2 && fields[0] == "nameserver" {
			if strings.HasPrefix(fields[1], "127.") || fields[1] == "::1" {
				continue
			}
			servers++
		}
		out.WriteString(line + "\n")
	}
	if servers == 0 {
		out.WriteString("nameserver 8.8.8.8\nnameserver 8.8.4.4\n")
	}
	return out.Bytes()
}
