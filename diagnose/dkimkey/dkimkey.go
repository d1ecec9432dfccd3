// Package dkimkey checks the DKIM public keys a sending domain publishes:
// the key records of RFC 6376 §3.6.1 in the tag=value syntax of RFC 6376
// §3.2, found at <selector>._domainkey.<domain> (RFC 6376 §3.6.2.1), with
// the key sizes and hash algorithms of RFC 8301 and the Ed25519 keys of
// RFC 8463.
//
// codeprobe uses it for `check --from-domain D`: does each selector our
// mail is signed with resolve to a usable key, is the key strong enough
// that receivers count the signature, and which of the selectors common
// mail services use exist at all (DKIM keys cannot be listed, only
// guessed).
package dkimkey

import (
	"crypto"
	"errors"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
)

// Status is the verdict on one selector's key.
type Status string

const (
	// StatusOK: a usable key, RSA of at least 2048 bits or Ed25519.
	StatusOK Status = "ok"
	// StatusWeak: an RSA key of 1024 to 2047 bits. Verifiers must accept
	// it but signers should use 2048 bits (RFC 8301 §3.2).
	StatusWeak Status = "weak"
	// StatusInsecure: verifiers must not count signatures made with this
	// key: RSA under 1024 bits (RFC 8301 §3.2) or only SHA-1 allowed
	// (RFC 8301 §3.1).
	StatusInsecure Status = "insecure"
	// StatusRevoked: the record's p= is empty (RFC 6376 §3.6.1).
	StatusRevoked Status = "revoked"
	// StatusInvalid: the record cannot be used for email: it does not
	// parse, its key does not decode, it is restricted to other services,
	// or there are several records.
	StatusInvalid Status = "invalid"
	// StatusMissing: no key record at the selector (RFC 6376 §6.1.2).
	StatusMissing Status = "missing"
	// StatusTempError: the DNS lookup failed or timed out; the verdict is
	// inconclusive.
	StatusTempError Status = "temperror"
)

// rank orders statuses from best to worst, for combining findings.
var rank = map[Status]int{
	StatusOK: 0, StatusWeak: 1, StatusInsecure: 2, StatusRevoked: 3, StatusInvalid: 4,
}

// Problem is one finding about a key. ID is a finding ID of the rules
// catalogue, which gives its severity and advice.
type Problem struct {
	ID     string // e.g. "dkim.rsa-weak"
	Detail string // what was found, for the report
	RFC    string // the rule, e.g. "RFC 8301 §3.2"
}

// Sentinel errors. Test with errors.Is.
var (
	// ErrSyntax: the record is not a valid tag=value list (RFC 6376 §3.2).
	ErrSyntax = errors.New("malformed DKIM key record")
	// ErrVersion: v= is not DKIM1 or not the first tag (RFC 6376 §3.6.1).
	ErrVersion = errors.New("not a DKIM1 key record")
	// ErrKeyType: k= names a key type other than rsa and ed25519.
	ErrKeyType = errors.New("unknown key type")
	// ErrNoKey: the record has no p= tag (RFC 6376 §3.6.1).
	ErrNoKey = errors.New("no p= tag")
	// ErrKeyData: p= does not decode to a public key of the type k= names.
	ErrKeyData = errors.New("bad public key data")
	// ErrBadName: the domain or selector is not a valid DNS name.
	ErrBadName = errors.New("invalid domain or selector")
)

// Key is one selector's key record and the verdict on it.
type Key struct {
	Selector string
	Domain   string
	Name     string // <selector>._domainkey.<domain>
	// CNAMEs is the alias chain from Name, when the selector is delegated
	// (Microsoft 365's selector1 points into onmicrosoft.com); Target is
	// where it ends, the name that holds (or lacks) the record.
	CNAMEs []string
	Target string
	Raw    string // the TXT record, its strings joined (RFC 6376 §3.6.2.2)

	Version string // v=, "" when absent
	KeyType string // k=: "rsa" (the default) or "ed25519"
	Bits    int    // RSA modulus size; 256 for Ed25519
	// Format is how p= encodes the key: "spki" (SubjectPublicKeyInfo),
	// "pkcs1" (a bare RSAPublicKey) or "raw" (Ed25519's 32 bytes).
	Format string
	// PublicKey is the decoded key, *rsa.PublicKey or ed25519.PublicKey,
	// to compare with the signer's private key; nil unless it decoded.
	PublicKey    crypto.PublicKey
	Revoked      bool     // p= is empty
	Testing      bool     // t=y: verifiers treat signed mail as unsigned
	Strict       bool     // t=s: i= must be the d= domain exactly
	HashAlgs     []string // h=; empty means any
	ServiceTypes []string // s=; empty means any
	Notes        string   // n=, quoted-printable decoded
	// Wildcard: a made-up selector gets the same record, so this one may
	// not be configured at all (found by Scan only).
	Wildcard bool

	Status   Status
	Problems []Problem
	Answer   *dnsx.Answer // the DNS answer, as evidence
	Err      error        // why Status is temperror or invalid, if an error
}

func (k *Key) add(id, rfc, detail string) {
	k.Problems = append(k.Problems, Problem{ID: id, Detail: detail, RFC: rfc})
}

// worsen lowers k.Status to s unless it is already worse.
func (k *Key) worsen(s Status) {
	if rank[s] > rank[k.Status] {
		k.Status = s
	}
}

// CommonSelectors are selectors that mail services and mail software use
// by default, for guessing which keys a domain has. A selector is listed
// when its name alone says which service signs with it; random or
// per-customer selectors (Amazon SES, Postmark, SparkPost, HubSpot) cannot
// be guessed and are not.
var CommonSelectors = []string{
	"google",        // Google Workspace
	"selector1",     // Microsoft 365, first of its pair (CNAME into onmicrosoft.com)
	"selector2",     // Microsoft 365, second of its pair
	"k1",            // Mailchimp (CNAME to dkim.mcsv.net)
	"k2",            // Mailchimp, the newer pair k2/k3 (dkim2.mcsv.net)
	"mte1",          // Mandrill, Mailchimp's transactional service
	"mandrill",      // Mandrill, older accounts
	"s1",            // SendGrid, first of its pair
	"s2",            // SendGrid, second of its pair
	"default",       // cPanel's and opendkim-genkey's default
	"dkim",          // rspamd's default selector
	"mail",          // Brevo (Sendinblue), Mail-in-a-Box and many self-hosted setups
	"fm1",           // Fastmail (CNAME into messagingengine.com)
	"protonmail",    // Proton Mail custom domains
	"sig1",          // Apple iCloud custom email domains
	"zendesk1",      // Zendesk, first of its pair
	"zendesk2",      // Zendesk, second of its pair
	"everlytickey1", // Everlytic, first of its pair
	"everlytickey2", // Everlytic, second of its pair
	"mxvault",       // probed by most public selector checkers; kept so our answers match theirs
}
