package rules

import "testing"

func TestFolderRoleOf(t *testing.T) {
	tests := []struct {
		name     string
		attrs    []string
		provider string
		want     FolderRole
	}{
		{"INBOX", nil, "", RoleInbox},
		{"Inbox", nil, "", RoleInbox},
		{"Whatever", []string{`\HasNoChildren`, `\Junk`}, "", RoleJunk},  // SPECIAL-USE wins over the name
		{"Spam", []string{`\Trash`}, "", RoleTrash},                      // even a misleading one
		{"[Gmail]/Spam", []string{`\HasNoChildren`}, "google", RoleJunk}, // the provider's name
		{"[Gmail]/All Mail", []string{`\HasNoChildren`}, "google", RoleArchive},
		{"[Gmail]/Sent Mail", nil, "google", RoleSent},
		{"Junk Email", nil, "microsoft", RoleJunk},
		{"Bulk", nil, "yahoo", RoleJunk},
		{"Bulk Mail", nil, "", RoleJunk},
		{"Spamverdacht", nil, "gmx", RoleJunk},
		{"INBOX.Spam", nil, "", RoleJunk}, // Courier-style hierarchy
		{"INBOX/Junk", nil, "", RoleJunk},
		{"Courrier indésirable", nil, "", RoleJunk},
		{"Correo no deseado", nil, "", RoleJunk},
		{"迷惑メール", nil, "", RoleJunk},
		{"Нежелательная почта", nil, "", RoleJunk},
		{"Deleted Items", nil, "microsoft", RoleTrash},
		{"Drafts", nil, "", RoleDrafts},
		{"Receipts", nil, "", RoleOther},
		{"Spam reports from customers", nil, "", RoleOther}, // a user's folder that only mentions spam
		{"Junkyard", nil, "", RoleOther},
	}
	for _, tt := range tests {
		if got := FolderRoleOf(tt.name, tt.attrs, tt.provider); got != tt.want {
			t.Errorf("FolderRoleOf(%q, %v, %q) = %s, want %s", tt.name, tt.attrs, tt.provider, got, tt.want)
		}
	}
}

// TestEveryProviderJunkFolderIsJunk: the junk folder names of every
// mailbox provider, and their aliases, are recognised for that provider.
func TestEveryProviderJunkFolderIsJunk(t *testing.T) {
	for _, p := range Providers() {
		for _, n := range append([]string{p.JunkFolder}, p.JunkAliases...) {
			if n == "" {
				continue
			}
			if got := FolderRoleOf(n, nil, p.ID); got != RoleJunk {
				t.Errorf("%s: folder %q is %s, want junk", p.ID, n, got)
			}
		}
	}
}

func TestSearchOrder(t *testing.T) {
	order := []FolderRole{RoleInbox, RoleJunk, RoleOther, RoleArchive, RoleTrash}
	for i := 1; i < len(order); i++ {
		if SearchOrder(order[i-1]) >= SearchOrder(order[i]) {
			t.Errorf("%s is not searched before %s", order[i-1], order[i])
		}
	}
	for _, r := range []FolderRole{RoleSent, RoleDrafts} {
		if SearchOrder(r) >= 0 {
			t.Errorf("%s folders are searched", r)
		}
	}
}
