package imapprobe

import (
	"github.com/emersion/go-imap/v2"
)

// Tidy does what the account says to do with a test message once read:
// nothing, delete it, or move it to Account.MoveTo, so that seed
// mailboxes do not fill up. The folder is selected read-write for it.
func (s *Session) Tidy(f *Found) error {
	switch s.acct.AfterRead {
	case "", Keep:
		return nil
	case Move:
		return s.move(f)
	case Delete:
		return s.remove(f)
	}
	return nil
}

// selectRW selects folder read-write.
func (s *Session) selectRW(folder string) error {
	s.selected = ""
	return s.do("SELECT "+folder, func() error {
		_, err := s.client.Select(folder, nil).Wait()
		return err
	})
}

// move moves the message with MOVE (RFC 6851) where the server has it,
// else copies it and deletes the original.
func (s *Session) move(f *Found) error {
	if err := s.selectRW(f.Folder); err != nil {
		return err
	}
	uids := imap.UIDSetNum(imap.UID(f.UID))
	if s.caps.Has(imap.CapMove) || s.caps.Has(imap.CapIMAP4rev2) {
		if err := s.do("UID MOVE to "+s.acct.MoveTo, func() error {
			_, err := s.client.Move(uids, s.acct.MoveTo).Wait()
			return err
		}); err != nil {
			return err
		}
		s.step("moved UID %d from %s to %s", f.UID, f.Folder, s.acct.MoveTo)
		return nil
	}
	if err := s.do("UID COPY to "+s.acct.MoveTo, func() error {
		_, err := s.client.Copy(uids, s.acct.MoveTo).Wait()
		return err
	}); err != nil {
		return err
	}
	s.step("copied UID %d from %s to %s", f.UID, f.Folder, s.acct.MoveTo)
	return s.expunge(f, uids)
}

// remove flags the message \Deleted and expunges it.
func (s *Session) remove(f *Found) error {
	if err := s.selectRW(f.Folder); err != nil {
		return err
	}
	return s.expunge(f, imap.UIDSetNum(imap.UID(f.UID)))
}

// expunge deletes the messages of uids from the selected folder: with UID
// EXPUNGE (RFC 4315 §2.1) where the server has UIDPLUS, so that no other
// message flagged \Deleted goes with them; else with EXPUNGE.
func (s *Session) expunge(f *Found, uids imap.UIDSet) error {
	err := s.do("UID STORE +FLAGS \\Deleted", func() error {
		return s.client.Store(uids, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true,
			Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close()
	})
	if err != nil {
		return err
	}
	err = s.do("EXPUNGE", func() error {
		if s.caps.Has(imap.CapUIDPlus) || s.caps.Has(imap.CapIMAP4rev2) {
			return s.client.UIDExpunge(uids).Close()
		}
		return s.client.Expunge().Close()
	})
	if err != nil {
		return err
	}
	s.step("deleted UID %d from %s", f.UID, f.Folder)
	return nil
}
