package mailpath

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/codeprobe/codeprobe/internal/postfixtest"
)

// spamd is a running SpamAssassin daemon, a child of the test process.
type spamd struct {
	dir    string // its home and log directory
	addr   string
	port   int
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd.Wait returns
}

// spamdArgs are spamd's flags. --local and dns_available no keep every
// rule offline (no DNSBL, Razor, Pyzor or URI lookups: this machine's
// resolver is not on loopback); Bayes is off so that results do not depend
// on what earlier tests taught it; --nouser-config ignores ~/.spamassassin;
// report_safe 0 adds headers to spam rather than wrapping it in a report.
func spamdArgs(dir string, port int) []string {
	return []string{
		"--listen=127.0.0.1:" + strconv.Itoa(port),
		"--allowed-ips=127.0.0.1",
		"--local",
		"--nouser-config",
		"--cf=use_bayes 0",
		"--cf=bayes_auto_learn 0",
		"--cf=dns_available no",
		"--cf=skip_rbl_checks 1",
		"--cf=report_safe 0",
		"--max-children=2",
		"--min-children=1",
		"--timeout-child=60",
		"--username=nobody",
		"--helper-home-dir=" + dir,
		"--syslog=" + filepath.Join(dir, "spamd.log"),
		"--pidfile=" + filepath.Join(dir, "spamd.pid"),
	}
}

// startSpamd starts spamd in the foreground as a child process listening
// on 127.0.0.1:port, and returns once it accepts connections.
func startSpamd(bin, dir string, port int) (*spamd, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	uid, gid, err := postfixtest.LookupIDs("nobody")
	if err != nil {
		return nil, fmt.Errorf("the nobody user: %w", err)
	}
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	out, err := os.Create(filepath.Join(dir, "spamd.out"))
	if err != nil {
		return nil, err
	}
	defer out.Close()
	s := &spamd{dir: dir, port: port, addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		exited: make(chan struct{})}
	s.cmd = exec.Command(bin, spamdArgs(dir, port)...)
	s.cmd.Stdout, s.cmd.Stderr = out, out
	// Its own process group: a ^C to the test run reaches the test
	// binary, whose cleanup stops spamd in order.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		s.cmd.Wait()
		close(s.exited)
	}()
	running := func() bool {
		select {
		case <-s.exited:
			return false
		default:
			return true
		}
	}
	if err := waitListening(s.addr, listenTimeout, running); err != nil {
		return s, fmt.Errorf("spamd: %w\n%s", err, s.log())
	}
	// spamd binds its socket before it has compiled its rules and forked
	// a child to answer: ready means answering PING.
	if err := s.waitPong(listenTimeout, running); err != nil {
		return s, fmt.Errorf("spamd: %w\n%s", err, s.log())
	}
	return s, nil
}

// waitPong sends the spamc protocol's PING until spamd answers PONG, up
// to limit.
func (s *spamd) waitPong(limit time.Duration, running func() bool) error {
	deadline := time.Now().Add(limit)
	var last error
	for time.Now().Before(deadline) {
		if !running() {
			return fmt.Errorf("%w: it exited before answering PING", ErrNotReady)
		}
		if last = ping(s.addr, time.Until(deadline)); last == nil {
			return nil
		}
		time.Sleep(pollInterval)
	}
	return fmt.Errorf("%w: no PONG from %s within %v (%v)", ErrNotReady, s.addr, limit, last)
}

// ping sends one PING and reads the answer, "SPAMD/1.5 0 PONG".
func ping(addr string, limit time.Duration) error {
	c, err := net.DialTimeout("tcp", addr, dialTimeout)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(limit))
	if _, err := io.WriteString(c, "PING SPAMC/1.5\r\n\r\n"); err != nil {
		return err
	}
	line, err := bufio.NewReader(io.LimitReader(c, 512)).ReadString('\n')
	if err != nil {
		return err
	}
	if f := strings.Fields(line); len(f) != 3 || !strings.HasPrefix(f[0], "SPAMD/") || f[1] != "0" || f[2] != "PONG" {
		return fmt.Errorf("%w: spamd answered PING with %q", ErrUnexpected, line)
	}
	return nil
}

// stop sends spamd SIGTERM (it stops its children and removes its pid
// file), kills it if it has not exited within exitTimeout, and checks
// that its port is released.
func (s *spamd) stop() error {
	if s == nil || s.cmd == nil || s.cmd.Process == nil {
		return nil
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(exitTimeout):
		s.cmd.Process.Kill()
		<-s.exited
		return fmt.Errorf("%w: spamd %d ignored SIGTERM for %v and was killed", ErrNotStopped, s.cmd.Process.Pid, exitTimeout)
	}
	return waitClosed(s.addr, exitTimeout)
}

// log returns the tail of spamd's log and of its own output.
func (s *spamd) log() string {
	return logTail(filepath.Join(s.dir, "spamd.log")) + "\n" + logTail(filepath.Join(s.dir, "spamd.out"))
}
