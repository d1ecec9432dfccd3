package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/codeprobe/codeprobe/diagnose"
	"github.com/codeprobe/codeprobe/rules"
	"golang.org/x/term"
)

// runBulk checks every address of a list — one a line, or a CSV with an
// email column — with bounded concurrency, and prints the reports in input
// order as they complete. Memory stays bounded whatever the list's length:
// at most a window of concurrency×4 addresses is in flight or waiting to
// be printed.
//
// When ctx ends (Ctrl-C) or a write fails, reading stops, the addresses
// already taken are drained without being printed (a report built on a
// cancelled context would be made up), and the run ends with exit status 2.
func runBulk(ctx context.Context, checker *diagnose.Checker, sender *diagnose.SenderReport, f checkFlags, stdin io.Reader, out reportWriter, stderr io.Writer) error {
	parent := ctx
	in, total, closeIn, err := openList(f.file, stdin, stderr)
	if err != nil {
		return err
	}
	defer closeIn()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type job struct {
		addr string
		done chan *diagnose.Report
	}
	jobs := make(chan *job)
	order := make(chan *job, f.concurrency*4)
	var readErr error
	go func() {
		defer close(jobs)
		defer close(order)
		readErr = readAddresses(in, func(addr string) bool {
			j := &job{addr: addr, done: make(chan *diagnose.Report, 1)}
			select {
			case order <- j:
			case <-ctx.Done():
				return false
			}
			// A job on order must reach a worker, or the printer would
			// wait for it forever; the workers run until jobs is closed.
			jobs <- j
			return ctx.Err() == nil
		})
	}()
	var wg sync.WaitGroup
	for range f.concurrency {
		wg.Go(func() {
			for j := range jobs {
				r := checker.Check(ctx, j.addr)
				r.Sender = sender
				j.done <- r
			}
		})
	}

	var done atomic.Int64
	stopProgress := startProgress(stderr, &done, total)
	found := false
	var writeErr error
	for j := range order {
		r := <-j.done
		if writeErr != nil || ctx.Err() != nil {
			continue
		}
		if writeErr = out.write(r); writeErr != nil {
			cancel()
			continue
		}
		found = found || r.Worst() == rules.Fail
		done.Add(1)
	}
	wg.Wait()
	stopProgress()
	closeErr := out.close()
	switch {
	case writeErr != nil:
		return &exitError{code: 2, err: writeErr}
	case parent.Err() != nil:
		return &exitError{code: 2, err: fmt.Errorf("interrupted after %d addresses", done.Load())}
	case closeErr != nil:
		return &exitError{code: 2, err: closeErr}
	}
	if readErr != nil {
		return &exitError{code: 2, err: readErr}
	}
	if found {
		return errFound
	}
	return nil
}

// openList opens the address list (- is stdin) and, when progress is
// shown, counts its lines for the bar's total (-1: unknown).
func openList(path string, stdin io.Reader, stderr io.Writer) (io.Reader, int64, func(), error) {
	if path == "-" {
		return stdin, -1, func() {}, nil
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, 0, nil, usageError("%v", err)
	}
	total := int64(-1)
	if progressShown(stderr) {
		total = countLines(path)
	}
	return fh, total, func() { fh.Close() }, nil
}

// readAddresses calls emit for each address of the input, stopping early
// when emit returns false. The input is one address a line (blank lines and
// lines starting with # are skipped), or CSV when its first line is a CSV
// header with an "email" column.
func readAddresses(in io.Reader, emit func(string) bool) error {
	br := bufio.NewReaderSize(in, 64<<10)
	first, err := br.Peek(4096)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return err
	}
	head, _, _ := strings.Cut(string(first), "\n")
	if col := emailColumn(head); col >= 0 {
		return readCSV(br, col, emit)
	}
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !emit(line) {
			return nil
		}
	}
	return sc.Err()
}

// emailColumn returns the index of the "email" column of a CSV header
// line, or -1 when the line is not such a header.
func emailColumn(line string) int {
	line = strings.TrimSpace(strings.TrimPrefix(line, "\ufeff"))
	if !strings.Contains(line, ",") && !strings.EqualFold(strings.Trim(line, `"`), "email") {
		return -1
	}
	fields, err := csv.NewReader(strings.NewReader(line)).Read()
	if err != nil {
		return -1
	}
	for i, f := range fields {
		switch strings.ToLower(strings.TrimSpace(f)) {
		case "email", "e-mail", "email_address", "address":
			return i
		}
	}
	return -1
}

func readCSV(r io.Reader, col int, emit func(string) bool) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	if _, err := cr.Read(); err != nil { // the header
		return err
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading CSV: %w", err)
		}
		if col >= len(rec) || strings.TrimSpace(rec[col]) == "" {
			continue
		}
		if !emit(strings.TrimSpace(rec[col])) {
			return nil
		}
	}
}

// progressShown reports whether stderr is a terminal, where progress is
// shown.
func progressShown(stderr io.Writer) bool {
	fh, ok := stderr.(*os.File)
	return ok && term.IsTerminal(int(fh.Fd()))
}

// countLines counts the lines of a file, for the progress bar's total (a
// header line included: the bar is a guide, not a count). It reads in
// constant memory; -1 when the file cannot be read.
func countLines(path string) int64 {
	fh, err := os.Open(path)
	if err != nil {
		return -1
	}
	defer fh.Close()
	var n int64
	buf := make([]byte, 64<<10)
	for {
		k, err := fh.Read(buf)
		n += int64(bytes.Count(buf[:k], []byte{'\n'}))
		if err != nil {
			return n
		}
	}
}

// startProgress shows a progress bar (or, without a known total, a count)
// and the rate on stderr when it is a terminal, until the returned
// function is called.
func startProgress(stderr io.Writer, done *atomic.Int64, total int64) func() {
	if !progressShown(stderr) {
		return func() {}
	}
	stop := make(chan struct{})
	finished := make(chan struct{})
	start := time.Now()
	show := func() {
		n := done.Load()
		rate := float64(n) / time.Since(start).Seconds()
		if total > 0 {
			frac := min(float64(n)/float64(total), 1)
			bar := strings.Repeat("█", int(frac*30)) + strings.Repeat("░", 30-int(frac*30))
			fmt.Fprintf(stderr, "\r\033[K%s %3.0f%% %d/%d addresses (%.0f/s)", bar, frac*100, n, total, rate)
			return
		}
		fmt.Fprintf(stderr, "\r\033[Kchecked %d addresses (%.0f/s)", n, rate)
	}
	go func() {
		defer close(finished)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				show()
			case <-stop:
				show()
				fmt.Fprintln(stderr)
				return
			}
		}
	}()
	return func() { close(stop); <-finished }
}
