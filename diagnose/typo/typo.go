// Package typo suggests the domain a user meant when the domain of a mail
// address is misspelled (gmial.com → gmail.com), and only then: a
// suggestion is given when it is almost never wrong.
//
// The domain as typed is first repaired where the syntax of RFC 5321 §4.1.2
// (Domain = sub-domain *("." sub-domain)) and RFC 1035 §2.3.1 (the preferred
// name syntax: letters, digits, hyphens, labels separated by single dots)
// leave no doubt about the intent: a comma for a dot, a doubled dot, a
// trailing dot (absolute names have no place in an address, RFC 5321
// §2.3.5), stray punctuation at either end, upper case, and non-ASCII input
// that IDNA mapping (RFC 5891 §5, UTS #46) turns into an A-label.
//
// The repaired domain is then looked up in tables built once from curated,
// embedded data (known target domains with weights, legitimate lookalikes,
// known typo-squat domains): every realistic single edit of every target —
// adjacent-key substitution on QWERTY and, where the provider's users type
// on them, AZERTY and QWERTZ; insertion, deletion, doubling and swapping of
// letters; suffix slips (.con, .cmo, .co, .ne, .co.k); a missing dot — maps
// to its target, symmetric-delete style, so [Suggest] is a few map lookups.
// Edits that would land on a real domain are not corrected: a legitimate
// lookalike (gmx.at, mail.com, cloud.com), any label of three characters or
// fewer (every such name is registered and used), a real country variant of
// the same brand (yahoo.gr), or a dictionary word made by changing a word
// label's first or last letter (range.fr for orange.fr).
//
// DNS evidence sharpens an answer ([Sharpen], [SuggestDNS]): a typed domain
// that cannot receive mail (no MX and no address, RFC 5321 §5.1, or a null
// MX, RFC 7505 §3) makes the suggestion certain; one that accepts mail and
// is not a known typo-squat makes a merely likely suggestion moot. With DNS,
// [SuggestDNS] also corrects the slips held back above (aok.com for
// aol.com) when the typed domain cannot receive mail.
package typo

// Confidence is how sure a [Suggestion] is.
type Confidence string

const (
	// Certain: no real domain could be meant by what was typed (gmail,com,
	// gmailcom, gmail.con, a known squat, or a domain DNS says cannot
	// receive mail).
	Certain Confidence = "certain"
	// Likely: the typed domain could exist, but a known domain one slip
	// away is far more probable.
	Likely Confidence = "likely"
)

// Suggestion is a correction of a typed domain.
type Suggestion struct {
	Domain     string     // the corrected domain (A-label, lower case)
	Confidence Confidence // how sure the correction is
	// Squat: the typed domain is a known typo-squat domain that exists and
	// accepts mail: warn against using it.
	Squat bool
	// Edit names what slipped, for the report: one of the Edit* constants,
	// or several joined by "+" (EditTransposition+"+"+EditTLD).
	Edit string
}

// The kinds of slip a [Suggestion] names in its Edit field.
const (
	EditSubstitution  = "substitution"    // a neighbouring key was hit instead (gnail)
	EditInsertion     = "insertion"       // an extra key was hit (gmaiul)
	EditDuplication   = "duplication"     // a key was hit twice (gmaill)
	EditDeletion      = "deletion"        // a key was missed (gmai)
	EditTransposition = "transposition"   // two keys were swapped (gmial)
	EditTLD           = "tld"             // the suffix slipped (gmail.con, gmail.de)
	EditMissingDot    = "missing-dot"     // the dot before the suffix is missing (gmailcom)
	EditMissingTLD    = "missing-tld"     // no suffix at all (gmail)
	EditComma         = "comma"           // a comma for a dot (gmail,com)
	EditDoubleDot     = "double-dot"      // two dots in a row (gmail..com)
	EditTrailingDot   = "trailing-dot"    // a dot at the end (gmail.com.)
	EditStray         = "stray-character" // punctuation or space at either end (#gmail.com)
	EditExtraTLD      = "extra-tld"       // the suffix was typed twice (gmail.com.com)
	EditUnicode       = "unicode"         // full-width or other non-ASCII forms of ASCII (ｇｍａｉｌ.com)
	EditMisspelling   = "misspelling"     // a known squat more than one slip away
)

// Suggest returns the domain the user probably meant when domain, as typed
// (commas, upper case, stray dots and all), is a slip for a known one, and
// false when domain looks right or no suggestion would be safe. It does no
// I/O; see [SuggestDNS] for the answer sharpened by DNS.
func Suggest(domain string) (Suggestion, bool) {
	return defaultIndex().suggest(domain)
}

// Sharpen applies DNS evidence about the typed domain to s:
// typedDomainHasMail says whether the typed domain exists and accepts mail
// (an MX that is not null, or else an address record; RFC 5321 §5.1). A
// likely suggestion against a domain that accepts mail and is not a known
// squat is dropped (false); a suggestion against a domain that cannot
// receive mail becomes certain.
func Sharpen(s Suggestion, typedDomainHasMail bool) (Suggestion, bool) {
	if !typedDomainHasMail {
		s.Confidence = Certain
		return s, true
	}
	if s.Confidence == Likely && !s.Squat {
		return Suggestion{}, false
	}
	return s, true
}

// Known returns the known target domains, most used first.
func Known() []string {
	ix := defaultIndex()
	out := make([]string, len(ix.targets))
	for i, t := range ix.targets {
		out[i] = t.domain
	}
	return out
}
