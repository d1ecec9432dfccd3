package mailpath

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// AuthOptions turns on sender authentication at the path's public smtpd:
// OpenDKIM verifies DKIM signatures (RFC 6376), then OpenDMARC checks SPF
// (RFC 7208) and DMARC (RFC 7489), each as a Postfix milter adding its
// Authentication-Results header (RFC 8601) with the path's host name,
// mx.Domain, as authserv-id.
type AuthOptions struct {
	// TXT are the TXT records the milters can look up, owner name →
	// records, for example
	//
	//	"s1._domainkey.sender.test.": {"v=DKIM1; k=rsa; p=MIIB…"},
	//	"sender.test.":               {"v=spf1 ip4:192.0.2.25 -all"},
	//	"_dmarc.sender.test.":        {"v=DMARC1; p=reject"},
	//
	// A record longer than 255 octets is split into several strings, as
	// DKIM and SPF allow. Every other name answers NXDOMAIN, every other
	// type no data. SPF is checked for ClientIP, so the record above
	// passes [Path.Deliver]'s mail.
	TXT map[string][]string
	// ClientIP is the client address [Path.Deliver] claims with
	// Postfix's XCLIENT, which the milters check SPF against. Default
	// DefaultClientIP. libspf2 passes every client on 127.0.0.0/8 without
	// looking at the record ("localhost is always allowed"), so the real
	// loopback address would make every SPF check pass.
	ClientIP string
	// NoDMARC leaves OpenDMARC out: only OpenDKIM's dkim= result is
	// written.
	NoDMARC bool
}

// DefaultClientIP is AuthOptions.ClientIP's default, from TEST-NET-1
// (RFC 5737): no packet is ever sent to it.
const DefaultClientIP = "192.0.2.25"

// milter is a running OpenDKIM or OpenDMARC, a child of the test process,
// in a mount namespace of its own where /etc/resolv.conf names the path's
// DNS server.
type milter struct {
	name   string // "opendkim" or "opendmarc"
	dir    string
	addr   string // inet socket 127.0.0.1:port
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd.Wait returns
}

// openDKIMConf is OpenDKIM's configuration: verify only, from every
// client (InternalHosts would otherwise make mail from 127.0.0.1 a
// candidate for signing, not verification), and a header on every message,
// dkim=none included. libopendkim resolves with libunbound, configured by
// unbound.conf to forward every question to the path's DNS server.
const openDKIMConf = `Mode v
Socket inet:{{port}}@127.0.0.1
PidFile {{dir}}/opendkim.pid
AuthservID {{authserv}}
AlwaysAddARHeader yes
InternalHosts {{dir}}/internal-hosts
ResolverConfiguration {{dir}}/unbound.conf
DNSTimeout 5
Background no
Syslog no
UMask 022
`

// unboundConf is libunbound's configuration for OpenDKIM: no recursion
// from the root (which would send queries off the machine), no DNSSEC
// validation, and every question forwarded to the path's DNS server,
// which lives on 127.0.0.0/8, which unbound does not query by default.
// Unbound answers names under the special-use domains of RFC 6761 (test.,
// invalid.) NXDOMAIN itself unless told nodefault.
const unboundConf = `server:
  local-zone: "test." nodefault
  local-zone: "invalid." nodefault
  do-ip6: no
  do-not-query-localhost: no
  module-config: "iterator"
  target-fetch-policy: "0 0 0 0 0"
  harden-referral-path: no
  qname-minimisation: no
forward-zone:
  name: "."
  forward-addr: {{dnsip}}@53
`

// openDMARCConf is OpenDMARC's configuration: trust OpenDKIM's header
// (same authserv-id), check SPF itself with libspf2 rather than look for
// a Received-SPF header, evaluate mail from every client (IgnoreHosts
// would otherwise skip 127.0.0.1), reject nothing and send no reports.
const openDMARCConf = `Socket inet:{{port}}@127.0.0.1
PidFile {{dir}}/opendmarc.pid
AuthservID {{authserv}}
TrustedAuthservIDs {{authserv}}
IgnoreHosts {{dir}}/ignore-hosts
SPFSelfValidate true
SPFIgnoreResults true
RejectFailures false
FailureReports false
RequiredHeaders false
DNSTimeout 5
Background false
Syslog false
UMask 022
`

