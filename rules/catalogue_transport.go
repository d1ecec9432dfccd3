package rules

// What the end user is told about the recipient's optional transport
// security: it rarely explains a missing code.
const (
	transportFineAdvice    = "Nothing to do: this is an optional security feature of your email provider."
	transportFaultAdvice   = "Nothing you need to do now: a security setting at your email provider has a mistake, but email should still arrive. If codes are missing, let your email provider or IT team know."
	transportUnknownAdvice = "Nothing for you to do: we couldn't check one of your email provider's security settings just now."
	transportBlockedAdvice = "Your email provider's security settings don't match its own mail servers, so some senders will refuse to deliver to you, " +
		"and codes may not arrive at all until it's fixed. Please tell your email provider or IT team, and use another address meanwhile."
)

// mtastsRules are about the recipient domain's MTA-STS policy (RFC 8461).
var mtastsRules = []Rule{
	{
		ID:          MTASTSNone,
		Severity:    Info,
		Audience:    Recipient,
		RFC:         "RFC 8461 §3.1",
		Summary:     "The domain has no MTA-STS policy.",
		UserAdvice:  transportFineAdvice,
		AgentAdvice: "No _mta-sts TXT record (RFC 8461 §3.1), so senders use opportunistic TLS. Common, and not a cause of missing mail.",
	},
	{
		ID:         MTASTSEnforce,
		Severity:   OK,
		Audience:   Recipient,
		RFC:        "RFC 8461 §5",
		Summary:    "The domain requires encrypted delivery (MTA-STS in enforce mode).",
		UserAdvice: "Nothing to do: your email provider requires secure delivery of your email.",
		AgentAdvice: "A valid MTA-STS policy in enforce mode (RFC 8461 §5): compliant senders deliver only over TLS with a valid certificate, to MX hosts the policy names. " +
			"If the MX certificate or names break, those senders stop delivering: see the smtp.tls-invalid and mtasts.mx-mismatch findings.",
	},
	{
		ID:          MTASTSTesting,
		Severity:    Info,
		Audience:    Recipient,
		RFC:         "RFC 8461 §5",
		Summary:     "The domain's MTA-STS policy is in testing mode.",
		UserAdvice:  "Nothing to do: this is a security feature your email provider is still trying out.",
		AgentAdvice: "mode: testing (RFC 8461 §5): senders report TLS failures through TLS-RPT but deliver anyway, so it never blocks mail.",
	},
	{
		ID:         MTASTSInvalid,
		Severity:   Warn,
		Audience:   Recipient,
		RFC:        "RFC 8461 §3.1, RFC 8461 §3.2",
		Summary:    "The domain's MTA-STS record or policy file is malformed.",
		UserAdvice: transportFaultAdvice,
		AgentAdvice: "The _mta-sts TXT record (RFC 8461 §3.1) or the policy file (§3.2) is invalid; see detail. " +
			"Senders without a cached policy treat the domain as having none and deliver normally, but senders still holding an older valid policy keep applying it until its max_age runs out. " +
			"The domain's admin should fix the record or the file.",
	},
	{
		ID:         MTASTSFetchFailed,
		Severity:   Warn,
		Audience:   Recipient,
		RFC:        "RFC 8461 §3.3",
		Summary:    "The domain's MTA-STS policy file could not be fetched.",
		UserAdvice: transportFaultAdvice,
		AgentAdvice: "The TXT record exists but https://mta-sts.<domain>/.well-known/mta-sts.txt could not be fetched (DNS, certificate, HTTP status or timeout; see detail). " +
			"Senders without a valid cached policy then deliver as if there were no MTA-STS (RFC 8461 §3.3); " +
			"those with a cached enforce policy keep enforcing it, so a stale policy listing old MX hosts can block their mail. The domain's admin should fix the policy host.",
	},
	{
		ID:         MTASTSMXMismatch,
		Severity:   Fail,
		ByCase:     []Severity{Warn},
		Audience:   Recipient,
		RFC:        "RFC 8461 §4.1",
		Summary:    "An MX host is not covered by the domain's MTA-STS policy.",
		UserAdvice: transportBlockedAdvice,
		AgentAdvice: "In enforce mode an MX host matches none of the policy's mx: patterns (RFC 8461 §4.1), so compliant senders, Gmail and Microsoft 365 among them, " +
			"won't deliver to that host (§5); when no MX matches, they don't deliver at all and the mail bounces after retries. Typical after an MX change without updating the policy. " +
			"The domain's admin must add the MX names to the policy file and change the id in the TXT record. In testing mode it is only a warning: senders report it and still deliver.",
	},
	{
		ID:         MTASTSPrivateAddress,
		Severity:   Warn,
		Audience:   Recipient,
		RFC:        "RFC 8461 §3.3",
		Summary:    "The domain's MTA-STS policy host resolves to a private address.",
		UserAdvice: transportFaultAdvice,
		AgentAdvice: "mta-sts.<domain> resolves only to private, loopback or other non-public addresses, so neither codeprobe nor any other sender can fetch the policy (RFC 8461 §3.3); " +
			"senders without a cached copy behave as if there were no policy. Probably internal DNS leaking out; the domain's admin should publish a public address.",
	},
	{
		ID:          MTASTSTempError,
		Severity:    Inconclusive,
		Audience:    Recipient,
		RFC:         "RFC 8461 §3.1",
		Summary:     "The domain's MTA-STS record could not be checked because of a DNS error.",
		UserAdvice:  transportUnknownAdvice,
		AgentAdvice: "The _mta-sts TXT lookup failed transiently, so the MTA-STS status is unknown. Run the check again; senders holding a cached policy are not affected.",
	},
}

