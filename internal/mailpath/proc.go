package mailpath

import (
	"bytes"
	"context"
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

// Bounds on the helper's own steps. Each daemon normally starts in 1–3 s
// and stops in under 2 s; the bounds are generous for loaded CI machines.
const (
	commandTimeout = 30 * time.Second // one postfix, doveadm or sievec run
	listenTimeout  = 30 * time.Second // a daemon's listener accepting
	exitTimeout    = 15 * time.Second // a daemon's exit after it was told to stop
	dialTimeout    = 2 * time.Second
	pollInterval   = 25 * time.Millisecond
	logTailLines   = 40
)

// runCommand runs name with args under commandTimeout and returns its
// combined output; a failure carries that output. The output goes through
// a file, not a pipe: dovecot and postfix start daemons that inherit it,
// and a pipe would stay open, and Wait blocked, for as long as they run.
func runCommand(name string, args ...string) ([]byte, error) {
	f, err := os.CreateTemp("", "mailpath-out-")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = f, f
	err = cmd.Run()
	out, rerr := os.ReadFile(f.Name())
	if err == nil {
		err = rerr
	}
	if err != nil {
		return out, fmt.Errorf("%s %s: %w\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
	}
	return out, nil
}

// waitListening polls addr until it accepts a TCP connection, up to limit.
// alive, when not nil, reports whether the daemon is still running, so that
// a daemon that died at start fails at once rather than at the deadline.
func waitListening(addr string, limit time.Duration, alive func() bool) error {
	deadline := time.Now().Add(limit)
	for {
		c, err := net.DialTimeout("tcp", addr, dialTimeout)
		if err == nil {
			c.Close()
			return nil
		}
		if alive != nil && !alive() {
			return fmt.Errorf("%w: it exited before listening on %s", ErrNotReady, addr)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: nothing accepted on %s within %v (%v)", ErrNotReady, addr, limit, err)
		}
		time.Sleep(pollInterval)
	}
}

// waitClosed polls addr until it refuses connections, up to limit.
func waitClosed(addr string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		c, err := net.DialTimeout("tcp", addr, dialTimeout)
		if err != nil {
			return nil
		}
		c.Close()
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: %s still accepts connections after %v", ErrNotStopped, addr, limit)
		}
		time.Sleep(pollInterval)
	}
}

// waitExit waits up to limit for pid to exit, then kills it. It reports
// whether the process had to be killed.
func waitExit(pid int, limit time.Duration) (killed bool) {
	if pid <= 0 {
		return false
	}
	deadline := time.Now().Add(limit)
	for alive(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			return true
		}
		time.Sleep(pollInterval)
	}
	return false
}

// alive reports whether pid is a running process (not a zombie).
func alive(pid int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return syscall.Kill(pid, 0) == nil
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	return len(f) > 0 && f[0] != "Z"
}

// readPID reads a pid file, returning 0 when it is absent or malformed.
func readPID(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0
	}
	return pid
}

// freePorts returns n distinct ports on 127.0.0.1 that were free a moment
// ago. All n listeners are held open together so the ports differ.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer ln.Close()
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// logTail returns the last logTailLines lines of the file at path, for
// failure messages.
func logTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no log " + path + ": " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > logTailLines {
		lines = lines[len(lines)-logTailLines:]
	}
	return path + ":\n" + strings.Join(lines, "\n")
}

// writeFiles writes each named file into dir with mode 0644.
func writeFiles(dir string, files map[string]string) error {
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}
