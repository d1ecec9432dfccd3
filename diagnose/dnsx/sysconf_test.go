package dnsx

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseResolvConf(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		servers  []string
		timeout  time.Duration
		attempts int
	}{
		{"typical", "# generated\nsearch example.test\nnameserver 192.0.2.1\nnameserver 2001:db8::53\n",
			[]string{"192.0.2.1:53", "[2001:db8::53]:53"}, 0, 0},
		{"options", "nameserver 192.0.2.1\noptions ndots:2 timeout:3 attempts:4 rotate\n",
			[]string{"192.0.2.1:53"}, 3 * time.Second, 4},
		{"options capped as glibc does", "options timeout:99 attempts:9\n", []string{"127.0.0.1:53"}, 30 * time.Second, 5},
		{"later options win, bad values ignored", "options timeout:3\noptions timeout:x attempts:0 timeout:7\n",
			[]string{"127.0.0.1:53"}, 7 * time.Second, 0},
		{"no nameserver means the local one", "search example.test\n", []string{"127.0.0.1:53"}, 0, 0},
		{"empty file", "", []string{"127.0.0.1:53"}, 0, 0},
		{"at most three servers", "nameserver 192.0.2.1\nnameserver 192.0.2.2\nnameserver 192.0.2.3\nnameserver 192.0.2.4\n",
			[]string{"192.0.2.1:53", "192.0.2.2:53", "192.0.2.3:53"}, 0, 0},
		{"comments and junk", "nameserver 192.0.2.1 # primary\n; nameserver 192.0.2.9\nnameserver resolver.example\nnameserver\n\tnameserver\t192.0.2.2\n",
			[]string{"192.0.2.1:53", "192.0.2.2:53"}, 0, 0},
		{"scoped IPv6", "nameserver fe80::1%eth0\n", []string{"[fe80::1%eth0]:53"}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := parseResolvConf(strings.NewReader(tt.text))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(sc.servers, tt.servers) || sc.timeout != tt.timeout || sc.attempts != tt.attempts {
				t.Errorf("got %v %v %d; want %v %v %d", sc.servers, sc.timeout, sc.attempts, tt.servers, tt.timeout, tt.attempts)
			}
		})
	}
}

func TestNewFromResolvConf(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "resolv.conf")
	if err := os.WriteFile(path, []byte("nameserver 127.0.0.2\noptions timeout:1 attempts:3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		cfg      Config
		servers  []string
		timeout  time.Duration
		attempts int
	}{
		{"file's options", Config{ResolvConf: path}, []string{"127.0.0.2:53"}, time.Second, 3},
		{"config wins", Config{ResolvConf: path, Timeout: 5 * time.Second, Attempts: 1}, []string{"127.0.0.2:53"}, 5 * time.Second, 1},
		{"servers given: file unread", Config{ResolvConf: path, Servers: []string{"127.0.0.3"}}, []string{"127.0.0.3:53"}, DefaultTimeout, DefaultAttempts},
		{"missing file means the local server", Config{ResolvConf: filepath.Join(dir, "absent")}, []string{"127.0.0.1:53"}, DefaultTimeout, DefaultAttempts},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := New(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			got := r.Config()
			if !slices.Equal(got.Servers, tt.servers) || got.Timeout != tt.timeout || got.Attempts != tt.attempts {
				t.Errorf("got %v %v %d; want %v %v %d", got.Servers, got.Timeout, got.Attempts, tt.servers, tt.timeout, tt.attempts)
			}
		})
	}
	if _, err := New(Config{ResolvConf: dir}); !errors.Is(err, ErrNetwork) {
		t.Errorf("unreadable resolv.conf: %v", err)
	}
}

func TestParseServer(t *testing.T) {
	tests := []struct{ in, want string }{
		{"192.0.2.1", "192.0.2.1:53"},
		{" 192.0.2.1:5353 ", "192.0.2.1:5353"},
		{"2001:db8::1", "[2001:db8::1]:53"},
		{"[2001:db8::1]", "[2001:db8::1]:53"},
		{"[2001:db8::1]:5353", "[2001:db8::1]:5353"},
		{"[fe80::1%eth0]:53", "[fe80::1%eth0]:53"},
		{"127.0.0.1:65535", "127.0.0.1:65535"},
		{"", ""},
		{"resolver.example", ""},
		{"resolver.example:53", ""},
		{"192.0.2.1:", ""},
		{"192.0.2.1:0", ""},
		{"192.0.2.1:65536", ""},
		{"192.0.2.1:-1", ""},
		{"[192.0.2.1]", ""},
		{"[2001:db8::1", ""},
		{"2001:db8::1]:53", ""},
		{"192.0.2.1:53:53", ""},
	}
	for _, tt := range tests {
		got, err := ParseServer(tt.in)
		if got != tt.want || (err == nil) != (tt.want != "") {
			t.Errorf("ParseServer(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		if err != nil && !errors.Is(err, ErrBadServer) {
			t.Errorf("ParseServer(%q): %v is not ErrBadServer", tt.in, err)
		}
	}
}
