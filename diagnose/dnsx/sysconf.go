package dnsx

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"
)

// The limits glibc puts on resolv.conf (resolv.conf(5)): at most three
// nameservers, a timeout of at most 30 seconds and at most 5 attempts.
const (
	maxNameservers = 3
	maxTimeout     = 30 * time.Second
	maxAttempts    = 5
	// fallbackServer is what glibc asks when resolv.conf names no server.
	fallbackServer = "127.0.0.1:53"
	// maxResolvConf bounds how much of a resolv.conf file is read.
	maxResolvConf = 64 << 10
)

// sysConfig is what a resolv.conf file says; zero timeout and attempts
// mean the file did not set them.
type sysConfig struct {
	servers  []string
	timeout  time.Duration
	attempts int
}

// readResolvConf reads a resolv.conf file. Like glibc, a missing file
// means the local server.
func readResolvConf(path string) (sysConfig, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return sysConfig{servers: []string{fallbackServer}}, nil
	}
	if err != nil {
		return sysConfig{}, fmt.Errorf("%w: %w", ErrNetwork, err)
	}
	defer f.Close()
	sc, err := parseResolvConf(io.LimitReader(f, maxResolvConf))
	if err != nil {
		return sysConfig{}, fmt.Errorf("%w: %s: %w", ErrNetwork, path, err)
	}
	return sc, nil
}

// parseResolvConf reads the nameserver lines and the timeout and attempts
// options of a resolv.conf file, the way glibc does: unparsable lines and
// values are ignored, later options override earlier ones, and a file
// without a usable nameserver means 127.0.0.1:53.
func parseResolvConf(r io.Reader) (sysConfig, error) {
	var sc sysConfig
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 4096), maxResolvConf+1)
	for s.Scan() {
		line := s.Text()
		if i := strings.IndexAny(line, "#;"); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "nameserver":
			addr, err := netip.ParseAddr(f[1])
			if err == nil && len(sc.servers) < maxNameservers {
				sc.servers = append(sc.servers, netip.AddrPortFrom(addr, 53).String())
			}
		case "options":
			for _, opt := range f[1:] {
				name, val, _ := strings.Cut(opt, ":")
				n, err := strconv.Atoi(val)
				if err != nil || n < 1 {
					continue
				}
				switch name {
				case "timeout":
					sc.timeout = min(time.Duration(n)*time.Second, maxTimeout)
				case "attempts":
					sc.attempts = min(n, maxAttempts)
				}
			}
		}
	}
	if err := s.Err(); err != nil {
		return sysConfig{}, err
	}
	if len(sc.servers) == 0 {
		sc.servers = []string{fallbackServer}
	}
	return sc, nil
}

// ParseServer parses a resolver address as given to --resolver and
// returns it as host:port: "192.0.2.1" and "2001:db8::1" mean port 53,
// "192.0.2.1:5353" and "[2001:db8::1]:5353" name the port, "[2001:db8::1]"
// is port 53 too. The host must be an IP address: resolving a resolver's
// name would need a resolver. Errors wrap ErrBadServer.
func ParseServer(s string) (string, error) {
	in := strings.TrimSpace(s)
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("%w %q: %s", ErrBadServer, s, why)
	}
	if in == "" {
		return bad("empty")
	}
	if addr, err := netip.ParseAddr(in); err == nil {
		return netip.AddrPortFrom(addr, 53).String(), nil
	}
	if strings.HasPrefix(in, "[") && strings.HasSuffix(in, "]") {
		addr, err := netip.ParseAddr(in[1 : len(in)-1])
		if err != nil || !addr.Is6() {
			return bad("not an IPv6 address in brackets")
		}
		return netip.AddrPortFrom(addr, 53).String(), nil
	}
	host, port, err := net.SplitHostPort(in)
	if err != nil {
		return bad("want HOST, HOST:PORT or [IPv6]:PORT")
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return bad("the host must be an IP address")
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil || p == 0 {
		return bad("the port must be a number from 1 to 65535")
	}
	return netip.AddrPortFrom(addr, uint16(p)).String(), nil
}
