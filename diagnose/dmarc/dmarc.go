// Package dmarc checks the DMARC policy of a sending domain: RFC 7489
// (Domain-based Message Authentication, Reporting, and Conformance), with
// the organisational domain of RFC 7489 §3.2 taken from the Public Suffix
// List, policy discovery as in RFC 7489 §6.6.3, the record syntax of
// RFC 7489 §6.3 and §6.4, and the verification of external report
// destinations of RFC 7489 §7.1. The "np" tag of RFC 9091 is understood.
//
// codeprobe uses it for `check --from-domain D`: is the domain that sends
// our verification codes protected by an enforced DMARC policy, do we get
// the aggregate reports that would show a broken sender, and is anything in
// the record ignored by receivers.
//
// The record parser is codeprobe's own rather than
// github.com/emersion/go-msgauth/dmarc's, because a diagnosis needs what
// that parser drops: it matches tag names case-sensitively (so "P=reject"
// has no policy), lets a duplicate tag silently win, neither knows the
// RFC 7489 §6.6.3 fallback to p=none for a record with reporting URIs nor
// validates those URIs, rejects a whole record for an unregistered rf=
// value that RFC 7489 §6.3 says to ignore, and reports no warnings.
package dmarc

import (
	"errors"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
)

// Status is the verdict on a domain's DMARC policy.
type Status string

const (
	// StatusOK: p=quarantine or p=reject applies to all mail (pct=100).
	StatusOK Status = "ok"
	// StatusMonitoring: the applicable policy is p=none; receivers only
	// report (RFC 7489 §6.3).
	StatusMonitoring Status = "monitoring"
	// StatusPartial: quarantine or reject applies only to a pct<100 sample
	// (RFC 7489 §6.6.4).
	StatusPartial Status = "partial"
	// StatusNone: no DMARC record at the domain or its organisational
	// domain (RFC 7489 §6.6.3).
	StatusNone Status = "none"
	// StatusInvalid: the record receivers would use does not parse, so
	// they apply no DMARC processing.
	StatusInvalid Status = "invalid"
	// StatusMultiple: more than one DMARC record at one name; receivers
	// apply no DMARC processing (RFC 7489 §6.6.3 step 5).
	StatusMultiple Status = "multiple"
	// StatusTempError: a DNS lookup failed or timed out; the verdict is
	// inconclusive.
	StatusTempError Status = "temperror"
)

// Problem is one finding about a DMARC setup. ID is a finding ID of the
// rules catalogue, which gives its severity and advice.
type Problem struct {
	ID     string // e.g. "dmarc.policy-none"
	Detail string // what was found, for the report
	RFC    string // the rule, e.g. "RFC 7489 §6.6.3"
}

// Sentinel errors. Test with errors.Is.
var (
	// ErrNotDMARC: the text does not start with a v=DMARC1 tag
	// (RFC 7489 §6.4, §6.6.3 step 2).
	ErrNotDMARC = errors.New("not a DMARC record")
	// ErrSyntax: the tag list is malformed (RFC 7489 §6.4).
	ErrSyntax = errors.New("malformed DMARC record")
	// ErrDuplicateTag: a tag occurs twice. RFC 7489 says nothing about
	// duplicates; receivers disagree on which wins, so the record is
	// ambiguous and rejected, as mox does.
	ErrDuplicateTag = errors.New("duplicate tag")
	// ErrBadValue: a tag has a value its syntax does not allow.
	ErrBadValue = errors.New("invalid tag value")
	// ErrNoPolicy: p is missing or invalid (or sp is invalid) and there is
	// no aggregate report URI that would make receivers act as if p=none
	// (RFC 7489 §6.6.3 step 6).
	ErrNoPolicy = errors.New("no valid policy")
	// ErrBadDomain: the domain is not a valid DNS domain name.
	ErrBadDomain = errors.New("invalid domain")
	// ErrPublicSuffix: the domain is itself a public suffix, so it has no
	// organisational domain (RFC 7489 §3.2).
	ErrPublicSuffix = errors.New("domain is a public suffix")
	// ErrNoAuthorDomain: no domain could be found in a From header field
	// (RFC 7489 §6.6.1).
	ErrNoAuthorDomain = errors.New("no author domain in From")
)

// Check is the result of looking up the DMARC policy of one domain.
type Check struct {
	Domain    string // the domain checked, lower case A-labels
	OrgDomain string // its organisational domain (RFC 7489 §3.2); empty for a public suffix
	// RecordDomain is where the record was looked for last: _dmarc.Domain,
	// or _dmarc.OrgDomain when the domain has none (RFC 7489 §6.6.3).
	RecordDomain string
	// Inherited: the record is the organisational domain's, so its sp=
	// policy applies to Domain.
	Inherited bool
	// CNAMEs is the alias chain followed to reach the record, when
	// _dmarc is delegated (for example to a DMARC reporting service).
	CNAMEs []string
	Raw    string  // the DMARC record, strings of the TXT record joined
	Record *Record // nil unless Raw parsed
	// Policy is the policy receivers apply to mail from Domain: p=, or sp=
	// when Inherited (RFC 7489 §6.6.3). Empty without a usable record.
	Policy string
	Status Status
	// Destinations are the report URIs of the record with the result of
	// the RFC 7489 §7.1 authorisation check for external ones.
	Destinations []Destination
	Problems     []Problem
	Answers      []*dnsx.Answer // the DNS answers the verdict rests on
	// Err is why Status is temperror or why the domain could not be
	// checked; nil otherwise.
	Err error
}

// Destination is one report URI of a record and, when it points outside
// the organisational domain, whether the destination agreed to receive the
// reports (RFC 7489 §7.1).
type Destination struct {
	Tag    string // "rua" or "ruf"
	URI    string // as written, size limit included
	Domain string // the mail domain reports go to; empty for non-mailto URIs
	// External: Domain's organisational domain differs from the policy
	// domain's, so the destination must publish an authorisation record.
	External bool
	// VerifyName is <policy domain>._report._dmarc.<Domain>, the name of
	// the authorisation record; set when External.
	VerifyName string
	// Authorised: not External, or a v=DMARC1 record was found at
	// VerifyName.
	Authorised bool
	Err        error // a DNS failure looking up VerifyName
}

func (c *Check) add(id, rfc, detail string) {
	c.Problems = append(c.Problems, Problem{ID: id, Detail: detail, RFC: rfc})
}
