// Package spf evaluates Sender Policy Framework records (RFC 7208) and
// explains the result.
//
// A mail receiver runs check_host() (RFC 7208 §4) and keeps one word:
// pass, fail, softfail, neutral, none, temperror or permerror. A support
// agent needs to know why: which record was read, which include or redirect
// led where, which DNS question was asked and what came back, which
// mechanism matched, and how close the policy is to the 10-lookup and
// 2-void-lookup limits of §4.6.4. [Checker.Check] evaluates a policy for a
// client address and returns that whole story as an [Evaluation];
// [Checker.Audit] inspects our own sending domain's policy without a client
// address and lists its problems, each with the RFC 7208 section it breaks.
//
// [Parse] implements the record grammar of §4.5, §4.6.1, §5, §6 and §7.1
// (macro-strings), reporting errors as [*SyntaxError]. Every DNS question
// goes through a [dnsx.Querier].
package spf

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Result is the outcome of check_host() (RFC 7208 §2.6).
type Result string

// The results of RFC 7208 §2.6 and §8.
const (
	None      Result = "none"
	Neutral   Result = "neutral"
	Pass      Result = "pass"
	Fail      Result = "fail"
	SoftFail  Result = "softfail"
	TempError Result = "temperror"
	PermError Result = "permerror"
)

// Sentinel errors. Every error an [Evaluation] or [Parse] reports wraps one
// of them; test with errors.Is.
var (
	// ErrSyntax: the record breaks the grammar (§4.6, §12); permerror.
	ErrSyntax = errors.New("spf: syntax error")
	// ErrNoRecord: the domain publishes no SPF record (§4.5); none at the
	// top, permerror behind include (§5.2) or redirect (§6.1).
	ErrNoRecord = errors.New("spf: no SPF record")
	// ErrInvalidDomain: the domain is not a usable multi-label name (§4.3).
	ErrInvalidDomain = errors.New("spf: invalid domain")
	// ErrInvalidIP: the client address is not a valid IP address.
	ErrInvalidIP = errors.New("spf: invalid client IP address")
	// ErrMultipleRecords: more than one "v=spf1" TXT record (§4.5); permerror.
	ErrMultipleRecords = errors.New("spf: multiple SPF records")
	// ErrTooManyLookups: more than MaxLookups DNS-querying terms (§4.6.4).
	ErrTooManyLookups = errors.New("spf: too many DNS-querying terms")
	// ErrTooManyVoidLookups: more than MaxVoidLookups lookups that found
	// nothing (§4.6.4).
	ErrTooManyVoidLookups = errors.New("spf: too many void lookups")
	// ErrTooManyMX: an mx mechanism's target has more MX names than allowed
	// (§4.6.4); permerror.
	ErrTooManyMX = errors.New("spf: too many MX names")
	// ErrTempDNS: a DNS question went unanswered or failed (§4.4, §5);
	// temperror.
	ErrTempDNS = errors.New("spf: DNS lookup failed")
)

// SyntaxError is a record that breaks the grammar. It wraps [ErrSyntax].
type SyntaxError struct {
	Index  int    // index of the offending term in Record.Terms; -1 for the record as a whole
	Term   string // the term as written
	Reason string
}

func (e *SyntaxError) Error() string {
	if e.Index < 0 {
		return fmt.Sprintf("spf: syntax error: %s", e.Reason)
	}
	return fmt.Sprintf("spf: syntax error in term %d %q: %s", e.Index+1, e.Term, e.Reason)
}

// Unwrap returns [ErrSyntax].
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

// Qualifier is a mechanism's prefix (§4.6.2); zero when none was written,
// which means "+".
type Qualifier byte

// The qualifiers of §4.6.2.
const (
	QualPass     Qualifier = '+'
	QualFail     Qualifier = '-'
	QualSoftFail Qualifier = '~'
	QualNeutral  Qualifier = '?'
)

// Result is what check_host() returns when a mechanism with q matches.
func (q Qualifier) Result() Result {
	switch q {
	case QualFail:
		return Fail
	case QualSoftFail:
		return SoftFail
	case QualNeutral:
		return Neutral
	}
	return Pass
}

// Kind names a mechanism (§5) or modifier (§6).
type Kind string

// Mechanisms and modifiers.
const (
	KindAll      Kind = "all"
	KindInclude  Kind = "include"
	KindA        Kind = "a"
	KindMX       Kind = "mx"
	KindPTR      Kind = "ptr"
	KindIP4      Kind = "ip4"
	KindIP6      Kind = "ip6"
	KindExists   Kind = "exists"
	KindRedirect Kind = "redirect"
	KindExp      Kind = "exp"
	KindUnknown  Kind = "unknown-modifier" // §6: ignored, but must be well formed
)

