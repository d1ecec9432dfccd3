package rules

// dkimRules are about our sending domain's DKIM keys (RFC 6376, with the
// key-size rules of RFC 8301).
var dkimRules = []Rule{
	{
		ID:         DKIMOK,
		Severity:   OK,
		Audience:   Sender,
		RFC:        "RFC 6376 §3.6.1",
		Summary:    "Our DKIM key is published and sound.",
		UserAdvice: senderFineAdvice,
		AgentAdvice: "A valid DKIM key record (v=DKIM1, a usable p= key, RSA of 2048 bits or more, or Ed25519) is published at the selector (RFC 6376 §3.6.1). " +
			"For DMARC the signature's d= must align with the From domain. Not every receiver verifies Ed25519 yet, so an Ed25519 key should be paired with an RSA signature.",
	},
	{
		ID:         DKIMNone,
		Severity:   Warn,
		Audience:   Sender,
		RFC:        "RFC 6376 §3.6.2.2",
		Summary:    "No DKIM key was found at any selector we tried.",
		UserAdvice: senderProblemAdvice,
		AgentAdvice: "There is no key record at <selector>._domainkey of the sending domain for any selector tried (RFC 6376 §3.6.2.2). " +
			"DNS cannot list selectors, so we may just not know the right one: check with the selector our mail really uses (the s= tag of the DKIM-Signature on a delivered code). " +
			"If our mail is unsigned, or signed only with our email provider's domain, DMARC cannot pass through DKIM and the Gmail and Yahoo sender rules are not met: " +
			"escalate to the sending team.",
	},
	{
		ID:         DKIMWeak,
		Severity:   Warn,
		Audience:   Sender,
		RFC:        "RFC 8301 §3.2",
		Summary:    "Our DKIM key is only 1024-bit RSA.",
		UserAdvice: senderHardeningAdvice,
		AgentAdvice: "1024-bit RSA keys are still accepted (RFC 8301 §3.2: signers must use at least 1024 bits and should use 2048) but are considered weak, and Gmail recommends 2048. " +
			"Escalate as hardening: publish a 2048-bit key under a new selector, switch signing to it, then revoke the old one.",
	},
	{
		ID:         DKIMInsecure,
		Severity:   Fail,
		Audience:   Sender,
		RFC:        "RFC 8301 §3.2",
		Summary:    "Our DKIM key is shorter than 1024 bits.",
		UserAdvice: senderProblemAdvice,
		AgentAdvice: "RFC 8301 §3.2 forbids verifiers to accept signatures made with RSA keys under 1024 bits, so our DKIM fails everywhere and DMARC rests on SPF alone. " +
			"Escalate to the sending team: rotate now to a 2048-bit key under a new selector.",
	},
	{
		ID:         DKIMRevoked,
		Severity:   Warn,
		Audience:   Sender,
		RFC:        "RFC 6376 §3.6.1",
		Summary:    "The DKIM key at this selector is revoked (empty p=).",
		UserAdvice: senderProblemAdvice,
		AgentAdvice: "The key record has an empty p= tag, which means the key is revoked (RFC 6376 §3.6.1). That is right for a retired selector, " +
			"but if our mail is still signed with this selector, every signature fails. Compare with the s= tag on a recent code's DKIM-Signature and escalate if it matches.",
	},
	{
		ID:         DKIMInvalid,
		Severity:   Fail,
		Audience:   Sender,
		RFC:        "RFC 6376 §3.6.1, RFC 6376 §6.1.2",
		Summary:    "The DKIM key record at this selector is malformed.",
		UserAdvice: senderProblemAdvice,
		AgentAdvice: "The record does not parse as a DKIM key (RFC 6376 §3.6.1): a wrong v=, an unknown k= algorithm, or a p= that is not valid base64 or not a usable public key, " +
			"often because a long TXT value was split or cut off in a DNS console. Verifiers fail every signature that uses it (RFC 6376 §6.1.2). " +
			"Escalate to the sending team with the record text.",
	},
	{
		ID:         DKIMTesting,
		Severity:   Info,
		Audience:   Sender,
		RFC:        "RFC 6376 §3.6.1",
		Summary:    "Our DKIM key is flagged as testing (t=y).",
		UserAdvice: senderHardeningAdvice,
		AgentAdvice: "t=y says the domain is testing DKIM, and RFC 6376 §3.6.1 tells verifiers not to treat such mail differently from unsigned mail. " +
			"Large providers mostly use the signature anyway, but the flag should be removed once signing is confirmed to work.",
	},
	{
		ID:         DKIMTempError,
		Severity:   Inconclusive,
		Audience:   Sender,
		RFC:        "RFC 6376 §6.1.2",
		Summary:    "Our DKIM key could not be fetched because of a DNS error.",
		UserAdvice: senderUnknownAdvice,
		AgentAdvice: "The key lookup failed transiently; verifiers that hit this return TEMPFAIL (RFC 6376 §6.1.2) and may defer our mail or treat it as unsigned. " +
			"Run the check again; if it persists, check our name servers, including over TCP, which large key records can need.",
	},
}
