// Package mailpath runs a real receiving mail path for tests, the one a
// verification code meets at a mailbox provider: Postfix accepts the
// message over SMTP (RFC 5321), passes it through SpamAssassin, and
// delivers it over LMTP (RFC 2033) to Dovecot, whose Sieve (RFC 5228)
// files what SpamAssassin flagged into Junk; the mailboxes are then read
// over IMAP (RFC 9051), where Junk carries the \Junk attribute of
// SPECIAL-USE (RFC 6154). With [Options.Auth], OpenDKIM and OpenDMARC
// check the message on the way in and write Authentication-Results
// (RFC 8601) with DKIM (RFC 6376), SPF (RFC 7208) and DMARC (RFC 7489)
// results, looking keys and policies up in an in-process DNS server.
//
//	Deliver ──SMTP──► Postfix smtpd 127.0.0.1:SMTPAddr
//	  (XCLIENT        │ smtpd_milters (with Options.Auth only):
//	  ADDR=ClientIP)  │   OpenDKIM  (Mode v)       adds A-R dkim=
//	                  │   OpenDMARC (SPF by libspf2) adds A-R spf=, dmarc=
//	                  │   both resolve only via DNS 127.x.y.z:53 (DNSAddr)
//	                  │ content_filter=spamassassin (this listener only)
//	                  ▼
//	                  pipe(8) as nobody: spamc ──► spamd 127.0.0.1:SpamdAddr
//	                  │ adds X-Spam-Status, and X-Spam-Flag: YES to spam
//	                  ▼
//	                  reinject (Perl, Net::SMTP) ──SMTP──► Postfix smtpd
//	                  │ 127.0.0.1 return listener, content_filter cleared,
//	                  │ no milters
//	                  ▼ virtual_transport = lmtp:inet:127.0.0.1:LMTPAddr
//	                  Dovecot LMTP ► sieve_before: X-Spam-Flag YES → Junk
//	                  ▼
//	                  Maildir (uid 65534) ◄──IMAP── 127.0.0.1:IMAPAddr
//
// Each [Path] is private to its test: its configuration, queue, Maildirs
// and logs live in one temporary directory, every daemon listens on
// 127.0.0.1 at a free high port (the milters' DNS server on port 53 of a
// random 127.x.y.z), and nothing can leave the machine:
// Postfix's only route off the domain is its error transport, and
// SpamAssassin runs with network tests off. Several Paths may run at the
// same time.
//
// Pitfalls met on the way, each handled here:
//   - Debian's recipe ends the spamassassin pipe in `sendmail -C DIR`, which
//     cannot reach a private instance: run by any user but root, sendmail
//     refuses DIR ("unauthorized configuration directory name") unless
//     /etc/postfix/main.cf lists it in alternate_config_directories, and
//     pipe(8) runs nothing as root. The pipe re-injects over SMTP instead
//     (see reinjectPL), which needs no change outside the temporary
//     directory.
//   - The content filter is set on the public smtpd only; in main.cf it
//     would apply to the return listener too and loop the message through
//     spamd forever.
//   - spamd binds its port seconds before it answers: ready means PONG.
//   - SpamAssassin's default report_safe 1 wraps spam in a report with the
//     original as an attachment, hiding its headers from a search by
//     header; report_safe 0 only adds headers, as providers do.
//   - `dovecot` daemonizes with the starting command's stdout and stderr
//     still open: read through a pipe, that output never reaches EOF and
//     the wait for the command hangs. Commands write to a file instead.
//   - Dovecot refuses to deliver as root: users are uid 65534, with homes
//     owned by that uid under a world-searchable temporary directory; the
//     passwd-file must be readable by the dovecot user, which runs auth.
//   - LMTP runs Sieve as the mail user, who cannot write a compiled script
//     beside the root-owned source: the script is compiled with sievec first.
//   - A queue directory inside the configuration directory makes every
//     postfix command warn about each queue directory's owner, and
//     set-permissions takes 6 s: the queue is beside etc/, and start
//     creates what it needs. Postfix reports errors only to syslog, absent
//     here: on a failed start, `postfix check` runs under script(1).
//   - This machine's DNS resolver is not on loopback: Postfix's DNS is off,
//     spamd runs with --local and dns_available no.
//   - A stopped daemon can keep its port for a moment: stopping waits for
//     each master process to exit and each port to refuse connections.
//   - The milters must not use this machine's resolver. OpenDMARC and
//     libspf2 use glibc's, which reads only /etc/resolv.conf and only
//     port 53: each milter runs under unshare(1) in a mount namespace of
//     its own, where a bind mount puts the path's resolv.conf over
//     /etc/resolv.conf (the machine's file is untouched), naming the
//     path's DNS server on port 53 of a random 127.x.y.z, one per Path.
//     libopendkim uses libunbound, configured by ResolverConfiguration to
//     forward everything there, with do-not-query-localhost off (unbound
//     skips 127.0.0.0/8 by default) and local-zone "test." nodefault
//     (unbound answers RFC 6761 names NXDOMAIN itself, never asking).
//   - libspf2 passes any client on 127.0.0.0/8 without a DNS lookup
//     ("localhost is always allowed"): Deliver claims ClientIP, a TEST-NET
//     address, with Postfix's XCLIENT, which the milters then see.
//   - OpenDKIM signs rather than verifies mail from InternalHosts, and
//     OpenDMARC skips IgnoreHosts; both default to 127.0.0.1. Both lists
//     name a TEST-NET address instead.
//   - The milters log only to syslog, absent here: they run in the
//     foreground and their error output goes to a file in Dir.
//   - libmilter notices SIGTERM only when its accept loop wakes, up to 5 s
//     later: the milters are killed once Postfix has stopped.
//   - go-msgauth's authres.Parse splits at every ';', even inside the
//     comment OpenDKIM writes, "dkim=pass (2048-bit key; unprotected)",
//     and rejects that real header: strip comments before parsing.
//
// The daemons must start as root. Start skips the test when a program is
// missing or the test is not root, except in CI (see internal/testenv),
// where it fails instead.
package mailpath

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/internal/testenv"
)

