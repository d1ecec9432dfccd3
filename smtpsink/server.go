package smtpsink

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"

	"github.com/emersion/go-smtp"
)

// Server is the return-path SMTP sink. Create it with [New], serve one or
// more listeners with [Server.Serve], stop it with [Server.Shutdown] or
// [Server.Close]. The Store stays open: the caller closes it after the
// server.
type Server struct {
	opts    Options
	domains map[string]bool
	lim     *limiter
	smtp    *smtp.Server
	cls     *classifier
	storing gate // sessions inside Store.PutReturn

	mu     sync.Mutex
	closed bool
}

// gate counts goroutines inside a section and, once closed, keeps new
// ones out and lets Close wait for those inside.
type gate struct {
	mu     sync.Mutex
	cond   *sync.Cond
	n      int
	closed bool
}

// enter reports whether the caller may go in; it must then call leave.
func (g *gate) enter() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.n++
	return true
}

func (g *gate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.n--; g.n == 0 && g.cond != nil {
		g.cond.Broadcast()
	}
}

// closeAndWait shuts the gate and waits until nobody is inside.
func (g *gate) closeAndWait() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
	if g.cond == nil {
		g.cond = sync.NewCond(&g.mu)
	}
	for g.n > 0 {
		g.cond.Wait()
	}
}

// New checks the options and starts the classification workers, which
// first classify any message stored but not yet classified (left by a
// crash between acknowledgement and classification).
func New(opts Options) (*Server, error) {
	o, domains, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts:    o,
		domains: domains,
		lim:     newLimiter(o.MaxConnsPerIP, o.MaxConns),
	}
	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = o.Hostname
	srv.TLSConfig = o.TLSConfig
	// go-smtp's DATA reader refuses a message of exactly its limit (it
	// needs room to read the final dot), so it gets one byte more; Mail
	// and Data hold messages to MaxMessageBytes themselves. The only
	// trace is the SIZE advertised, one more than the limit.
	srv.MaxMessageBytes = o.MaxMessageBytes + 1
	srv.MaxRecipients = o.MaxRecipients
	srv.MaxLineLength = o.MaxLineLength
	srv.ReadTimeout = o.ReadTimeout
	srv.WriteTimeout = o.WriteTimeout
	srv.EnableSMTPUTF8 = true
	srv.ErrorLog = slogAdapter{o.Logger}
	s.smtp = srv
	s.cls = newClassifier(o)
	s.cls.start()
	return s, nil
}

// Serve accepts connections on ln until the server is closed, then
// returns ErrServerClosed. It closes ln.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		ln.Close()
		return ErrServerClosed
	}
	err := s.smtp.Serve(&listener{Listener: ln, lim: s.lim, timeout: s.opts.SessionTimeout})
	if err == nil {
		return ErrServerClosed
	}
	return fmt.Errorf("smtpsink: serving %s: %w", ln.Addr(), err)
}

// ListenAndServe listens on the TCP address addr and serves it.
func (s *Server) ListenAndServe(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("smtpsink: %w", err)
	}
	return s.Serve(ln)
}

// markClosed records that the server is closing; false if it already was.
func (s *Server) markClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.closed = true
	return true
}

// Close closes the listeners and every connection at once: a message
// being stored is not acknowledged (its client sends it again). Stored
// messages still waiting for classification are classified on the next
// start. Close returns once no goroutine of the server uses the Store.
func (s *Server) Close() error {
	var err error
	if s.markClosed() {
		err = s.smtp.Close()
	}
	// Stopping the classifier ends the context of every store call, so
	// the sessions inside PutReturn come out promptly.
	s.cls.stop()
	s.storing.closeAndWait()
	if errors.Is(err, smtp.ErrServerClosed) {
		err = nil
	}
	return err
}

// Shutdown stops accepting connections, waits for the open sessions to
// end and for the stored messages to be classified, then stops the
// workers. If ctx ends first it returns ctx's error and the caller should
// call Close.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.markClosed() {
		if err := s.smtp.Shutdown(ctx); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			return err
		}
	}
	if err := s.cls.drain(ctx); err != nil {
		return err
	}
	s.cls.stop()
	s.storing.closeAndWait()
	return nil
}

// newSession is the go-smtp backend: called at the first EHLO or HELO of
// a connection, and again after STARTTLS.
func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	nc := c.Conn()
	tlsOn := false
	if tc, ok := nc.(*tls.Conn); ok {
		nc, tlsOn = tc.NetConn(), true
	}
	sc, _ := nc.(*sessionConn)
	sess := &session{srv: s, conn: c, sc: sc, tls: tlsOn}
	if sc != nil {
		sess.remote = remoteAddr(sc.RemoteAddr())
	}
	sess.log = s.opts.Logger.With("remote", sess.remote.String())
	return sess, nil
}

// slogAdapter passes go-smtp's internal error log to slog.
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Printf(format string, v ...any) { a.log(fmt.Sprintf(format, v...)) }

func (a slogAdapter) Println(v ...any) { a.log(fmt.Sprint(v...)) }

// log passes a panic (a bug) as an error, and anything else (a client
// that hung up, a failed accept) as information.
func (a slogAdapter) log(msg string) {
	if strings.HasPrefix(msg, "panic") {
		a.l.Error("smtp server", "error", msg)
		return
	}
	a.l.Info("smtp server", "error", msg)
}
