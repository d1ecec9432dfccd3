package rules

import (
	"slices"
	"strings"
)

// FolderRole is what a mailbox folder is for, as far as finding a test
// code goes.
type FolderRole string

// The folder roles. A seed probe searches them in this order: a code in
// the inbox is where it should be; one in junk is the finding; one in an
// archive or another folder was moved there by a filter or a tab; one in
// the trash was deleted by a rule.
const (
	RoleInbox   FolderRole = "inbox"
	RoleJunk    FolderRole = "junk"
	RoleOther   FolderRole = "other"   // a folder of the user's or the provider's own
	RoleArchive FolderRole = "archive" // every message, or archived ones: Gmail's All Mail
	RoleTrash   FolderRole = "trash"
	RoleSent    FolderRole = "sent"   // never searched: our code is never in it
	RoleDrafts  FolderRole = "drafts" // never searched
)

// specialUseRoles maps the RFC 6154 §2 special-use attributes to roles.
var specialUseRoles = map[string]FolderRole{
	`\junk`: RoleJunk, `\all`: RoleArchive, `\archive`: RoleArchive,
	`\trash`: RoleTrash, `\sent`: RoleSent, `\drafts`: RoleDrafts,
}

// junkNames are the names junk folders go by in IMAP where the server
// does not mark them with \Junk (RFC 6154), in the languages of the large
// consumer services' web mail: providers name the folder in the account's
// language, and older servers and clients created them by name.
var junkNames = []string{
	"junk", "spam", "junk email", "junk e-mail", "junk mail", "bulk", "bulk mail",
	"spamverdacht", "junk-e-mail", "unerwünscht", // German: GMX, Outlook, web.de
	"courrier indésirable", "courriers indésirables", "pourriel", // French
	"correo no deseado", "no deseado", // Spanish
	"posta indesiderata",                   // Italian
	"ongewenste e-mail", "ongewenste mail", // Dutch
	"lixo eletrônico", "lixo electrónico", "e-mail de lixo", // Portuguese
	"skräppost", "uønsket e-post", "uønsket post", "roskaposti", // Nordic
	"wiadomości-śmieci", "nevyžádaná pošta", "levélszemét", // Polish, Czech, Hungarian
	"нежелательная почта", "спам", // Russian
	"迷惑メール", "垃圾邮件", "垃圾箱", "스팸메일함", "gereksiz e-posta", // Japanese, Chinese, Korean, Turkish
}

// archiveNames, trashNames, sentNames and draftsNames are the usual names
// of those folders on servers without SPECIAL-USE.
var (
	archiveNames = []string{"archive", "archives", "all mail", "[gmail]/all mail", "[google mail]/all mail"}
	trashNames   = []string{"trash", "deleted items", "deleted messages", "bin", "[gmail]/trash", "[gmail]/bin", "[google mail]/trash", "[google mail]/bin", "papierkorb", "corbeille", "papelera", "cestino"}
	sentNames    = []string{"sent", "sent items", "sent mail", "sent messages", "[gmail]/sent mail", "[google mail]/sent mail", "gesendet", "gesendete objekte", "éléments envoyés", "envoyés"}
	draftsNames  = []string{"drafts", "draft", "[gmail]/drafts", "[google mail]/drafts", "entwürfe", "brouillons", "borradores"}
)

// FolderRoleOf tells what an IMAP folder is for, from its name and its
// attributes as LIST returned them (RFC 6154 special-use attributes,
// RFC 9051 §7.3.1 name attributes), for the given provider ("" when
// unknown). SPECIAL-USE wins; then INBOX (RFC 9051 §5.1: the name is
// case-insensitive); then the provider's own names for its junk folder
// (Provider.JunkFolder, JunkAliases) and the usual names in the languages
// of the large services, compared case-insensitively with or without the
// hierarchy's first level ("[Gmail]/Spam", "INBOX.Junk", "INBOX/Spam").
func FolderRoleOf(name string, attrs []string, provider string) FolderRole {
	for _, a := range attrs {
		if r, ok := specialUseRoles[strings.ToLower(a)]; ok {
			return r
		}
	}
	if strings.EqualFold(name, "INBOX") {
		return RoleInbox
	}
	lower := strings.ToLower(name)
	leaf := lower
	for _, sep := range []string{"/", "."} {
		if i := strings.LastIndex(leaf, sep); i >= 0 && i+1 < len(leaf) {
			leaf = leaf[i+1:]
		}
	}
	if ProviderJunkName(name, provider) {
		return RoleJunk
	}
	for _, t := range []struct {
		names []string
		role  FolderRole
	}{{junkNames, RoleJunk}, {archiveNames, RoleArchive}, {trashNames, RoleTrash}, {sentNames, RoleSent}, {draftsNames, RoleDrafts}} {
		if slices.Contains(t.names, lower) || slices.Contains(t.names, leaf) {
			return t.role
		}
	}
	return RoleOther
}

// ProviderJunkName reports whether name is the provider's own name for
// its junk folder (Provider.JunkFolder or JunkAliases), compared
// case-insensitively, whole or as the last level of the hierarchy.
func ProviderJunkName(name, provider string) bool {
	p, ok := ProviderByID(provider)
	if !ok {
		return false
	}
	leaf := name
	for _, sep := range []string{"/", "."} {
		if i := strings.LastIndex(leaf, sep); i >= 0 && i+1 < len(leaf) {
			leaf = leaf[i+1:]
		}
	}
	for _, n := range append([]string{p.JunkFolder}, p.JunkAliases...) {
		if n != "" && (strings.EqualFold(n, name) || strings.EqualFold(n, leaf)) {
			return true
		}
	}
	return false
}

// SearchOrder ranks roles for searching a seed mailbox: lower first;
// negative means never search the role.
func SearchOrder(r FolderRole) int {
	switch r {
	case RoleInbox:
		return 0
	case RoleJunk:
		return 1
	case RoleOther:
		return 2
	case RoleArchive:
		return 3
	case RoleTrash:
		return 4
	}
	return -1
}
