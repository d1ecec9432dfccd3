package mailpath

import (
	"bytes"
	"fmt"
	"net"
	"net/textproto"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Bounds on one submission to Postfix's smtpd.
const (
	smtpCommandTimeout = 10 * time.Second
	smtpDataTimeout    = 30 * time.Second
)

// Deliver submits msg from the envelope sender from to the recipients to
// over plain SMTP to Postfix's smtpd, failing t when Postfix does not
// accept it. Lines of msg may end in LF or CRLF. Delivery into the
// mailboxes happens afterwards, asynchronously: see [Path.WaitDelivered].
func (p *Path) Deliver(t testing.TB, from string, to []string, msg []byte) {
	t.Helper()
	if err := p.submit(from, to, msg); err != nil {
		t.Fatalf("delivering to %s: %v\n%s", p.SMTPAddr, err, p.postfix.log())
	}
}

// submit is Deliver's SMTP dialogue. smtp.SendMail would insist on
// STARTTLS, which this loopback smtpd does not offer. With Options.Auth
// the dialogue begins with XCLIENT, so that the milters see the client
// as ClientIP.
func (p *Path) submit(from string, to []string, msg []byte) error {
	conn, err := net.DialTimeout("tcp", p.SMTPAddr, dialTimeout)
	if err != nil {
		return err
	}
	if p.ClientIP != "" {
		if err := xclient(conn, p.ClientIP); err != nil {
			conn.Close()
			return err
		}
	}
	c := smtp.NewClient(conn)
	defer c.Close()
	c.CommandTimeout = smtpCommandTimeout
	c.SubmissionTimeout = smtpDataTimeout
	if err := c.Hello("client.mailpath.test"); err != nil {
		return err
	}
	if err := c.SendMail(from, to, bytes.NewReader(msg)); err != nil {
		return err
	}
	return c.Quit()
}

// xclient tells Postfix's smtpd that the client on conn is ip, with
// Postfix's XCLIENT extension (XCLIENT_README). smtpd answers XCLIENT
// with the 220 greeting of a new session, left unread here for go-smtp's
// client, which then fails on any other reply. NAME=[UNAVAILABLE] spares
// smtpd a reverse lookup.
func xclient(conn net.Conn, ip string) error {
	conn.SetDeadline(time.Now().Add(smtpCommandTimeout))
	defer conn.SetDeadline(time.Time{})
	// Nothing is left in tc's buffer: smtpd sends nothing after the EHLO
	// reply until it has read XCLIENT.
	tc := textproto.NewConn(conn)
	if _, _, err := tc.ReadResponse(220); err != nil {
		return fmt.Errorf("greeting: %w", err)
	}
	if _, err := tc.Cmd("EHLO client.mailpath.test"); err != nil {
		return err
	}
	if _, _, err := tc.ReadResponse(250); err != nil {
		return fmt.Errorf("EHLO: %w", err)
	}
	_, err := tc.Cmd("XCLIENT ADDR=%s NAME=[UNAVAILABLE]", ip)
	return err
}

// userName returns the Dovecot login for user, which may be a login or a
// local part at the path's domain.
func (p *Path) userName(user string) string {
	if strings.Contains(user, "@") {
		return user
	}
	return user + "@" + p.Domain
}

// Count returns the number of messages in user's mailbox (for example
// [Inbox] or [Junk]), as `doveadm mailbox status messages` reports it.
// user is a login or a local part at the path's domain.
func (p *Path) Count(t testing.TB, user, mailbox string) int {
	t.Helper()
	n, err := p.dovecot.count(p.userName(user), mailbox)
	if err != nil {
		t.Fatalf("counting %s's %s: %v\n%s", user, mailbox, err, p.dovecot.log())
	}
	return n
}

// WaitDelivered waits until user's INBOX and Junk together hold n
// messages, polling doveadm, and fails t with the end of the daemons' logs
// when they hold more, or when timeout passes first. The timeout only
// bounds the wait for Postfix's queue; it decides nothing about where a
// message lands.
func (p *Path) WaitDelivered(t testing.TB, user string, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := p.Count(t, user, Inbox) + p.Count(t, user, Junk)
		switch {
		case got == n:
			return
		case got > n:
			t.Fatalf("%s's INBOX and Junk hold %d messages, want %d\n%s", user, got, n, p.Log())
		case time.Now().After(deadline):
			t.Fatalf("%s's INBOX and Junk hold %d messages after %v, want %d\n%s", user, got, timeout, n, p.Log())
		}
		time.Sleep(pollInterval)
	}
}

// Messages returns the raw messages in user's mailbox, read from its
// Maildir (new and cur), sorted by file name (Maildir names begin with
// the delivery time, to the second).
// user is a login or a local part at the path's domain.
func (p *Path) Messages(t testing.TB, user, mailbox string) [][]byte {
	t.Helper()
	dir := filepath.Join(p.dovecot.dir, "home", localPart(p.userName(user)), "Maildir")
	if mailbox != Inbox {
		dir = filepath.Join(dir, "."+mailbox) // Maildir++ folders
	}
	var names []string
	for _, sub := range []string{"new", "cur"} {
		ents, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		for _, e := range ents {
			names = append(names, filepath.Join(sub, e.Name()))
		}
	}
	sort.Slice(names, func(i, j int) bool { return filepath.Base(names[i]) < filepath.Base(names[j]) })
	msgs := make([][]byte, 0, len(names))
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(fmt.Errorf("reading %s's %s: %w", user, mailbox, err))
		}
		msgs = append(msgs, b)
	}
	return msgs
}
