// Package lists holds the curated, embedded lists codeprobe checks an
// address against: disposable-mail domains, free consumer mail providers'
// domains and the local parts of role mailboxes (RFC 2142 names such as
// postmaster and abuse, and the info@, support@, noreply@ kind).
//
// Each list is a text file in data/ whose header names its source and
// licence; the curation (typo-squat removal from the free-provider list,
// personal names from the role list) is done and documented by the
// package's tests, which regenerate the files from the upstream lists.
// The lists are parsed into maps on first use.
package lists

import (
	_ "embed"
	"strings"
	"sync"
)

var (
	//go:embed data/disposable-domains.txt
	disposableData string
	//go:embed data/free-providers.txt
	freeData string
	//go:embed data/role-localparts.txt
	roleData string
)

type set map[string]struct{}

// roleSet holds the role local parts as listed and with their separators
// removed, so that no_reply and no.reply match noreply.
type roleSet struct {
	exact, folded set
}

var (
	disposableSet = sync.OnceValue(func() set { return parse(disposableData) })
	freeSet       = sync.OnceValue(func() set { return parse(freeData) })
	roles         = sync.OnceValue(func() roleSet {
		exact := parse(roleData)
		folded := make(set, len(exact))
		for e := range exact {
			folded[fold(e)] = struct{}{}
		}
		return roleSet{exact: exact, folded: folded}
	})
)

// parse reads one entry a line, skipping blank lines and # comments.
func parse(data string) set {
	s := make(set, strings.Count(data, "\n"))
	for line := range strings.Lines(data) {
		line = strings.TrimSpace(line)
		if line != "" && line[0] != '#' {
			s[line] = struct{}{}
		}
	}
	return s
}

// normDomain lower-cases ASCII and drops one trailing dot.
func normDomain(domain string) string {
	return strings.ToLower(strings.TrimSuffix(domain, "."))
}

// IsDisposable reports whether domain, in A-label lower-case form, is a
// disposable-mail domain or a subdomain of one.
func IsDisposable(domain string) bool {
	d := normDomain(domain)
	s := disposableSet()
	for strings.IndexByte(d, '.') >= 0 {
		if _, ok := s[d]; ok {
			return true
		}
		d = d[strings.IndexByte(d, '.')+1:]
	}
	return false
}

// IsFreeProvider reports whether domain, in A-label lower-case form, is
// the domain of a free consumer mail provider (gmail.com, gmx.at, pm.me).
// Subdomains do not count: mail.gmail.com is not a mailbox domain.
func IsFreeProvider(domain string) bool {
	_, ok := freeSet()[normDomain(domain)]
	return ok
}

// IsRole reports whether local, the local part of an address, names a
// role mailbox rather than a person: info, support, postmaster. Case does
// not matter; a subaddress is ignored (info+tag), and so are the
// separators between words (no-reply, no_reply, no.reply all match
// noreply) as long as every word has two characters or more, so that
// initials such as c.a are not taken for the role "ca". A quoted local part
// is unquoted first.
func IsRole(local string) bool {
	l := strings.ToLower(unquote(local))
	if i := strings.IndexByte(l, '+'); i >= 0 {
		l = l[:i]
	}
	if l == "" {
		return false
	}
	r := roles()
	if _, ok := r.exact[l]; ok {
		return true
	}
	if !strings.ContainsAny(l, "-_.") || hasShortWord(l) {
		return false
	}
	_, ok := r.folded[fold(l)]
	return ok
}

// unquote removes the quotes and backslashes of a quoted local part.
func unquote(local string) string {
	if len(local) < 2 || local[0] != '"' || local[len(local)-1] != '"' {
		return local
	}
	var b strings.Builder
	inner := local[1 : len(local)-1]
	for i := 0; i < len(inner); i++ {
		if inner[i] == '\\' && i+1 < len(inner) {
			i++
		}
		b.WriteByte(inner[i])
	}
	return b.String()
}

func isSeparator(r rune) bool { return r == '-' || r == '_' || r == '.' }

// fold removes the word separators '-', '_' and '.'.
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		if isSeparator(r) {
			return -1
		}
		return r
	}, s)
}

// hasShortWord reports whether a separated word of s is shorter than two
// bytes.
func hasShortWord(s string) bool {
	for w := range strings.FieldsFuncSeq(s, isSeparator) {
		if len(w) < 2 {
			return true
		}
	}
	return false
}

// Counts returns the number of entries in each list.
func Counts() (disposable, free, role int) {
	return len(disposableSet()), len(freeSet()), len(roles().exact)
}