// DefaultDomain is the seed domain when Options.Domain is empty.
const DefaultDomain = "seed.test"

// MailUID is the uid and gid that Dovecot delivers and serves mail as:
// nobody.
const MailUID = 65534

// Mailbox names as Dovecot presents them over IMAP.
const (
	Inbox = "INBOX"
	Junk  = "Junk"
)

var (
	// ErrNotReady means a daemon did not accept connections in time, or
	// exited while starting.
	ErrNotReady = errors.New("mailpath: daemon did not start listening")
	// ErrNotStopped means a daemon did not exit, or did not release its
	// port, when told to stop.
	ErrNotStopped = errors.New("mailpath: daemon did not stop")
	// ErrUnexpected means a tool printed something this package does not
	// understand.
	ErrUnexpected = errors.New("mailpath: unexpected tool output")
)

// localPartRE is what a user's local part may be: it goes into Dovecot's
// passwd-file and into a directory name.
var localPartRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// Options describes the path's mailboxes.
type Options struct {
	// Users are the local parts of the mailboxes at Domain, lower-case
	// letters, digits, '.', '_' and '-'. At least one is required.
	Users []string
	// Domain is the seed domain Postfix accepts mail for. Default
	// DefaultDomain.
	Domain string
	// NoSpamFilter leaves SpamAssassin out: spamd is not started and
	// Postfix delivers straight to Dovecot, so nothing is filed into Junk.
	NoSpamFilter bool
	// Auth, when not nil, adds OpenDKIM and OpenDMARC as milters on the
	// public smtpd, resolving through an in-process DNS server that
	// serves Auth.TXT. Off by default.
	Auth *AuthOptions
}

// User is one mailbox of the path.
type User struct {
	// Address is the mailbox's address, local@Domain.
	Address string
	// Username is the IMAP login (the full address).
	Username string
	// Password is the IMAP password, random per Path.
	Password string
}

// Path is a running mail path. Its daemons are stopped, and its directory
// removed, when the test that started it ends; the directory is kept
// when the test failed.
type Path struct {
	// SMTPAddr is Postfix's smtpd, 127.0.0.1:port, accepting mail for
	// Domain from 127.0.0.0/8 without authentication.
	SMTPAddr string
	// IMAPAddr is Dovecot's IMAP, 127.0.0.1:port, plaintext, PLAIN and
	// LOGIN authentication allowed.
	IMAPAddr string
	// LMTPAddr is Dovecot's LMTP, 127.0.0.1:port, which Postfix delivers to.
	LMTPAddr string
	// SpamdAddr is spamd's 127.0.0.1:port, empty with NoSpamFilter.
	SpamdAddr string
	// AuthservID is the authserv-id of the Authentication-Results
	// headers the milters write (RFC 8601 §2.5), mx.Domain; empty without
	// Options.Auth.
	AuthservID string
	// ClientIP is the client address Deliver claims with XCLIENT, which
	// the milters see; empty without Options.Auth.
	ClientIP string
	// DNSAddr is the milters' DNS server, 127.x.y.z:53, empty without
	// Options.Auth.
	DNSAddr string
	// Domain is the seed domain.
	Domain string
	// Users are the mailboxes, in the order of Options.Users.
	Users []User
	// Dir holds each daemon's configuration, state and log.
	Dir string

	port    portSet
	took    startTimes
	postfix *postfix
	dovecot *dovecot
	spamd   *spamd
	dns     *authDNS
	dkim    *milter
	dmarc   *milter
}

