package imapprobe

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/rules"
)

func TestFindPlacement(t *testing.T) {
	srv := startSeeds(t, 1)
	tests := []struct {
		name, provider, folder string
		want                   Kind
		role                   rules.FolderRole
	}{
		{"inbox", "", "INBOX", Inbox, rules.RoleInbox},
		{"generic junk name", "", "Junk", Junk, rules.RoleJunk},
		{"gmail spam", "google", "[Gmail]/Spam", Junk, rules.RoleJunk},
		{"gmx spamverdacht", "gmx", "Spamverdacht", Junk, rules.RoleJunk},
		{"a folder of the user's", "", "Receipts", Other, rules.RoleOther},
	}
	ctx := context.Background()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := testToken[:19] + string(rune('a'+i))
			deliver(t, srv, "u1", tt.folder, message(token, "Your code"))
			opts, _ := testOptions()
			s, err := Dial(ctx, account(t, srv, "u1", tt.provider), opts)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			folders, err := s.Folders()
			if err != nil {
				t.Fatal(err)
			}
			f, err := s.Find(token, folders)
			if err != nil || f == nil {
				t.Fatalf("Find = %+v, %v", f, err)
			}
			if f.Kind != tt.want || f.Folder != tt.folder || f.Role != tt.role {
				t.Errorf("found in %q as %s/%s, want %q as %s/%s", f.Folder, f.Kind, f.Role, tt.folder, tt.want, tt.role)
			}
			if f.Size == 0 || f.Filed.IsZero() || !containsLine(f.Header, "X-Codeprobe-Token: "+token) {
				t.Errorf("found message lacks size, date or header: %+v\n%s", f, f.Header)
			}
		})
	}
	t.Run("nothing we sent", func(t *testing.T) {
		opts, _ := testOptions()
		s, err := Dial(ctx, account(t, srv, "u1", ""), opts)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		folders, _ := s.Folders()
		if f, err := s.Find("zzzzzzzzzzzzzzzzzzzz", folders); f != nil || err != nil {
			t.Errorf("Find(unknown token) = %+v, %v; want nothing", f, err)
		}
		if _, err := s.Find("not a token", folders); !errors.Is(err, ErrConfig) {
			t.Errorf("Find(bad token) = %v, want ErrConfig", err)
		}
	})
}

// TestFolderOrder: the inbox is searched first and sent or drafts folders
// never; a \Noselect parent is left out.
func TestFolderOrder(t *testing.T) {
	srv := startSeeds(t, 1)
	opts, _ := testOptions()
	s, err := Dial(context.Background(), account(t, srv, "u1", "google"), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	folders, err := s.Folders()
	if err != nil {
		t.Fatal(err)
	}
	if len(folders) == 0 || folders[0].Name != "INBOX" {
		t.Fatalf("folders = %+v, want INBOX first", folders)
	}
	last := -1
	for _, f := range folders {
		o := rules.SearchOrder(f.Role)
		if o < last {
			t.Errorf("folder %s (%s) out of order in %+v", f.Name, f.Role, folders)
		}
		last = o
	}
}

func TestTidy(t *testing.T) {
	srv := startSeeds(t, 2)
	ctx := context.Background()
	for _, tt := range []struct {
		user  string
		after AfterRead
		moved string
	}{{"u1", Delete, ""}, {"u2", Move, "Processed"}} {
		t.Run(string(tt.after), func(t *testing.T) {
			deliver(t, srv, tt.user, "INBOX", filler(1))
			deliver(t, srv, tt.user, "INBOX", message(testToken, "Your code"))
			acct := account(t, srv, tt.user, "")
			acct.AfterRead, acct.MoveTo = tt.after, tt.moved
			opts, _ := testOptions()
			res, err := Wait(ctx, acct, opts, testToken, time.Now().Add(time.Minute))
			if err != nil || res.Placement != Inbox || res.Found.TidyError != "" {
				t.Fatalf("Wait = %+v, %v", res, err)
			}
			s, err := Dial(ctx, acct, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			inbox := []Folder{{Name: "INBOX", Role: rules.RoleInbox}}
			if f, err := s.Find(testToken, inbox); f != nil || err != nil {
				t.Errorf("after %s the message is still in INBOX: %+v, %v", tt.after, f, err)
			}
			if n, _ := s.search("INBOX", "zzzzzzzzzzzzzzzzzzzz"); n != 0 {
				t.Errorf("search found a message that is not there")
			}
			if tt.moved != "" {
				if f, err := s.Find(testToken, []Folder{{Name: tt.moved, Role: rules.RoleOther}}); f == nil || err != nil {
					t.Errorf("moved message not in %s: %v", tt.moved, err)
				}
			}
		})
	}
}

func containsLine(b []byte, line string) bool {
	for len(b) > 0 {
		i := 0
		for i < len(b) && b[i] != '\n' {
			i++
		}
		l := string(b[:i])
		if len(l) > 0 && l[len(l)-1] == '\r' {
			l = l[:len(l)-1]
		}
		if l == line {
			return true
		}
		if i == len(b) {
			break
		}
		b = b[i+1:]
	}
	return false
}
