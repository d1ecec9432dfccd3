package store_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/store"
)

// childDBEnv names the database a child process writes to; see
// TestDurabilityChild.
const childDBEnv = "CODEPROBE_STORE_DURABILITY_CHILD_DB"

// durableMessage is message i of the stream: its size and bytes follow
// from i alone, so the parent can check what the child stored. Most are
// 0.5–16.5 KiB; every 100th is 1 MiB.
func durableMessage(i int) []byte {
	var seed [32]byte
	binary.LittleEndian.PutUint64(seed[:], uint64(i))
	src := rand.NewChaCha8(seed)
	n := 512 + rand.New(src).IntN(16<<10)
	if i%100 == 99 {
		n = 1 << 20
	}
	b := make([]byte, n)
	src.Read(b)
	return b
}

// TestDurabilityChild is not a test: it is the child process of
// TestDurabilityUnderSIGKILL, run only when childDBEnv is set. It stores
// messages from 8 goroutines and prints "ack ID I" for each as soon as
// PutReturn returns, until it is killed.
func TestDurabilityChild(t *testing.T) {
	path := os.Getenv(childDBEnv)
	if path == "" {
		return
	}
	st, err := store.OpenSQLite(path, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: open:", err)
		os.Exit(3)
	}
	var next atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= 1_000_000 {
					return
				}
				id, err := st.PutReturn(context.Background(), &store.Return{HELO: strconv.Itoa(i), Raw: durableMessage(i)})
				if err != nil {
					fmt.Fprintln(os.Stderr, "child: PutReturn:", err)
					os.Exit(3)
				}
				mu.Lock()
				// One unbuffered write per acknowledgement: once it is in the
				// pipe, the parent may count on it.
				os.Stdout.WriteString(fmt.Sprintf("ack %d %d\n", id, i))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	fmt.Fprintln(os.Stderr, "child: finished without being killed")
	os.Exit(4)
}

// TestDurabilityUnderSIGKILL kills a process that is storing a stream of
// messages at a different point in each round, then checks that every
// message it acknowledged is in the database with its exact bytes, that
// everything else stored is intact too, and that the database passes
// SQLite's integrity check.
func TestDurabilityUnderSIGKILL(t *testing.T) {
	for round, killAfter := range []int{1, 200, 700, 1500, 2500} {
		t.Run(fmt.Sprintf("kill after %d acks", killAfter), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), fmt.Sprintf("durable-%d.db", round))
			acked := runAndKill(t, path, killAfter)
			if len(acked) < killAfter {
				t.Fatalf("only %d acknowledgements before the child ended", len(acked))
			}
			checkIntegrity(t, path)
			checkAcked(t, path, acked)
		})
	}
}

// runAndKill runs the child on path, SIGKILLs it after killAfter
// acknowledgements, and returns every acknowledgement it printed (ID to
// message number).
func runAndKill(t *testing.T, path string, killAfter int) map[int64]int {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestDurabilityChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childDBEnv+"="+path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[int64]int{}
	sc := bufio.NewScanner(out)
	killed := false
	for sc.Scan() {
		var id int64
		var i int
		if _, err := fmt.Sscanf(sc.Text(), "ack %d %d", &id, &i); err != nil {
			continue
		}
		if _, dup := acked[id]; dup {
			t.Errorf("ID %d acknowledged twice", id)
		}
		acked[id] = i
		if len(acked) == killAfter && !killed {
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	err = cmd.Wait()
	if !killed || err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("child ended with %v after %d acks (killed: %v); stderr:\n%s", err, len(acked), killed, stderr.String())
	}
	return acked
}

func checkIntegrity(t *testing.T, path string) {
	t.Helper()
	var result string
	if err := rawDB(t, path).QueryRow("PRAGMA integrity_check").Scan(&result); err != nil || result != "ok" {
		t.Fatalf("integrity_check = %q, %v", result, err)
	}
}

// checkAcked reopens the database and checks every acknowledged message,
// then every stored one.
func checkAcked(t *testing.T, path string, acked map[int64]int) {
	t.Helper()
	st := openFile(t, path, nil)
	for id, i := range acked {
		r, err := st.Return(t.Context(), id)
		if err != nil {
			t.Fatalf("acknowledged message %d (ID %d) lost: %v", i, id, err)
		}
		if r.HELO != strconv.Itoa(i) || !bytes.Equal(r.Raw, durableMessage(i)) {
			t.Fatalf("acknowledged ID %d holds message %s (%d bytes), want message %d", id, r.HELO, len(r.Raw), i)
		}
	}
	rows, err := rawDB(t, path).Query("SELECT id, helo, raw FROM returns")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	stored := 0
	for rows.Next() {
		var id int64
		var helo string
		var raw []byte
		if err := rows.Scan(&id, &helo, &raw); err != nil {
			t.Fatal(err)
		}
		i, err := strconv.Atoi(helo)
		if err != nil || !bytes.Equal(raw, durableMessage(i)) {
			t.Fatalf("stored ID %d (message %q) is damaged", id, helo)
		}
		stored++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d acknowledged, %d stored (the rest were in flight when killed)", len(acked), stored)
}