// tlsrptRules are about the recipient domain's TLS reporting record
// (RFC 8460).
var tlsrptRules = []Rule{
	{
		ID:         TLSRPTOK,
		Severity:   OK,
		Audience:   Recipient,
		RFC:        "RFC 8460 §3",
		Summary:    "The domain asks senders for TLS failure reports (TLS-RPT).",
		UserAdvice: "Nothing to do: your email provider collects reports about secure delivery problems.",
		AgentAdvice: "A valid v=TLSRPTv1 record at _smtp._tls (RFC 8460 §3): senders report TLS negotiation and policy failures to the domain's rua address, " +
			"so its admin hears about certificate or MTA-STS problems.",
	},
	{
		ID:         TLSRPTNone,
		Severity:   Info,
		Audience:   Recipient,
		RFC:        "RFC 8460 §3",
		Summary:    "The domain does not ask for TLS failure reports.",
		UserAdvice: transportFineAdvice,
		AgentAdvice: "No _smtp._tls TXT record (RFC 8460 §3), so the domain's admin won't hear from senders when TLS or MTA-STS fails. " +
			"Optional; worth suggesting to domains that use MTA-STS or DANE.",
	},
	{
		ID:         TLSRPTInvalid,
		Severity:   Warn,
		Audience:   Recipient,
		RFC:        "RFC 8460 §3",
		Summary:    "The domain's TLS reporting record is malformed.",
		UserAdvice: "Nothing to do: a reporting setting at your email provider has a mistake, but it doesn't stop email from arriving.",
		AgentAdvice: "The _smtp._tls record is not valid TLS-RPT: it must start with v=TLSRPTv1 and carry rua= with mailto: or https: URIs (RFC 8460 §3; see detail). " +
			"Senders send no reports. Delivery is unaffected; the domain's admin should fix the record.",
	},
}

