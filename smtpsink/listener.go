package smtpsink

import (
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Replies to a connection over the limits, sent instead of the greeting
// (RFC 5321 §3.1: a server may answer 421 and close at once).
const (
	replyTooManyFromIP = "421 4.7.0 Too many connections from your address, try again later\r\n"
	replyTooBusy       = "421 4.3.2 Too many connections, try again later\r\n"
)

// Bounds on refusing connections: each refusal gets refuseWrite to be
// written, and at most maxRefusing are written at once; beyond that a
// connection is closed without a word.
const (
	refuseWrite = 2 * time.Second
	maxRefusing = 64
)

// writeGrace is how long after the session deadline the last reply (the
// 421 that announces the timeout) may take to be written.
const writeGrace = 5 * time.Second

// limiter counts open connections, per client address and in all.
type limiter struct {
	maxPerIP, max int

	mu    sync.Mutex
	perIP map[string]int
	total int

	refusing atomic.Int32
}

func newLimiter(maxPerIP, max int) *limiter {
	return &limiter{maxPerIP: maxPerIP, max: max, perIP: make(map[string]int)}
}

// acquire counts a new connection from key, or returns the reply that
// refuses it.
func (l *limiter) acquire(key string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.total >= l.max {
		return replyTooBusy
	}
	if l.perIP[key] >= l.maxPerIP {
		return replyTooManyFromIP
	}
	l.total++
	l.perIP[key]++
	return ""
}

func (l *limiter) release(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	if l.perIP[key]--; l.perIP[key] <= 0 {
		delete(l.perIP, key)
	}
}

// open is the number of connections open.
func (l *limiter) open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.total
}

// refuse answers reply on c and closes it, without holding up Accept.
func (l *limiter) refuse(c net.Conn, reply string) {
	if l.refusing.Add(1) > maxRefusing {
		l.refusing.Add(-1)
		c.Close()
		return
	}
	go func() {
		defer l.refusing.Add(-1)
		defer c.Close()
		if c.SetWriteDeadline(time.Now().Add(refuseWrite)) == nil {
			c.Write([]byte(reply)) //nolint:errcheck // the connection is being refused anyway
		}
	}()
}

// listener applies the connection limits and wraps each accepted
// connection in a [sessionConn].
type listener struct {
	net.Listener
	lim     *limiter
	timeout time.Duration // the session timeout
}

func (l *listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		key := addrKey(c.RemoteAddr())
		if reply := l.lim.acquire(key); reply != "" {
			l.lim.refuse(c, reply)
			continue
		}
		return newSessionConn(c, time.Now().Add(l.timeout), func() { l.lim.release(key) }), nil
	}
}

// addrKey is the client's IP address, or the whole address for
// connections that have none (pipes, Unix sockets).
func addrKey(a net.Addr) string {
	if a == nil {
		return ""
	}
	if tcp, ok := a.(*net.TCPAddr); ok {
		return tcp.AddrPort().Addr().Unmap().String()
	}
	return a.Network() + ":" + a.String()
}

// sessionConn is one client connection. It holds every read deadline to
// the session's end and every write deadline to shortly after, so that no
// session outlives SessionTimeout however often go-smtp extends its
// per-command deadlines, and it times the reply that acknowledges a
// stored message.
type sessionConn struct {
	net.Conn
	end     time.Time
	release func()
	closed  sync.Once

	// ack, when set, is the acknowledgement the next write carries.
	ack atomic.Pointer[pendingAck]
}

// pendingAck is a stored message whose 250 reply is about to be written.
type pendingAck struct {
	ack    Ack
	dataAt time.Time // when the final "." was read
	notify func(Ack)
}

func newSessionConn(c net.Conn, end time.Time, release func()) *sessionConn {
	sc := &sessionConn{Conn: c, end: end, release: release}
	// go-smtp sets its own deadlines before each command; these cover the
	// greeting and the TLS handshake.
	c.SetReadDeadline(end)                  //nolint:errcheck // a failure shows on the first read
	c.SetWriteDeadline(end.Add(writeGrace)) //nolint:errcheck // a failure shows on the first write
	return sc
}

func clampDeadline(t, limit time.Time) time.Time {
	if t.IsZero() || t.After(limit) {
		return limit
	}
	return t
}

func (c *sessionConn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

func (c *sessionConn) SetReadDeadline(t time.Time) error {
	return c.Conn.SetReadDeadline(clampDeadline(t, c.end))
}

func (c *sessionConn) SetWriteDeadline(t time.Time) error {
	return c.Conn.SetWriteDeadline(clampDeadline(t, c.end.Add(writeGrace)))
}

// Write writes b; the first write after a message was stored is its 250
// reply, which completes the pending acknowledgement.
func (c *sessionConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	if p := c.ack.Swap(nil); p != nil {
		p.ack.Latency = time.Since(p.dataAt)
		p.ack.Err = err
		p.notify(p.ack)
	}
	return n, err
}

func (c *sessionConn) Close() error {
	err := c.Conn.Close()
	c.closed.Do(c.release)
	return err
}
