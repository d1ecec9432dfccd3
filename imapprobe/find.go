package imapprobe

import (
	"fmt"
	"io"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/codeprobe/codeprobe/rules"
	"github.com/codeprobe/codeprobe/testcode"
)

// Kind is where a test message was found.
type Kind string

// The placements.
const (
	Inbox   Kind = "inbox"
	Junk    Kind = "junk"
	Other   Kind = "other"   // another folder, named in Placement.Folder
	Missing Kind = "missing" // not found by the deadline
)

// kindOf turns the role of the folder a message was found in into a
// placement.
func kindOf(r rules.FolderRole) Kind {
	switch r {
	case rules.RoleInbox:
		return Inbox
	case rules.RoleJunk:
		return Junk
	}
	return Other
}

// Found is a test message located in a seed mailbox.
type Found struct {
	Kind   Kind             `json:"placement"`
	Folder string           `json:"folder"`
	Role   rules.FolderRole `json:"folder_role"`
	// SpecialUse is the folder's RFC 6154 attribute, if the server gave
	// one ("\Junk"); without it the role comes from the folder's name.
	SpecialUse string `json:"special_use,omitempty"`
	UID        uint32 `json:"uid"`
	Size       int64  `json:"size"`
	// Filed is the server's INTERNALDATE: when the message was put in
	// the mailbox (RFC 9051 §2.3.3).
	Filed time.Time `json:"filed"`
	// Seen is when the probe found it.
	Seen time.Time `json:"seen"`
	// Header is the message's header block, up to MaxHeaderBytes.
	Header []byte `json:"-"`
	// HeaderTruncated is set when the block was longer than that.
	HeaderTruncated bool `json:"header_truncated,omitempty"`
	// Gmail is the Gmail tab and labels of a message in a Gmail inbox.
	Gmail *GmailPlacement `json:"gmail,omitempty"`
	// TidyError says why the message could not be moved or deleted
	// after reading (Account.AfterRead), if it could not.
	TidyError string `json:"tidy_error,omitempty"`
}

// Find searches the account's folders, in the order Folders gives, for
// the test message carrying token, with a server-side SEARCH on its
// X-Codeprobe-Token header (RFC 9051 §6.4.4): nothing of the mailbox is
// downloaded but the matching message's header block. It returns nil,
// nil when no folder holds the message.
func (s *Session) Find(token string, folders []Folder) (*Found, error) {
	if !testcode.ValidToken(token) {
		return nil, fmt.Errorf("%w: %q is not a send token", ErrConfig, token)
	}
	for _, f := range folders {
		uid, err := s.search(f.Name, token)
		if err != nil {
			return nil, err
		}
		if uid == 0 {
			continue
		}
		found, err := s.fetch(f, uid)
		if err != nil {
			return nil, err
		}
		s.step("found in %s (%s), UID %d", f.Name, f.Role, uid)
		return found, nil
	}
	return nil, nil
}

// search selects folder read-only (EXAMINE, so no flag changes) and
// returns the newest UID of a message with the token, or 0.
func (s *Session) search(folder, token string) (imap.UID, error) {
	if err := s.examine(folder); err != nil {
		return 0, err
	}
	crit := &imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: testcode.TokenHeader, Value: token}}}
	var data *imap.SearchData
	err := s.do("UID SEARCH in "+folder, func() error {
		var err error
		data, err = s.client.UIDSearch(crit, nil).Wait()
		return err
	})
	if err != nil {
		return 0, err
	}
	uids := data.AllUIDs()
	if len(uids) == 0 {
		return 0, nil
	}
	newest := uids[0]
	for _, u := range uids[1:] {
		newest = max(newest, u)
	}
	return newest, nil
}

// examine selects folder read-only unless it is already selected.
func (s *Session) examine(folder string) error {
	if s.selected == folder {
		return nil
	}
	err := s.do("EXAMINE "+folder, func() error {
		_, err := s.client.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait()
		return err
	})
	if err != nil {
		s.selected = ""
		return err
	}
	s.selected = folder
	return nil
}

// fetch reads the found message's INTERNALDATE, size and header block,
// reading at most MaxHeaderBytes of it whatever the server sends.
func (s *Session) fetch(f Folder, uid imap.UID) (*Found, error) {
	limit := s.opts.MaxHeaderBytes
	if limit <= 0 {
		limit = 64 << 10
	}
	section := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, Peek: true,
		Partial: &imap.SectionPartial{Offset: 0, Size: int64(limit) + 1}}
	found := &Found{Kind: kindOf(f.Role), Folder: f.Name, Role: f.Role, SpecialUse: f.SpecialUse, UID: uint32(uid),
		Seen: s.opts.now()}
	err := s.do("UID FETCH in "+f.Name, func() error {
		cmd := s.client.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{
			UID: true, InternalDate: true, RFC822Size: true, BodySection: []*imap.FetchItemBodySection{section},
		})
		for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
			if err := readFetched(msg, found, limit); err != nil {
				cmd.Close()
				return err
			}
		}
		return cmd.Close()
	})
	if err != nil {
		return nil, err
	}
	return found, nil
}

// readFetched fills found from one FETCH response.
func readFetched(msg *imapclient.FetchMessageData, found *Found, limit int) error {
	for item := msg.Next(); item != nil; item = msg.Next() {
		switch it := item.(type) {
		case imapclient.FetchItemDataInternalDate:
			found.Filed = it.Time
		case imapclient.FetchItemDataRFC822Size:
			found.Size = it.Size
		case imapclient.FetchItemDataBodySection:
			if it.Literal == nil {
				continue
			}
			b, err := io.ReadAll(io.LimitReader(it.Literal, int64(limit)+1))
			if err != nil {
				return err
			}
			if len(b) > limit {
				b, found.HeaderTruncated = b[:limit], true
			}
			found.Header = b
		}
	}
	return nil
}
