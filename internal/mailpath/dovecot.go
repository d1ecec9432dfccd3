package mailpath

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/codeprobe/codeprobe/internal/postfixtest"
)

// dovecotConf is the instance's dovecot.conf. Everything Dovecot writes is
// under {{dir}}; it listens on loopback only, in plaintext (loopback tests
// only: ssl = no, disable_plaintext_auth = no). The inbox namespace
// declares the RFC 6154 SPECIAL-USE mailboxes and creates and subscribes
// them on first access, so Sieve's fileinto "Junk" finds Junk and IMAP's
// LIST shows it with \Junk from the first login.
const dovecotConf = `protocols = imap lmtp
listen = 127.0.0.1
base_dir = {{dir}}/run
state_dir = {{dir}}/state
instance_name = {{instance}}
log_path = {{dir}}/dovecot.log
info_log_path = {{dir}}/dovecot.log
hostname = {{hostname}}
postmaster_address = postmaster@{{domain}}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
first_valid_uid = 100
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {{dir}}/users
}
userdb {
  driver = passwd-file
  args = username_format=%u {{dir}}/users
}
namespace inbox {
  inbox = yes
  separator = /
  mailbox Junk {
    special_use = \Junk
    auto = subscribe
  }
  mailbox Sent {
    special_use = \Sent
    auto = subscribe
  }
  mailbox Trash {
    special_use = \Trash
    auto = subscribe
  }
  mailbox Drafts {
    special_use = \Drafts
    auto = subscribe
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = {{imapport}}
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = {{lmtpport}}
  }
}
protocol lmtp {
  mail_plugins = $mail_plugins sieve
}
plugin {
  sieve_before = {{dir}}/before.sieve
}
`

// junkSieve files what SpamAssassin flagged into Junk (RFC 5228 §4.1
// fileinto, §5.7 header :contains), before any script of the user's.
const junkSieve = `require ["fileinto"];
if header :contains "X-Spam-Flag" "YES" {
  fileinto "Junk";
  stop;
}
`

// dovecot is a running Dovecot master.
type dovecot struct {
	dir      string
	conf     string
	bin      string // dovecot
	doveadm  string
	imapAddr string
	lmtpAddr string
}

// writeDovecotConfig writes dovecot.conf, the passwd-file and the Sieve
// script, compiles the script with sievec (LMTP runs as the mail user,
// who cannot write the compiled .svbin beside it) and makes each user's
// home, owned by the mail user (Dovecot refuses to deliver as root).
func (d *dovecot) writeConfig(sievec, domain string, users []User, ports portSet) error {
	if err := os.MkdirAll(filepath.Join(d.dir, "home"), 0o755); err != nil {
		return err
	}
	var passwd strings.Builder
	for _, u := range users {
		home := filepath.Join(d.dir, "home", localPart(u.Address))
		if err := os.Mkdir(home, 0o700); err != nil {
			return err
		}
		if err := os.Chown(home, MailUID, MailUID); err != nil {
			return err
		}
		fmt.Fprintf(&passwd, "%s:{PLAIN}%s:%d:%d::%s::\n", u.Username, u.Password, MailUID, MailUID, home)
	}
	conf := strings.NewReplacer(
		"{{dir}}", d.dir,
		"{{instance}}", filepath.Base(filepath.Dir(d.dir)), // mailpath-NNN
		"{{hostname}}", "mx."+domain,
		"{{domain}}", domain,
		"{{imapport}}", strconv.Itoa(ports.imap),
		"{{lmtpport}}", strconv.Itoa(ports.lmtp),
	).Replace(dovecotConf)
	if err := writeFiles(d.dir, map[string]string{
		"dovecot.conf": conf,
		"users":        passwd.String(),
		"before.sieve": junkSieve,
	}); err != nil {
		return err
	}
	// The passwd-file holds passwords: readable by root and by Dovecot's
	// auth process, which runs as the dovecot user.
	_, gid, err := postfixtest.LookupIDs("dovecot")
	if err != nil {
		return fmt.Errorf("the dovecot user: %w", err)
	}
	passwdFile := filepath.Join(d.dir, "users")
	if err := os.Chown(passwdFile, 0, gid); err != nil {
		return err
	}
	if err := os.Chmod(passwdFile, 0o640); err != nil {
		return err
	}
	_, err = runCommand(sievec, "-c", d.conf, filepath.Join(d.dir, "before.sieve"))
	return err
}

