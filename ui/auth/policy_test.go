package auth

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckPassword(t *testing.T) {
	tests := []struct {
		name, password string
		want           string // part of the error; "" for accepted
	}{
		{"alice", "correct horse battery", ""},
		{"alice", "Tr0ub4dor&3xyz", ""},
		{"alice", "ünïcödé pässwörd", ""},
		{"alice", "123456789012", ""}, // 9 → 0 breaks the run
		{"alice", "short pw", "at least 12 characters"},
		{"alice", "ééééé", "at least 12 characters"},
		{"alice", strings.Repeat("x", 1025), "at most 1024 bytes"},
		{"alice", strings.Repeat("é", 513), "at most 1024 bytes"},
		{"alice", strings.Repeat("a", 12), "repeats one character"},
		{"alice", strings.Repeat("ab", 8), "short pattern"},
		{"alice", strings.Repeat("abcd", 4), "short pattern"},
		{"alice", "abcdefghijklm", "consecutive"},
		{"alice", "987654321098", ""},
		{"alice", "9876543210/.", "consecutive"},
		{"alice", "my name is ALICE!", "user name"},
		{"al", "al is my friend", ""},
		{"alice", "tab\tin the middle", "control characters"},
		{"alice", "bad utf8 \xff\xfe here", "UTF-8"},
	}
	for _, tt := range tests {
		err := CheckPassword(tt.name, tt.password)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("CheckPassword(%q) = %v; want accepted", tt.password, err)
		case tt.want != "" && (!errors.Is(err, ErrWeakPassword) || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("CheckPassword(%q) = %v; want ErrWeakPassword saying %q", tt.password, err, tt.want)
		case err != nil && len(tt.password) > 3 && strings.Contains(err.Error(), tt.password):
			t.Errorf("CheckPassword error %q quotes the password", err)
		}
	}
}

func TestNormalizeName(t *testing.T) {
	for in, want := range map[string]string{
		"Alice": "alice", "bob.smith@example.com": "bob.smith@example.com", "a_b-c": "a_b-c",
		"": "", "has space": "", "ünï": "", strings.Repeat("a", 65): "", "semi;colon": "",
	} {
		got, err := normalizeName(in)
		if got != want || (want == "") != errors.Is(err, ErrInvalidName) {
			t.Errorf("normalizeName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
