package rules

// mxRules are about where the domain's mail is routed (RFC 5321 §5.1).
var mxRules = []Rule{
	{
		ID:       MXNone,
		Severity: Fail,
		Audience: Recipient,
		RFC:      "RFC 5321 §5.1",
		Summary:  "The domain has no mail servers: no MX and no address records.",
		UserAdvice: "Your address's domain isn't set up to receive email, so codes can't reach you there. " +
			"Check the address for a typo, or use a different email address.",
		AgentAdvice: "The domain exists but has neither MX nor A/AAAA records, so there is no host to deliver to (RFC 5321 §5.1) and senders bounce at once. " +
			"Typical of parked or web-only domains, or of a DNS move that dropped the MX records. " +
			"Ask for another address; if it is an organisation's domain, its IT team must publish MX records.",
	},
	{
		ID:       MXNull,
		Severity: Fail,
		Audience: Recipient,
		RFC:      "RFC 7505 §3",
		Summary:  "The domain declares that it accepts no email (null MX).",
		UserAdvice: "The domain of your address has declared that it doesn't accept email at all, so codes sent there will never arrive. " +
			"Please use a different email address.",
		AgentAdvice: "The domain publishes a null MX, a single MX record '0 .' (RFC 7505 §3): an explicit statement by its owner that it receives no mail. " +
			"Senders fail at once without connecting, typically with 556 5.1.10. Nothing on our side can change this; the user needs a different address.",
	},
	{
		ID:       MXImplicit,
		Severity: Warn,
		Audience: Recipient,
		RFC:      "RFC 5321 §5.1",
		Summary:  "The domain lists no mail server, so mail falls back to the domain's own host (implicit MX).",
		UserAdvice: "Your address's domain has no dedicated mail server listed, so email to you may not be delivered, or may be slow. " +
			"If codes don't arrive, use a different address or ask whoever runs the domain to set up its email.",
		AgentAdvice: "There are no MX records but the domain has A/AAAA records, which senders then use as an implicit MX (RFC 5321 §5.1). " +
			"Often that host is only a web server with nothing listening on port 25, so mail queues and eventually bounces; some senders refuse implicit MX outright. " +
			"Check the SMTP findings: if the host accepted a connection, delivery may work. " +
			"Otherwise the domain's admin must publish MX records, or a null MX if the domain takes no mail.",
	},
	{
		ID:       MXUnresolvable,
		Severity: Fail,
		ByCase:   []Severity{Warn},
		Audience: Recipient,
		RFC:      "RFC 5321 §5.1",
		Summary:  "A mail server named in the domain's MX records has no address.",
		UserAdvice: "One or more of the mail servers for your address can't be found. If none can be found, codes can't reach you; if only some, they may arrive late. " +
			"If this is a work or school address, let your IT team know; otherwise try another address.",
		AgentAdvice: "An MX target has no A/AAAA records (NXDOMAIN or no data). It is a fail when no MX host resolves: senders cannot deliver and bounce, " +
			"possibly after days of retries. It is a warning when other MX hosts resolve: senders skip the broken one (RFC 5321 §5.1), with possible delays. " +
			"Usually a stale MX left behind after a provider change; the domain's admin must fix the MX records or the host's address records.",
	},
	{
		ID:       MXPrivateAddress,
		Severity: Fail,
		Audience: Recipient,
		RFC:      "RFC 6890",
		Summary:  "The domain's mail servers resolve only to private or reserved addresses.",
		UserAdvice: "The mail server for your address points somewhere that only works inside a private network, so email from the internet can't reach you. " +
			"Tell your IT team or whoever runs the domain, or use a different address.",
		AgentAdvice: "Every address of the MX hosts is loopback, private (RFC 1918), link-local, shared, documentation or another special-purpose range (RFC 6890), " +
			"so no Internet sender can connect, and codeprobe refuses to try. " +
			"Typical causes are internal DNS published to the outside or a record left over from testing. The domain's admin must publish public addresses.",
	},
	{
		ID:       MXCNAME,
		Severity: Warn,
		Audience: Recipient,
		RFC:      "RFC 2181 §10.3",
		Summary:  "An MX record points to an alias (CNAME) instead of a host name.",
		UserAdvice: "Your address's domain has a small fault in its email setup. Mail usually still arrives, so first look in your Spam or Junk folder. " +
			"If codes keep going missing, let your IT team or whoever runs the domain know.",
		AgentAdvice: "An MX target is a CNAME, which RFC 2181 §10.3 forbids: MX targets must be canonical host names. " +
			"Most MTAs follow the alias anyway, so this is rarely why a code is missing, but some senders reject or mishandle it, " +
			"and it breaks MTA-STS and DANE name matching. The domain's admin should point the MX straight at the canonical host name.",
	},
	{
		ID:       MXIPLiteral,
		Severity: Fail,
		Audience: Recipient,
		RFC:      "RFC 1035 §3.3.9",
		Summary:  "An MX record names an IP address instead of a host name.",
		UserAdvice: "The email settings of your address's domain contain a mistake (a number where a server name should be), so most email can't reach you. " +
			"Tell your IT team or whoever runs the domain, or use a different address.",
		AgentAdvice: "An MX exchange field holds an IP address, as in 'MX 10 192.0.2.1'. RFC 1035 §3.3.9 requires a host name there; " +
			"standard senders look up '192.0.2.1.' as a name, find nothing, and retry or bounce. A few lenient MTAs deliver anyway, so symptoms vary by sender. " +
			"The domain's admin must give the server a host name with A/AAAA records and point the MX at it.",
	},
	{
		ID:       MXProvider,
		Severity: Info,
		Audience: Recipient,
		Summary:  "The domain's email is handled by a known provider or filtering service.",
		UserAdvice: "We found which company handles email for this address, " +
			"so we can tell you where a missing code is most likely to be: see the tips for that provider.",
		AgentAdvice: "Identified from the MX host names. When a filtering gateway (Mimecast, Proofpoint, Barracuda, Cisco and others) is in front, " +
			"the mailbox provider behind it is inferred from the domain's SPF includes where possible. " +
			"A gateway can quarantine mail before it reaches the mailbox: the user should check the gateway's quarantine digest, " +
			"or ask their IT team to release the message and allow our sending domain. Use the provider's junk-folder name in your reply.",
	},
	{
		ID:         MXOK,
		Severity:   OK,
		Audience:   Recipient,
		RFC:        "RFC 5321 §5.1",
		Summary:    "The domain has mail servers that can receive email.",
		UserAdvice: "Your address's domain is set up to receive email.",
		AgentAdvice: "The domain publishes MX records whose hosts resolve to public addresses, so routing is in order (RFC 5321 §5.1). " +
			"If codes are still missing, look at the SMTP results, the test send and the junk placement.",
	},
}

