package rules

// dmarcRules are about our sending domain's DMARC record (RFC 7489).
var dmarcRules = []Rule{
	{
		ID:         DMARCOK,
		Severity:   OK,
		Audience:   Sender,
		RFC:        "RFC 7489 §6.3",
		Summary:    "Our sending domain has a valid, enforcing DMARC policy.",
		UserAdvice: senderFineAdvice,
		AgentAdvice: "A single valid v=DMARC1 record with p=quarantine or p=reject (RFC 7489 §6.3). " +
			"Receivers can tell our codes from forgeries as long as SPF or DKIM passes aligned with the From domain.",
	},
	{
		ID:         DMARCNone,
		Severity:   Warn,
		Audience:   Sender,
		RFC:        "RFC 7489 §6.6.3",
		Summary:    "Our sending domain has no DMARC record.",
		UserAdvice: senderProblemAdvice,
		AgentAdvice: "No v=DMARC1 TXT record at _dmarc of the sending domain or of its organisational domain (RFC 7489 §6.6.3). " +
			"Since February 2024 Gmail and Yahoo require at least p=none from bulk senders (5,000 or more messages a day), and Outlook.com has since May 2025; " +
			"without it our codes can be junked or rejected, and anyone can forge our domain. " +
			"Escalate to the sending team: publish 'v=DMARC1; p=none; rua=mailto:...' and move to quarantine or reject once the reports show our mail aligns.",
	},
	{
		ID:         DMARCInvalid,
		Severity:   Fail,
		Audience:   Sender,
		RFC:        "RFC 7489 §6.3",
		Summary:    "Our DMARC record is malformed.",
		UserAdvice: senderProblemAdvice,
		AgentAdvice: "The record at _dmarc does not parse as DMARC (RFC 7489 §6.3): the first tag is not v=DMARC1, p= is missing or invalid, or a tag has a bad value (see detail). " +
			"Receivers discard it or apply only part of it (§6.6.3), so we are treated as having no working DMARC, which fails the Gmail and Yahoo bulk-sender rules. " +
			"Escalate to the sending team with the record text.",
	},
	{
		ID:         DMARCMultiple,
		Severity:   Fail,
		Audience:   Sender,
		RFC:        "RFC 7489 §6.6.3",
		Summary:    "Our sending domain has more than one DMARC record.",
		UserAdvice: senderProblemAdvice,
		AgentAdvice: "More than one v=DMARC1 record at _dmarc: receivers then apply no DMARC policy at all (RFC 7489 §6.6.3), " +
			"which fails the Gmail and Yahoo bulk-sender rules. Escalate to the sending team: keep exactly one record.",
	},
	{
		ID:         DMARCPolicyNone,
		Severity:   Warn,
		Audience:   Sender,
		RFC:        "RFC 7489 §6.3",
		Summary:    "Our DMARC policy only monitors (p=none).",
		UserAdvice: senderHardeningAdvice,
		AgentAdvice: "p=none asks receivers to take no action on failing mail (RFC 7489 §6.3). It meets the Gmail and Yahoo minimum, " +
			"but it does not stop forged mail in our name, including fake sign-in codes; on its own it does not send our codes to junk. " +
			"Escalate as hardening: once the aggregate reports show all our legitimate mail aligned, move to p=quarantine, then p=reject.",
	},
	{
		ID:         DMARCPct,
		Severity:   Info,
		Audience:   Sender,
		RFC:        "RFC 7489 §6.6.4",
		Summary:    "Our DMARC policy applies to only part of our mail (pct below 100).",
		UserAdvice: senderHardeningAdvice,
		AgentAdvice: "pct tells receivers to apply the policy to only that percentage of failing mail and the next less strict policy to the rest (RFC 7489 §6.6.4). " +
			"Normal during a roll-out; it should reach 100, or be removed, once the reports are clean.",
	},
	{
		ID:         DMARCNoRUA,
		Severity:   Info,
		Audience:   Sender,
		RFC:        "RFC 7489 §7.2",
		Summary:    "Our DMARC record asks for no aggregate reports.",
		UserAdvice: senderHardeningAdvice,
		AgentAdvice: "There is no rua= tag, so receivers send no aggregate reports (RFC 7489 §7.2), and we can't see which of our mail fails alignment or who forges our domain. " +
			"Suggest to the sending team: add rua=mailto: pointing at a mailbox or a reporting service.",
	},
	{
		ID:         DMARCRUAUnauthorised,
		Severity:   Warn,
		Audience:   Sender,
		RFC:        "RFC 7489 §7.1",
		Summary:    "Our DMARC reports go to another domain that has not agreed to receive them.",
		UserAdvice: senderHardeningAdvice,
		AgentAdvice: "A rua or ruf address is in another domain that does not publish the authorisation record " +
			"'<our-domain>._report._dmarc.<their-domain> TXT v=DMARC1' (RFC 7489 §7.1), so receivers must not send reports there and we get none. " +
			"Escalate to the sending team: have the report receiver publish that record, or use an address in our own domain.",
	},
	{
		ID:         DMARCInherited,
		Severity:   Info,
		Audience:   Sender,
		RFC:        "RFC 7489 §6.6.3",
		Summary:    "Our DMARC policy comes from the parent (organisational) domain.",
		UserAdvice: senderHardeningAdvice,
		AgentAdvice: "The sending subdomain has no record of its own, so receivers use the organisational domain's record (RFC 7489 §6.6.3) " +
			"and apply its sp= policy, or p= when there is no sp=. That is fine if intended; check that the inherited policy and alignment modes suit the subdomain our codes come from.",
	},
	{
		ID:         DMARCTempError,
		Severity:   Inconclusive,
		Audience:   Sender,
		RFC:        "RFC 7489 §11.2",
		Summary:    "Our DMARC record could not be checked because of a DNS error.",
		UserAdvice: senderUnknownAdvice,
		AgentAdvice: "The lookup of our _dmarc record failed transiently (DMARC temperror, RFC 7489 §11.2). " +
			"Receivers that hit the same failure may defer our mail or treat it as unauthenticated. Run the check again; if it persists, check our domain's name servers.",
	},
}