// startMilter writes name's configuration into dir and starts it in the
// foreground on 127.0.0.1:port, in a private mount namespace where
// /etc/resolv.conf is dir/resolv.conf (naming only dnsIP), and returns
// once it accepts connections. The machine's /etc/resolv.conf is not
// touched: the bind mount exists only in the milter's namespace.
func startMilter(bins binaries, name, dir string, port int, authserv, dnsIP string) (*milter, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	r := func(s string) string {
		return strings.NewReplacer("{{dir}}", dir, "{{port}}", strconv.Itoa(port),
			"{{authserv}}", authserv, "{{dnsip}}", dnsIP).Replace(s)
	}
	// Nothing on 198.51.100.0/24 (TEST-NET-2, RFC 5737) connects: no
	// client is internal or ignored, 127.0.0.1 included.
	files := map[string]string{
		"resolv.conf": "nameserver " + dnsIP + "\noptions timeout:2 attempts:2\n",
		"hosts":       "198.51.100.254\n",
	}
	bin := bins.opendkim
	switch name {
	case "opendkim":
		files["opendkim.conf"] = r(openDKIMConf)
		files["unbound.conf"] = r(unboundConf)
		files["internal-hosts"] = files["hosts"]
	case "opendmarc":
		bin = bins.opendmarc
		files["opendmarc.conf"] = r(openDMARCConf)
		files["ignore-hosts"] = files["hosts"]
	}
	if err := writeFiles(dir, files); err != nil {
		return nil, err
	}
	out, err := os.Create(filepath.Join(dir, name+".out"))
	if err != nil {
		return nil, err
	}
	defer out.Close()
	m := &milter{name: name, dir: dir, addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		exited: make(chan struct{})}
	// unshare(1) makes the mount private to the new namespace; sh and the
	// milter replace each other by exec, so cmd's PID is the milter's.
	conf := "-x" // OpenDKIM's configuration flag; OpenDMARC's is -c
	if name == "opendmarc" {
		conf = "-c"
	}
	script := fmt.Sprintf("mount --bind %s /etc/resolv.conf && exec %s -f %s %s",
		filepath.Join(dir, "resolv.conf"), bin, conf, filepath.Join(dir, name+".conf"))
	m.cmd = exec.Command(bins.unshare, "--mount", "--propagation", "private", "/bin/sh", "-c", script)
	m.cmd.Stdout, m.cmd.Stderr = out, out
	m.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := m.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		m.cmd.Wait()
		close(m.exited)
	}()
	if err := waitListening(m.addr, listenTimeout, m.running); err != nil {
		return m, fmt.Errorf("%s: %w\n%s", name, err, m.log())
	}
	return m, nil
}

func (m *milter) running() bool {
	select {
	case <-m.exited:
		return false
	default:
		return true
	}
}

// stop kills the milter and checks that its port is released. It is
// called once Postfix has stopped, so no session is open. SIGKILL, not
// SIGTERM: libmilter notices SIGTERM only when its accept loop next wakes,
// up to 5 s later, and a milter keeps no state worth a clean exit (its
// pid file is in the path's directory).
func (m *milter) stop() error {
	if m == nil || m.cmd == nil || m.cmd.Process == nil {
		return nil
	}
	m.cmd.Process.Kill()
	select {
	case <-m.exited:
	case <-time.After(exitTimeout):
		return fmt.Errorf("%w: %s %d survived SIGKILL for %v", ErrNotStopped, m.name, m.cmd.Process.Pid, exitTimeout)
	}
	return waitClosed(m.addr, exitTimeout)
}

// log returns the tail of the milter's output (it logs nowhere else:
// there is no syslog here).
func (m *milter) log() string { return logTail(filepath.Join(m.dir, m.name+".out")) }