// startTimes are how long each daemon took to start, for CI budgets.
type startTimes struct{ all, dovecot, postfix, spamd, milters time.Duration }

// portSet are the loopback ports the daemons listen on.
// opendkim and opendmarc are 0 when the path has no such milter.
type portSet struct{ smtp, imap, lmtp, spamd, reinject, opendkim, opendmarc int }

// binaries are the programs the path runs.
type binaries struct {
	postfix, dovecot, doveadm, sievec, spamd, spamc, perl string
	opendkim, opendmarc, unshare                          string
}

// findBinaries looks each program up, skipping or failing t when one is
// missing (testenv.Binary).
func findBinaries(t testing.TB, spam bool, auth *AuthOptions) binaries {
	t.Helper()
	b := binaries{
		postfix: testenv.Binary(t, "postfix"),
		dovecot: testenv.Binary(t, "dovecot"),
		doveadm: testenv.Binary(t, "doveadm"),
		sievec:  testenv.Binary(t, "sievec"),
	}
	if spam {
		b.spamd = testenv.Binary(t, "spamd")
		b.spamc = testenv.Binary(t, "spamc")
		b.perl = testenv.Binary(t, "perl")
	}
	if auth != nil {
		b.opendkim = testenv.Binary(t, "opendkim")
		b.unshare = testenv.Binary(t, "unshare")
		testenv.Binary(t, "mount")
		if !auth.NoDMARC {
			b.opendmarc = testenv.Binary(t, "opendmarc")
		}
	}
	return b
}

// Start starts spamd, Dovecot and Postfix (concurrently; with
// Options.Auth also the DNS server, OpenDKIM and OpenDMARC) and returns
// once each accepts TCP connections. A daemon that does not start fails
// the test with the end of its log. t.Cleanup stops them all by PID and
// checks that their ports are released.
func Start(t testing.TB, o Options) *Path {
	t.Helper()
	bins := findBinaries(t, !o.NoSpamFilter, o.Auth)
	if os.Geteuid() != 0 {
		if testenv.Required() {
			t.Fatal("postfix's master and dovecot must start as root")
		}
		t.Skip("postfix's master and dovecot must start as root")
	}
	p, err := newPath(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		begin := time.Now()
		if err := p.stop(); err != nil {
			t.Errorf("stopping the mail path: %v", err)
		}
		t.Logf("mailpath: stopped in %v", time.Since(begin).Round(time.Millisecond))
		if t.Failed() {
			t.Logf("mail path directory kept: %s", p.Dir)
			return
		}
		os.RemoveAll(p.Dir)
	})
	if err := p.start(bins); err != nil {
		t.Fatal(err)
	}
	t.Logf("mailpath: started in %v (dovecot %v, postfix %v, spamd %v, milters %v)", p.took.all.Round(time.Millisecond),
		p.took.dovecot.Round(time.Millisecond), p.took.postfix.Round(time.Millisecond), p.took.spamd.Round(time.Millisecond),
		p.took.milters.Round(time.Millisecond))
	return p
}