// dnsRules are about the DNS lookups themselves and DNSSEC (RFC 4035).
var dnsRules = []Rule{
	{
		ID:       DNSTimeout,
		Severity: Inconclusive,
		Audience: Recipient,
		Summary:  "A DNS lookup did not answer in time.",
		UserAdvice: "We couldn't finish checking your address because its domain's name servers didn't answer in time. " +
			"This is often temporary: wait a few minutes and try again.",
		AgentAdvice: "A DNS query timed out, so the checks that depend on it are inconclusive, not failed. " +
			"Run the check again; if it keeps timing out, the domain's authoritative name servers may be down, overloaded or unreachable (a lame delegation), " +
			"which also delays real mail: senders retry for days before bouncing. Check with another resolver before escalating.",
	},
	{
		ID:       DNSError,
		Severity: Inconclusive,
		Audience: Recipient,
		RFC:      "RFC 1035 §4.1.1",
		Summary:  "A DNS lookup could not be made: the DNS server refused it or could not be reached.",
		UserAdvice: "We couldn't finish checking your address because of a problem on our side looking up internet records. " +
			"It says nothing about your address: please try again in a few minutes.",
		AgentAdvice: "The resolver codeprobe uses answered REFUSED (RCODE 5, RFC 1035 §4.1.1) or could not be reached at all, so nothing about the domain could be checked. " +
			"This is about the prober's DNS setup (the --resolver address, a firewall, a resolver that refuses recursion to us), not the user's domain: fix it and check again.",
	},
	{
		ID:       DNSServFail,
		Severity: Inconclusive,
		Audience: Recipient,
		RFC:      "RFC 1035 §4.1.1",
		Summary:  "A DNS lookup failed with a server error.",
		UserAdvice: "We couldn't finish checking your address because its domain's internet records returned an error. " +
			"This is often temporary: wait a few minutes and try again. If it keeps happening, tell your IT team or whoever runs the domain.",
		AgentAdvice: "The resolver answered SERVFAIL (RCODE 2, RFC 1035 §4.1.1), so dependent checks are inconclusive. " +
			"Common causes: broken DNSSEC (validating resolvers return SERVFAIL for bogus signatures, for example after a failed key rollover; " +
			"a query with checking disabled, dig +cd, tells the two apart) or lame and unreachable name servers. " +
			"Broken DNSSEC blocks mail from every validating sender, including large providers; only the domain's admin can fix it.",
	},
	{
		ID:          DNSSECSecure,
		Severity:    OK,
		Audience:    Recipient,
		RFC:         "RFC 4035 §3.2.3",
		Summary:     "The domain's DNS answers are validated with DNSSEC.",
		UserAdvice:  "Nothing for you to do: your address's domain protects its internet records with security signatures (DNSSEC).",
		AgentAdvice: "The validating resolver set the AD bit (RFC 4035 §3.2.3): the MX and related answers are authenticated. This is what lets DANE (RFC 7672) take effect.",
	},
	{
		ID:         DNSSECInsecure,
		Severity:   Info,
		Audience:   Recipient,
		RFC:        "RFC 4035 §4.3",
		Summary:    "The domain's DNS answers are not validated with DNSSEC.",
		UserAdvice: "Nothing for you to do: this is a technical detail that doesn't stop email from reaching you.",
		AgentAdvice: "No AD bit: the zone is unsigned, or the resolver used does not validate (the 'insecure' status of RFC 4035 §4.3). " +
			"Common, and not a delivery problem. Senders ignore any DANE TLSA records without DNSSEC.",
	},
}
