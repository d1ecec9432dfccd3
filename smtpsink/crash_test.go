package smtpsink

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/codeprobe/codeprobe/store"
)

// childEnv makes the test binary a sink serving the database it names:
// see TestMain and TestNoAcknowledgedMessageLost.
const childEnv = "CODEPROBE_SMTPSINK_CHILD_DB"

func TestMain(m *testing.M) {
	if db := os.Getenv(childEnv); db != "" {
		os.Exit(runChild(db))
	}
	os.Exit(m.Run())
}

// runChild serves a sink on 127.0.0.1:0 over the SQLite database at db,
// prints "ADDR host:port", and serves until killed.
func runChild(db string) int {
	st, err := store.OpenSQLite(db, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	srv, err := New(Options{Domains: []string{sinkDomain}, Store: st, MaxConnsPerIP: 100})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	fmt.Printf("ADDR %s\n", ln.Addr())
	fmt.Fprintln(os.Stderr, srv.Serve(ln))
	return 1
}

// startChild runs the sink in a child process and returns it and its
// address.
func startChild(t *testing.T, db string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+db)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	addrc := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		addrc <- strings.TrimSpace(strings.TrimPrefix(line, "ADDR "))
		io.Copy(io.Discard, out)
	}()
	select {
	case addr := <-addrc:
		if addr == "" {
			t.Fatalf("child did not start: %s", stderr.String())
		}
		return cmd, addr
	case <-time.After(testDeadline):
		t.Fatalf("child did not start in time: %s", stderr.String())
	}
	return nil, ""
}

// TestNoAcknowledgedMessageLost sends messages from several connections
// to a sink in a child process, kills the child with SIGKILL in the middle
// of the stream, and checks that every message that got its 250 is in the
// database with its exact bytes.
func TestNoAcknowledgedMessageLost(t *testing.T) {
	for round := range 3 {
		t.Run(fmt.Sprint("round", round), crashRound)
	}
}

func crashRound(t *testing.T) {
	db := filepath.Join(t.TempDir(), "sink.db")
	cmd, addr := startChild(t, db)

	const senders = 8
	killAt := int64(100 + rand.IntN(300))
	var (
		mu      sync.Mutex
		acked   = map[string][]byte{} // token → message
		ackN    atomic.Int64
		killed  = make(chan struct{})
		killErr error
		once    sync.Once
		wg      sync.WaitGroup
	)
	kill := func() {
		once.Do(func() {
			killErr = cmd.Process.Kill() // SIGKILL: no chance to flush anything
			close(killed)
		})
	}
	for i := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), uint64(killAt)))
			for {
				select {
				case <-killed:
					return
				default:
				}
				if err := sendBatch(addr, rng, func(token string, msg []byte) {
					mu.Lock()
					acked[token] = msg
					mu.Unlock()
					if ackN.Add(1) == killAt {
						kill()
					}
				}); err != nil {
					// The child died (or refused us for a moment):
					// start again unless it was killed.
					select {
					case <-killed:
						return
					default:
					}
				}
			}
		}()
	}
	wg.Wait()
	if killErr != nil {
		t.Fatal(killErr)
	}
	cmd.Wait()

	st, err := store.OpenSQLite(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	mu.Lock()
	defer mu.Unlock()
	if int64(len(acked)) < killAt {
		t.Fatalf("only %d messages acknowledged, want at least %d", len(acked), killAt)
	}
	stored := 0
	for token, msg := range acked {
		list, err := st.ReturnsByToken(context.Background(), token, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 {
			t.Errorf("acknowledged message %s: %d returns in the database, want 1", token, len(list))
			continue
		}
		r, err := st.Return(context.Background(), list[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(r.Raw, msg) {
			t.Errorf("acknowledged message %s: stored bytes differ (%d stored, %d sent)", token, len(r.Raw), len(msg))
			continue
		}
		stored++
	}
	t.Logf("killed after %d acknowledgements; %d acknowledged messages all found intact", killAt, stored)
}

// sendBatch sends messages over one connection until it fails, calling
// acked for each that got 250.
func sendBatch(addr string, rng *rand.Rand, acked func(token string, msg []byte)) error {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	conn.SetDeadline(time.Now().Add(testDeadline))
	c := smtp.NewClient(conn)
	defer c.Close()
	if err := c.Hello("crash-test.example"); err != nil {
		return err
	}
	for range 50 {
		token := randomToken(rng)
		msg := randomMessage(rng, token)
		if err := c.SendMail("", []string{bounceAddr(token)}, bytes.NewReader(msg)); err != nil {
			return err
		}
		acked(token, msg)
	}
	return errors.New("batch done")
}

func randomToken(rng *rand.Rand) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	b := make([]byte, store.TokenLen)
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}

// randomMessage is a message of random size (up to about 40 KB) with
// random printable lines, some starting with a dot, all ending in CRLF.
func randomMessage(rng *rand.Rand, token string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: <>\r\nTo: %s\r\nX-Codeprobe-Token: %s\r\nSubject: crash test\r\n\r\n", bounceAddr(token), token)
	lines := rng.IntN(500)
	for range lines {
		if rng.IntN(10) == 0 {
			b.WriteByte('.')
		}
		n := rng.IntN(78)
		for range n {
			b.WriteByte(byte(' ' + rng.IntN(95)))
		}
		b.WriteString("\r\n")
	}
	return b.Bytes()
}
