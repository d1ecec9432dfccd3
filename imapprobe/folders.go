package imapprobe

import (
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"

	"github.com/codeprobe/codeprobe/rules"
)

// maxFolders bounds the folders of one account that a probe lists and
// searches: a seed is a dedicated account with a handful of folders, and
// a server answering with millions must not hold the probe up.
const maxFolders = 200

// Folder is a selectable mailbox of a seed account and what it is for.
type Folder struct {
	Name string           `json:"name"`
	Role rules.FolderRole `json:"role"`
	// SpecialUse is the RFC 6154 attribute the server marked it with, if
	// any ("\Junk"); without one the role comes from the name.
	SpecialUse string `json:"special_use,omitempty"`
}

// Folders lists the account's selectable folders (LIST "" "*", with
// RETURN (SPECIAL-USE) where the server has SPECIAL-USE, RFC 6154 §5.1,
// or LIST-EXTENDED) with their roles, in the order a search visits them:
// inbox, junk, other folders, archive, trash. Sent and drafts folders are
// left out, as are folders that cannot be selected (\Noselect,
// \NonExistent). The result is cached for the session.
func (s *Session) Folders() ([]Folder, error) {
	var data []*imap.ListData
	opts := &imap.ListOptions{}
	if s.caps.Has(imap.CapSpecialUse) || s.caps.Has(imap.CapListExtended) || s.caps.Has(imap.CapIMAP4rev2) {
		opts.ReturnSpecialUse = true
	}
	err := s.do("LIST", func() error {
		cmd := s.client.List("", "*", opts)
		for len(data) < maxFolders {
			d := cmd.Next()
			if d == nil {
				break
			}
			data = append(data, d)
		}
		return cmd.Close()
	})
	if err != nil {
		return nil, err
	}
	var out []Folder
	for _, d := range data {
		if f, ok := folderOf(d, s.acct.Provider); ok {
			out = append(out, f)
		}
	}
	slices.SortStableFunc(out, func(a, b Folder) int {
		if d := rules.SearchOrder(a.Role) - rules.SearchOrder(b.Role); d != 0 {
			return d
		}
		return s.rank(a) - s.rank(b)
	})
	var names []string
	for _, f := range out {
		names = append(names, f.Name+" ("+string(f.Role)+")")
	}
	s.step("folders: %s", strings.Join(names, ", "))
	return out, nil
}

// rank orders folders of one role: those the server marked with a
// special-use attribute first, then those named as the provider names its
// junk folder, then the rest; Wait idles on the first junk folder.
func (s *Session) rank(f Folder) int {
	switch {
	case f.SpecialUse != "":
		return 0
	case rules.ProviderJunkName(f.Name, s.acct.Provider):
		return 1
	}
	return 2
}

// folderOf names the role of one LIST answer; ok is false for folders a
// probe does not search.
func folderOf(d *imap.ListData, provider string) (Folder, bool) {
	var attrs []string
	special := ""
	for _, a := range d.Attrs {
		switch a {
		case imap.MailboxAttrNoSelect, imap.MailboxAttrNonExistent:
			return Folder{}, false
		case imap.MailboxAttrAll, imap.MailboxAttrArchive, imap.MailboxAttrDrafts,
			imap.MailboxAttrJunk, imap.MailboxAttrSent, imap.MailboxAttrTrash:
			special = string(a)
		}
		attrs = append(attrs, string(a))
	}
	f := Folder{Name: d.Mailbox, Role: rules.FolderRoleOf(d.Mailbox, attrs, provider), SpecialUse: special}
	return f, rules.SearchOrder(f.Role) >= 0
}