// daneRules are about TLSA records for the recipient's MX hosts (RFC 7672).
var daneRules = []Rule{
	{
		ID:         DANEPresent,
		Severity:   OK,
		Audience:   Recipient,
		RFC:        "RFC 7672 §3.1",
		Summary:    "The domain's mail servers publish DNSSEC-signed DANE (TLSA) records.",
		UserAdvice: "Nothing to do: your email provider uses an extra security check for incoming email.",
		AgentAdvice: "Usable TLSA records (DANE-EE(3) or DANE-TA(2)) at _25._tcp of the MX hosts in a DNSSEC-signed zone (RFC 7672 §3.1): " +
			"DANE-aware senders (Postfix, Exim, Microsoft 365 and others) require TLS with a matching certificate. " +
			"A certificate change without updating the TLSA records stops their mail; see dane.mismatch.",
	},
	{
		ID:          DANENone,
		Severity:    Info,
		Audience:    Recipient,
		RFC:         "RFC 7672 §2.2",
		Summary:     "The domain's mail servers publish no DANE (TLSA) records.",
		UserAdvice:  transportFineAdvice,
		AgentAdvice: "No TLSA records at _25._tcp of the MX hosts, so senders use opportunistic TLS or MTA-STS. Common, and not a delivery problem.",
	},
	{
		ID:         DANEInsecure,
		Severity:   Warn,
		Audience:   Recipient,
		RFC:        "RFC 7672 §2.2",
		Summary:    "The domain publishes TLSA records without DNSSEC, so senders ignore them.",
		UserAdvice: "Nothing you need to do: a security setting at your email provider isn't switched on properly, but email still arrives.",
		AgentAdvice: "TLSA records exist but are not DNSSEC-validated (the MX host's zone is unsigned), and DANE senders ignore TLSA records obtained insecurely (RFC 7672 §2.2), " +
			"so they protect nothing. Not a delivery problem; the domain's admin should sign the zone or remove the records.",
	},
	{
		ID:         DANEUnusable,
		Severity:   Warn,
		Audience:   Recipient,
		RFC:        "RFC 7672 §3.1.3",
		Summary:    "None of the domain's TLSA records is of a kind senders can use.",
		UserAdvice: "Nothing you need to do: a security setting at your email provider is set up in a way senders can't use, but email still arrives.",
		AgentAdvice: "The TLSA records are DNSSEC-signed but none is usable for SMTP: PKIX-TA(0) or PKIX-EE(1) usages, which RFC 7672 §3.1.3 has SMTP clients treat as unusable, " +
			"or unknown selector or matching types. DANE senders then still require TLS but skip authentication, so mail fails only if the server has no working STARTTLS. " +
			"The domain's admin should publish DANE-EE(3) records, such as '3 1 1' with the SHA-256 of the server's public key.",
	},
	{
		ID:         DANEMismatch,
		Severity:   Fail,
		Audience:   Recipient,
		RFC:        "RFC 7672 §3",
		Summary:    "The mail server's certificate matches none of its TLSA records.",
		UserAdvice: transportBlockedAdvice,
		AgentAdvice: "The MX's certificate chain matches none of the usable TLSA records at _25._tcp of that host (RFC 7672 §3). " +
			"DANE-validating senders (Postfix, Exim, Microsoft 365 and others) defer mail to it and bounce when their retry period ends. " +
			"Usually a certificate or key renewal without a TLSA update. The domain's admin must publish TLSA records for the new key, keeping old and new during a rollover.",
	},
	{
		ID:         DANETempError,
		Severity:   Inconclusive,
		Audience:   Recipient,
		RFC:        "RFC 7672 §2.1.1",
		Summary:    "The domain's TLSA records could not be checked because of a DNS error.",
		UserAdvice: transportUnknownAdvice,
		AgentAdvice: "The TLSA lookup failed (SERVFAIL or timeout). For an MX host in a signed zone, DANE senders treat a failed TLSA lookup as a reason not to use that host " +
			"rather than to downgrade (RFC 7672 §2.1.1), so a persistent failure delays their mail. Run the check again; if it persists, " +
			"the domain's admin should check the zone's DNSSEC and name servers (some servers fail queries for record types they don't know).",
	},
}
