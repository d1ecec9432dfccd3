package imapprobe

import (
	"bufio"
	"cmp"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/codeprobe/codeprobe/testcode"
)

// GmailPlacement is the Gmail category tab a found message is in and its
// Gmail labels, read with Gmail's IMAP extensions (X-GM-EXT-1: FETCH
// X-GM-LABELS, SEARCH X-GM-RAW), which go-imap cannot send.
type GmailPlacement struct {
	// Category is "primary", "social", "promotions", "updates" or "forums".
	Category string `json:"category"`
	// Labels are the message's labels as the server sent them, system
	// labels with their backslash (\Inbox, \Important).
	Labels []string `json:"labels,omitempty"`
}

// gmailCategories are the tabs other than primary, in the order searched.
var gmailCategories = []string{"social", "promotions", "updates", "forums"}

// Bounds on what a server may send, so that a hostile one cannot make the
// probe hold more than about a megabyte.
const (
	gmailMaxLine    = 64 << 10  // one response line, CRLF excluded
	gmailMaxLiteral = 64 << 10  // one literal {n}
	gmailMaxResp    = 256 << 10 // one response with its literals
	gmailMaxLabels  = 1000      // items of one parenthesised list
	gmailMaxDepth   = 8         // nesting of parenthesised lists
)

// gmailCategory logs in on conn and tells which Gmail category tab the
// message with token (in folder) is in, and its labels. conn is a new,
// TLS-wrapped connection whose greeting has not been read; the caller
// closes it. Each command has step to finish (0 means 30 s). It returns
// nil, nil when folder holds no message with token.
func gmailCategory(conn net.Conn, a *Account, folder, token string, step time.Duration) (*GmailPlacement, error) {
	if !testcode.ValidToken(token) {
		return nil, fmt.Errorf("%w: %q is not a send token", ErrConfig, token)
	}
	g := &gmailConn{conn: conn, r: newGmailReader(conn), step: cmp.Or(max(step, 0), 30*time.Second)}
	err := g.open(a, folder)
	var uid uint32
	if err == nil {
		uid, err = g.search("HEADER " + testcode.TokenHeader + " " + token)
	}
	var p *GmailPlacement
	if err == nil && uid != 0 {
		p, err = g.placement(uid)
	}
	if err != nil {
		return nil, err
	}
	_ = g.cmd(nil, "LOGOUT") // the result is known: a failure here is of no interest
	return p, nil
}