// startDovecot writes the configuration, starts Dovecot (it daemonizes)
// and returns once both the IMAP and the LMTP listener accept connections.
func startDovecot(bins binaries, dir, domain string, users []User, ports portSet) (*dovecot, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	d := &dovecot{dir: dir, conf: filepath.Join(dir, "dovecot.conf"), bin: bins.dovecot, doveadm: bins.doveadm,
		imapAddr: net.JoinHostPort("127.0.0.1", strconv.Itoa(ports.imap)),
		lmtpAddr: net.JoinHostPort("127.0.0.1", strconv.Itoa(ports.lmtp))}
	if err := d.writeConfig(bins.sievec, domain, users, ports); err != nil {
		return nil, fmt.Errorf("dovecot config: %w", err)
	}
	if _, err := runCommand(d.bin, "-c", d.conf); err != nil {
		return d, fmt.Errorf("dovecot: %w\n%s", err, d.log())
	}
	running := func() bool { return alive(d.pid()) }
	for _, addr := range []string{d.imapAddr, d.lmtpAddr} {
		if err := waitListening(addr, listenTimeout, running); err != nil {
			return d, fmt.Errorf("dovecot: %w\n%s", err, d.log())
		}
	}
	return d, nil
}

// pid returns the master's PID from base_dir/master.pid, or 0.
func (d *dovecot) pid() int { return readPID(filepath.Join(d.dir, "run", "master.pid")) }

// stop runs `doveadm stop`, waits for the master to exit (killing it after
// exitTimeout) and for both listeners to close.
func (d *dovecot) stop() error {
	if d == nil {
		return nil
	}
	pid := d.pid()
	if pid == 0 || !alive(pid) {
		return nil // never started, or already stopped
	}
	var errs []error
	if _, err := runCommand(d.doveadm, "-c", d.conf, "stop"); err != nil {
		errs = append(errs, err)
	}
	if waitExit(pid, exitTimeout) {
		errs = append(errs, fmt.Errorf("%w: dovecot master %d outlived doveadm stop by %v and was killed", ErrNotStopped, pid, exitTimeout))
	}
	for _, addr := range []string{d.imapAddr, d.lmtpAddr} {
		if err := waitClosed(addr, exitTimeout); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// count returns the number of messages in user's mailbox, asking doveadm
// (which opens the Maildir as the user, creating an auto mailbox if it is
// not there yet).
func (d *dovecot) count(user, mailbox string) (int, error) {
	out, err := runCommand(d.doveadm, "-c", d.conf, "-f", "flow", "mailbox", "status", "-u", user, "messages", mailbox)
	if err != nil {
		return 0, err
	}
	// One line: "MAILBOX messages=N".
	line := strings.TrimSpace(string(out))
	i := strings.LastIndex(line, "messages=")
	if i < 0 || strings.Contains(line, "\n") {
		return 0, fmt.Errorf("%w: doveadm mailbox status printed %q", ErrUnexpected, out)
	}
	v := line[i+len("messages="):]
	if i > 0 && line[:i] != mailbox+" " {
		return 0, fmt.Errorf("%w: doveadm mailbox status printed %q", ErrUnexpected, out)
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("%w: doveadm mailbox status printed %q", ErrUnexpected, out)
	}
	return n, nil
}

// log returns the tail of Dovecot's log.
func (d *dovecot) log() string { return logTail(filepath.Join(d.dir, "dovecot.log")) }

// localPart returns the part of addr before its last @.
func localPart(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return addr[:i]
	}
	return addr
}