// IsMechanism reports whether k is a mechanism rather than a modifier.
func (k Kind) IsMechanism() bool {
	switch k {
	case KindRedirect, KindExp, KindUnknown:
		return false
	}
	return true
}

// QueriesDNS reports whether a term of kind k counts against the limit of
// DNS-querying terms (§4.6.4).
func (k Kind) QueriesDNS() bool {
	switch k {
	case KindInclude, KindA, KindMX, KindPTR, KindExists, KindRedirect:
		return true
	}
	return false
}

// Term is one mechanism or modifier of a record.
type Term struct {
	Kind      Kind
	Qualifier Qualifier    // mechanisms only; 0 when not written
	Domain    *MacroString // include, exists, redirect, exp; optional for a, mx, ptr
	Prefix    netip.Prefix // ip4, ip6
	CIDR4     int          // a, mx: IPv4 prefix length, -1 when not written
	CIDR6     int          // a, mx: IPv6 prefix length, -1 when not written
	Name      string       // unknown modifier: its name as written
	Value     *MacroString // unknown modifier: its value
	Text      string       // the term as written
}

// Result is what check_host() returns when the mechanism matches.
func (t *Term) Result() Result { return t.Qualifier.Result() }

// String returns the term in canonical form; it parses back to an equal
// term.
func (t *Term) String() string {
	var b strings.Builder
	if t.Qualifier != 0 {
		b.WriteByte(byte(t.Qualifier))
	}
	switch t.Kind {
	case KindUnknown:
		b.WriteString(t.Name + "=" + t.Value.String())
		return b.String()
	case KindRedirect, KindExp:
		b.WriteString(string(t.Kind) + "=" + t.Domain.String())
		return b.String()
	}
	b.WriteString(string(t.Kind))
	switch t.Kind {
	case KindIP4, KindIP6:
		b.WriteString(":" + t.Prefix.Addr().String())
		if t.Prefix.Bits() != t.Prefix.Addr().BitLen() {
			b.WriteString("/" + strconv.Itoa(t.Prefix.Bits()))
		}
		return b.String()
	}
	if t.Domain != nil {
		b.WriteString(":" + t.Domain.String())
	}
	if t.CIDR4 >= 0 {
		b.WriteString("/" + strconv.Itoa(t.CIDR4))
	}
	if t.CIDR6 >= 0 {
		b.WriteString("//" + strconv.Itoa(t.CIDR6))
	}
	return b.String()
}

// equal compares two terms by meaning, not by how they were written.
func (t *Term) equal(o *Term) bool {
	return t.Kind == o.Kind && t.Qualifier == o.Qualifier && t.Prefix == o.Prefix &&
		t.CIDR4 == o.CIDR4 && t.CIDR6 == o.CIDR6 && t.Name == o.Name &&
		t.Domain.equal(o.Domain) && t.Value.equal(o.Value)
}

// Record is a parsed SPF record.
type Record struct {
	Terms []*Term // mechanisms and modifiers, in record order
}

// Mechanisms returns the record's mechanisms in evaluation order (§4.6.2).
func (r *Record) Mechanisms() []*Term {
	var out []*Term
	for _, t := range r.Terms {
		if t.Kind.IsMechanism() {
			out = append(out, t)
		}
	}
	return out
}

// Redirect returns the redirect modifier, or nil.
func (r *Record) Redirect() *Term { return r.modifier(KindRedirect) }

// Exp returns the exp modifier, or nil.
func (r *Record) Exp() *Term { return r.modifier(KindExp) }

func (r *Record) modifier(k Kind) *Term {
	for _, t := range r.Terms {
		if t.Kind == k {
			return t
		}
	}
	return nil
}

// HasAll reports whether the record has an "all" mechanism, which makes
// any redirect modifier ignored (§6.1).
func (r *Record) HasAll() bool {
	for _, t := range r.Terms {
		if t.Kind == KindAll {
			return true
		}
	}
	return false
}

// String returns the record in canonical form: "v=spf1" and the terms
// separated by single spaces. It parses back to an equal record.
func (r *Record) String() string {
	parts := make([]string, 0, len(r.Terms)+1)
	parts = append(parts, "v=spf1")
	for _, t := range r.Terms {
		parts = append(parts, t.String())
	}
	return strings.Join(parts, " ")
}

// Equal reports whether r and o have the same terms, by meaning.
func (r *Record) Equal(o *Record) bool {
	if r == nil || o == nil {
		return r == o
	}
	if len(r.Terms) != len(o.Terms) {
		return false
	}
	for i := range r.Terms {
		if !r.Terms[i].equal(o.Terms[i]) {
			return false
		}
	}
	return true
}