// placement fetches the labels of the message with UID uid, and searches
// each category tab for it: one that finds it is its tab, else primary.
func (g *gmailConn) placement(uid uint32) (*GmailPlacement, error) {
	id, p := strconv.FormatUint(uint64(uid), 10), &GmailPlacement{Category: "primary"}
	err := g.cmd(func(ln *gmailLine) error {
		f, err := ln.fetch()
		if f.hasLabels && (f.uid == uid || f.uid == 0) {
			p.Labels = f.labels
		}
		return err
	}, "UID FETCH "+id+" (X-GM-LABELS)")
	for _, c := range gmailCategories {
		var hit uint32
		if err == nil {
			hit, err = g.search("UID " + id + " X-GM-RAW \"category:" + c + "\"")
		}
		if hit == uid {
			p.Category = c
			break
		}
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// search runs UID SEARCH (RFC 9051 §6.4.4) and returns the highest UID
// found, or 0.
func (g *gmailConn) search(criteria string) (uint32, error) {
	var newest uint32
	err := g.cmd(func(ln *gmailLine) error {
		u, err := ln.newestUID()
		newest = max(newest, u)
		return err
	}, "UID SEARCH "+criteria)
	return newest, err
}

// gmailConn is one raw IMAP exchange (RFC 9051 §2.2): tagged commands,
// each under its own deadline, and bounded responses.
type gmailConn struct {
	conn    net.Conn
	r       *bufio.Reader
	step    time.Duration
	tag     int
	secrets []string // redacted from any server text put in an error
}

// gmailReply is the server's tagged NO or BAD to a command (RFC 9051
// §7.1.2, §7.1.3); it is an ErrProtocol.
type gmailReply struct{ cmd, status, text string }

func (e *gmailReply) Error() string {
	return fmt.Sprintf("%v: %s: %s %.200q", ErrProtocol, e.cmd, e.status, e.text)
}

func (e *gmailReply) Unwrap() error { return ErrProtocol }

// open reads the greeting (RFC 9051 §7.1.1, §7.1.4, §7.1.5), logs in
// unless it is PREAUTH, and selects folder read-only. It asks for UTF-8
// names and labels (RFC 6855) first; a server without UTF8=ACCEPT says
// BAD, which is of no matter to an ASCII name.
func (g *gmailConn) open(a *Account, folder string) error {
	_ = g.conn.SetDeadline(time.Now().Add(g.step))
	ln, err := g.read("greeting")
	switch {
	case err != nil:
		return err
	case ln.tag != "*" || ln.kind != "OK" && ln.kind != "PREAUTH":
		return fmt.Errorf("%w: greeting %s %.200q", ErrProtocol, ln.kind, ln.text())
	case ln.kind == "OK":
		if err := g.login(a); err != nil {
			return err
		}
	}
	if err := g.cmd(nil, "ENABLE UTF8=ACCEPT"); err != nil && !errors.As(err, new(*gmailReply)) {
		return err
	}
	name, lits := gmailString(folder, "")
	return g.cmd(nil, "EXAMINE "+name, lits...)
}

// login authenticates with LOGIN, or with AUTHENTICATE PLAIN (RFC 4616)
// or XOAUTH2 and an initial response (RFC 4959). A NO is ErrAuth too.
func (g *gmailConn) login(a *Account) error {
	var err error
	switch a.Auth {
	case "", AuthLogin:
		user, ulit := gmailString(a.Username, `"\`)
		pass, plit := gmailString(a.Password.Reveal(), `"\`)
		g.secrets = append(g.secrets, a.Password.Reveal())
		err = g.cmd(nil, "LOGIN "+user+" "+pass, append(ulit, plit...)...)
	case AuthPlain:
		g.secrets = append(g.secrets, a.Password.Reveal(), gmailB64("\x00"+a.Username+"\x00"+a.Password.Reveal()))
		err = g.cmd(nil, "AUTHENTICATE PLAIN "+g.secrets[1])
	case AuthOAuthBearer, AuthXOAuth2:
		if a.Tokens == nil {
			return fmt.Errorf("%w %q: %s needs a token source", ErrConfig, a.Name, a.Auth)
		}
		ctx, cancel := context.WithTimeout(context.Background(), g.step)
		tok, terr := a.Tokens.Token(ctx)
		cancel()
		if terr != nil {
			return fmt.Errorf("%w: getting a token for %s: %w", ErrAuth, a.Name, terr)
		}
		g.secrets = append(g.secrets, tok.Reveal(), gmailB64("user="+a.Username+"\x01auth=Bearer "+tok.Reveal()+"\x01\x01"))
		err = g.cmd(nil, "AUTHENTICATE XOAUTH2 "+g.secrets[1])
	default:
		return fmt.Errorf("%w %q: Gmail categories need LOGIN, PLAIN or XOAUTH2, not %q", ErrConfig, a.Name, a.Auth)
	}
	if r := (*gmailReply)(nil); errors.As(err, &r) && r.status == "NO" {
		return fmt.Errorf("%w: %s as %s: %w", ErrAuth, a.Name, a.Username, err)
	}
	return err
}

func gmailB64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// cmd sends one command and reads responses up to its tagged reply, all
// before the step deadline. Each NUL in line stands for the next of lits,
// sent as a synchronising literal (RFC 9051 §4.3) once the server asks
// for it. Untagged responses go to on (if not nil); the rest are skipped
// whole, literals included. A continuation request to AUTHENTICATE gets
// an empty response, which cancels the exchange (RFC 9051 §6.2.2).
func (g *gmailConn) cmd(on func(*gmailLine) error, line string, lits ...string) error {
	g.tag++
	tag := "a" + strconv.Itoa(g.tag)
	verb, _, _ := strings.Cut(line, " ")
	_ = g.conn.SetDeadline(time.Now().Add(g.step))
	parts := strings.Split(tag+" "+line, "\x00")
	for i, lit := range lits {
		if err := g.write(verb, parts[i]+"{"+strconv.Itoa(len(lit))+"}\r\n"); err != nil {
			return err
		}
		if err := g.until(tag, verb, on, false); err != nil {
			return err
		}
		parts[i+1] = lit + parts[i+1]
	}
	if err := g.write(verb, parts[len(lits)]+"\r\n"); err != nil {
		return err
	}
	return g.until(tag, verb, on, true)
}

// until reads responses to the command tagged tag until its tagged reply
// (final) or a continuation request (!final).
func (g *gmailConn) until(tag, verb string, on func(*gmailLine) error, final bool) error {
	for {
		ln, err := g.read(verb)
		switch {
		case err != nil:
			return err
		case ln.tag == "+" && !final:
			return nil
		case ln.tag == "+" && verb == "AUTHENTICATE":
			if err := g.write(verb, "\r\n"); err != nil {
				return err
			}
		case ln.tag == "+":
			return fmt.Errorf("%w: %s: unexpected continuation request", ErrProtocol, verb)
		case ln.tag == "*" && ln.kind == "BYE" && verb != "LOGOUT":
			return fmt.Errorf("%w: %s: server closing: %.200q", ErrProtocol, verb, g.redact(ln.text()))
		case ln.tag == "*" && on != nil:
			if err := on(ln); err != nil {
				return fmt.Errorf("%s: %w", verb, err)
			}
		case ln.tag == "*":
		case ln.tag != tag:
			return fmt.Errorf("%w: %s: reply tagged %.20q, not %s", ErrProtocol, verb, ln.tag, tag)
		case ln.kind != "OK" || !final:
			return &gmailReply{cmd: verb, status: ln.kind, text: g.redact(ln.text())}
		default:
			return nil
		}
	}
}

func (g *gmailConn) write(verb, s string) error {
	if _, err := io.WriteString(g.conn, s); err != nil {
		return g.fail(verb, err)
	}
	return nil
}

func (g *gmailConn) read(verb string) (*gmailLine, error) {
	resp, err := readGmailResp(g.r)
	if err != nil {
		return nil, g.fail(verb, err)
	}
	return parseGmailLine(resp)
}

// fail classifies an I/O error: a passed deadline is ErrTimeout, anything
// else (a closed connection, an overlong line) ErrProtocol.
func (g *gmailConn) fail(verb string, err error) error {
	if ne := net.Error(nil); errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("%w: %s (step %v)", ErrTimeout, verb, g.step)
	} else if errors.Is(err, ErrProtocol) {
		return fmt.Errorf("%s: %w", verb, err)
	}
	return fmt.Errorf("%w: %s: %w", ErrProtocol, verb, err)
}

// redact removes the credentials from server text, should it echo them.
func (g *gmailConn) redact(s string) string {
	for _, sec := range g.secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, redacted)
		}
	}
	return s
}

