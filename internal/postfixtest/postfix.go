// Package postfixtest runs a real Postfix (3.7 and later) for tests: one
// private instance per test, with its configuration, queue and mailboxes in
// a temporary directory, listening for SMTP (RFC 5321) on 127.0.0.1 at a
// free high port, and unable to send anything off the machine.
//
// The instance plays the recipient's MX: it delivers the configured
// mailboxes into Maildirs through Postfix's virtual(8) agent, answers the
// configured addresses with transports such as "error:5.1.1 …" (accept, then
// send a real RFC 3464 delivery status notification to the envelope sender),
// and refuses or defers others at RCPT through check_recipient_access
// (greylisting: "451 4.7.1", RFC 3463 §3.8). Everything not routed by the
// test's transport map goes to Postfix's error transport, so no message
// ever leaves the loopback interface.
//
// Postfix's master must run as root. Start skips the test when postfix is
// not installed or the test is not root, except in CI (see internal/testenv),
// where it fails instead. The instance is stopped with `postfix stop` when
// the test ends, and its master killed by PID if that did not stop it.
package postfixtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/internal/testenv"
)

// MailUID is the uid and gid the virtual(8) agent delivers as: nobody.
const MailUID = 65534

// FailTransport is the transport_maps(5) transport that bounces a message
// Postfix accepted: error(8). Its next hop is the DSN status and text, e.g.
// FailTransport+":5.2.2 mailbox full".
const FailTransport = "error"

// commandTimeout bounds every postfix command the helper runs.
const commandTimeout = 30 * time.Second

// ErrNotReady means the instance did not accept connections in time.
var ErrNotReady = errors.New("postfixtest: postfix did not start listening")

// Config describes the instance's mail routing. Addresses and domains are
// lower-case ASCII.
type Config struct {
	// Hostname is myhostname, the name in the greeting and in DSNs.
	// Default "mx.rcpt.test".
	Hostname string
	// Domains are the virtual mailbox domains this instance is the final
	// destination for.
	Domains []string
	// Mailboxes are the addresses (in Domains) delivered into Maildirs.
	Mailboxes []string
	// Transports are transport_maps(5) entries, address or domain to
	// "transport:nexthop", e.g. "smtp:[127.0.0.1]:2525", or
	// FailTransport+":5.1.1 user unknown", which accepts a message and
	// then bounces it with a DSN carrying that status and text. An address
	// of Domains in neither Mailboxes nor Transports is accepted too, and
	// bounced by virtual(8) as unknown.
	Transports map[string]string
	// RecipientAccess are access(5) entries consulted by
	// check_recipient_access at RCPT, e.g. "451 4.7.1 greylisted".
	RecipientAccess map[string]string
}

// Instance is a running Postfix.
type Instance struct {
	// Dir is the configuration directory, holding main.cf, master.cf,
	// the maps, the queue, the mailboxes and the mail log.
	Dir string
	// Addr is the SMTP listener, 127.0.0.1:Port.
	Addr string
	Port int

	bin string
}

// Start writes the configuration, starts Postfix and waits until it accepts
// SMTP connections. It stops the instance in t.Cleanup.
func Start(t testing.TB, cfg Config) *Instance {
	t.Helper()
	bin := testenv.Binary(t, "postfix")
	if os.Geteuid() != 0 {
		if testenv.Required() {
			t.Fatal("postfix's master must run as root")
		}
		t.Skip("postfix's master must run as root")
	}
	dir, err := os.MkdirTemp("", "postfixtest-")
	if err != nil {
		t.Fatal(err)
	}
	in := &Instance{Dir: dir, bin: bin}
	t.Cleanup(func() {
		in.stop(t)
		if !t.Failed() {
			os.RemoveAll(dir)
		} else {
			t.Logf("postfix directory kept: %s", dir)
		}
	})
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	in.Port = port
	in.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if err := in.writeConfig(cfg); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"set-permissions"}, {"check"}, {"start"}} {
		if err := in.postfix(args...); err != nil {
			t.Fatalf("%v\n%s", err, in.Log())
		}
	}
	if err := in.waitListening(20 * time.Second); err != nil {
		t.Fatalf("%v\n%s", err, in.Log())
	}
	return in
}

// Maildir returns the Maildir that addr is delivered into.
func (in *Instance) Maildir(addr string) string {
	return filepath.Join(in.Dir, "mail", addr)
}

// Delivered returns the paths of the messages delivered to addr so far.
func (in *Instance) Delivered(addr string) ([]string, error) {
	ents, err := os.ReadDir(filepath.Join(in.Maildir(addr), "new"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, e := range ents {
		paths = append(paths, filepath.Join(in.Maildir(addr), "new", e.Name()))
	}
	return paths, nil
}

// Log returns the instance's mail log, for failure messages.
func (in *Instance) Log() string {
	b, err := os.ReadFile(filepath.Join(in.Dir, "maillog"))
	if err != nil {
		return "(no mail log: " + err.Error() + ")"
	}
	return string(b)
}

// postfix runs `postfix -c DIR args…`. Without a terminal Postfix reports
// errors only to syslog, so a failure is run again under script(1) to
// capture them (except for start, which must not be tried twice).
func (in *Instance) postfix(args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	full := append([]string{"-c", in.Dir}, args...)
	out, err := exec.CommandContext(ctx, in.bin, full...).CombinedOutput()
	if err == nil {
		return nil
	}
	if script, lerr := exec.LookPath("script"); lerr == nil && args[0] != "start" {
		line := in.bin + " " + strings.Join(full, " ")
		more, _ := exec.CommandContext(ctx, script, "-qec", line, "/dev/null").CombinedOutput()
		out = append(out, more...)
	}
	return fmt.Errorf("postfix %s: %w\n%s", strings.Join(args, " "), err, out)
}

// waitListening polls the SMTP port until it accepts a connection.
func (in *Instance) waitListening(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", in.Addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%w at %s within %v", ErrNotReady, in.Addr, limit)
}

// stop runs `postfix stop`, waits for the master to exit and kills it by
// the PID in its pid file when it does not.
func (in *Instance) stop(t testing.TB) {
	t.Helper()
	pid := in.masterPID()
	if err := in.postfix("stop"); err != nil {
		t.Logf("postfix stop: %v", err)
	}
	if pid <= 0 {
		return
	}
	deadline := time.Now().Add(10 * time.Second)
	for alive(pid) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if alive(pid) {
		t.Errorf("postfix master %d still running after postfix stop; killing it", pid)
		syscall.Kill(pid, syscall.SIGKILL)
	}
	if c, err := net.DialTimeout("tcp", in.Addr, time.Second); err == nil {
		c.Close()
		t.Errorf("something still listens on %s after postfix stopped", in.Addr)
	}
}

// masterPID reads the master's pid file, or returns 0.
func (in *Instance) masterPID() int {
	b, err := os.ReadFile(filepath.Join(in.Dir, "queue", "pid", "master.pid"))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0
	}
	return pid
}

// alive reports whether pid is a running process (not a zombie).
func alive(pid int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return syscall.Kill(pid, 0) == nil
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	return len(f) > 0 && f[0] != "Z"
}

// freePort returns a port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// LookupIDs returns the uid and gid of a system user.
func LookupIDs(name string) (int, int, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return 0, 0, err
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return 0, 0, err
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return 0, 0, err
	}
	return uid, gid, nil
}

// mapText renders a map as a texthash table, sorted for reproducibility.
func mapText(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s %s\n", k, m[k])
	}
	return b.String()
}