// newPath checks o, makes the temporary directory and picks the ports.
func newPath(o Options) (*Path, error) {
	if len(o.Users) == 0 {
		return nil, errors.New("mailpath: Options.Users is empty")
	}
	p := &Path{Domain: strings.ToLower(o.Domain)}
	if p.Domain == "" {
		p.Domain = DefaultDomain
	}
	seen := make(map[string]bool, len(o.Users))
	for _, local := range o.Users {
		if !localPartRE.MatchString(local) || seen[local] {
			return nil, fmt.Errorf("mailpath: user %q is not a distinct lower-case local part", local)
		}
		seen[local] = true
		pw := make([]byte, 12)
		rand.Read(pw)
		addr := local + "@" + p.Domain
		p.Users = append(p.Users, User{Address: addr, Username: addr, Password: hex.EncodeToString(pw)})
	}
	dir, err := os.MkdirTemp("", "mailpath-")
	if err != nil {
		return nil, err
	}
	p.Dir = dir
	// Postfix's unprivileged daemons, the filter running as nobody and
	// Dovecot's mail user all walk this path.
	if err := os.Chmod(dir, 0o755); err != nil {
		return p, err
	}
	ports, err := freePorts(7)
	if err != nil {
		return p, err
	}
	p.port = portSet{smtp: ports[0], imap: ports[1], lmtp: ports[2]}
	p.SMTPAddr = fmt.Sprintf("127.0.0.1:%d", p.port.smtp)
	p.IMAPAddr = fmt.Sprintf("127.0.0.1:%d", p.port.imap)
	p.LMTPAddr = fmt.Sprintf("127.0.0.1:%d", p.port.lmtp)
	if !o.NoSpamFilter {
		p.port.spamd, p.port.reinject = ports[3], ports[4]
		p.SpamdAddr = fmt.Sprintf("127.0.0.1:%d", p.port.spamd)
	}
	if o.Auth != nil {
		p.AuthservID = "mx." + p.Domain // Postfix's myhostname
		p.ClientIP = o.Auth.ClientIP
		if p.ClientIP == "" {
			p.ClientIP = DefaultClientIP
		}
		if ip := net.ParseIP(p.ClientIP); ip == nil || ip.To4() == nil || ip.IsLoopback() {
			return p, fmt.Errorf("mailpath: AuthOptions.ClientIP %q is not an IPv4 address off loopback", p.ClientIP)
		}
		if p.dns, err = newAuthDNS(o.Auth.TXT); err != nil {
			return p, err
		}
		p.port.opendkim = ports[5]
		if !o.Auth.NoDMARC {
			p.port.opendmarc = ports[6]
		}
	}
	return p, nil
}

// start starts the daemons concurrently (spamd only when the path has a
// spamd port); none needs another to be up to start.
func (p *Path) start(bins binaries) error {
	begin := time.Now()
	ports := p.port
	var wg sync.WaitGroup
	errs := make([]error, 4)
	wg.Go(func() {
		p.dovecot, errs[0] = startDovecot(bins, filepath.Join(p.Dir, "dovecot"), p.Domain, p.Users, ports)
		p.took.dovecot = time.Since(begin)
	})
	wg.Go(func() {
		p.postfix, errs[1] = startPostfix(bins, filepath.Join(p.Dir, "postfix"), p.Domain, p.Users, ports)
		p.took.postfix = time.Since(begin)
	})
	if ports.spamd != 0 {
		wg.Go(func() {
			p.spamd, errs[2] = startSpamd(bins.spamd, filepath.Join(p.Dir, "spamd"), ports.spamd)
			p.took.spamd = time.Since(begin)
		})
	}
	if p.dns != nil {
		wg.Go(func() {
			errs[3] = p.startAuth(bins)
			p.took.milters = time.Since(begin)
		})
	}
	wg.Wait()
	p.took.all = time.Since(begin)
	return errors.Join(errs...)
}

// stop stops the daemons concurrently, the milters once Postfix has
// stopped, then the DNS server, and reports what did not stop.
func (p *Path) stop() error {
	var wg sync.WaitGroup
	errs := make([]error, 6)
	wg.Go(func() {
		errs[0] = p.postfix.stop()
		errs[3] = p.dkim.stop()
		errs[4] = p.dmarc.stop()
	})
	wg.Go(func() { errs[1] = p.dovecot.stop() })
	wg.Go(func() { errs[2] = p.spamd.stop() })
	wg.Wait()
	errs[5] = p.dns.stop()
	return errors.Join(errs...)
}

// startAuth starts the milters' DNS server, then OpenDKIM and OpenDMARC
// concurrently.
func (p *Path) startAuth(bins binaries) error {
	if err := p.dns.start(); err != nil {
		return err
	}
	p.DNSAddr = p.dns.addr
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Go(func() {
		p.dkim, errs[0] = startMilter(bins, "opendkim", filepath.Join(p.Dir, "opendkim"), p.port.opendkim, p.AuthservID, p.dns.ip)
	})
	if p.port.opendmarc != 0 {
		wg.Go(func() {
			p.dmarc, errs[1] = startMilter(bins, "opendmarc", filepath.Join(p.Dir, "opendmarc"), p.port.opendmarc, p.AuthservID, p.dns.ip)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Log returns the end of each daemon's log, for failure messages.
func (p *Path) Log() string {
	var parts []string
	if p.postfix != nil {
		parts = append(parts, p.postfix.log())
	}
	if p.spamd != nil {
		parts = append(parts, p.spamd.log())
	}
	if p.dovecot != nil {
		parts = append(parts, p.dovecot.log())
	}
	for _, m := range []*milter{p.dkim, p.dmarc} {
		if m != nil {
			parts = append(parts, m.log())
		}
	}
	if p.dns != nil {
		parts = append(parts, "DNS questions: "+p.dns.questions())
	}
	return strings.Join(parts, "\n")
}