// gmailString encodes s as a quoted string (RFC 9051 §4.3), or as a NUL
// standing for a literal where it holds a control or 8-bit byte or one
// of literal (credentials go as literals rather than with '"' and '\'
// escaped, which some servers undo wrongly).
func gmailString(s, literal string) (string, []string) {
	if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r > 0x7e || strings.ContainsRune(literal, r) }) {
		return "\x00", []string{s}
	}
	return gmailQuote(s), nil
}

// gmailQuote makes a quoted string, escaping '"' and '\'.
func gmailQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// capGmail is the capability of Gmail's IMAP extensions.
const capGmail = "X-GM-EXT-1"

// GmailCategory tells which of Gmail's inbox tabs (primary, social,
// promotions, updates, forums) the found message is in, and its labels,
// over a second connection: go-imap cannot send Gmail's extensions
// (X-GM-RAW, X-GM-LABELS). It returns nil, nil where the server lacks
// X-GM-EXT-1, for a message outside the inbox (tabs exist only there),
// and for accounts using STARTTLS (Gmail offers implicit TLS only).
func (s *Session) GmailCategory(f *Found, token string) (*GmailPlacement, error) {
	if !s.caps.Has(capGmail) || f.Kind != Inbox {
		return nil, nil
	}
	mode, _ := ParseTLSMode(string(s.acct.TLS))
	if mode == TLSStartTLS {
		return nil, nil
	}
	raw, ip, err := s.connect()
	if err != nil {
		return nil, err
	}
	defer raw.Close()
	stop := context.AfterFunc(s.ctx, func() { raw.Close() })
	defer stop()
	var conn net.Conn = raw
	switch {
	case mode == TLSImplicit:
		tc := tls.Client(raw, s.tlsConfig())
		hctx, cancel := context.WithTimeout(s.ctx, s.opts.stepTimeout())
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("%w: TLS handshake for Gmail's categories: %w", ErrProtocol, err)
		}
		conn = tc
	case !ip.IsLoopback() && !s.opts.AllowPlaintext:
		return nil, fmt.Errorf("%w: %s is not loopback", ErrPlaintext, s.acct.addr())
	}
	g, err := gmailCategory(conn, s.acct, f.Folder, token, s.opts.stepTimeout())
	if err == nil && g != nil {
		s.step("Gmail category: %s", g.Category)
	}
	return g, err
}
