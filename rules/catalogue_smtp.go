package rules

// smtpRules are about what the recipient's MX hosts answered when probed
// over SMTP (RFC 5321) and STARTTLS (RFC 3207).
var smtpRules = []Rule{
	{
		ID:       SMTPUnreachable,
		Severity: Inconclusive,
		Audience: Recipient,
		RFC:      "RFC 5321 §4.5.4.1",
		Summary:  "No mail server answered on port 25 in time.",
		UserAdvice: "We couldn't reach this domain's mail server from here. " +
			"That is often caused by our own network, not your email, so it doesn't mean your address is broken.",
		AgentAdvice: "No MX host accepted a TCP connection on port 25 before the deadline. Many cloud and ISP networks block outbound port 25, " +
			"so from the prober this often says nothing: rerun from a host with port 25 open, or rely on the test send. " +
			"If our real mail servers cannot connect either, the MX is down or firewalled: senders queue and retry (RFC 5321 §4.5.4.1), " +
			"so codes arrive late or bounce when the retry period ends.",
	},
	{
		ID:       SMTPRejected,
		Severity: Fail,
		Audience: Recipient,
		RFC:      "RFC 5321 §4.2.1, RFC 3463",
		Summary:  "The mail server refused our message.",
		UserAdvice: "The mail server for this address refused our message. Check that the address is spelled correctly. " +
			"If it is, your mailbox may be full, closed or blocking us: contact your email provider or IT team, or use another address.",
		AgentAdvice: "The MX gave a permanent 5xx reply at connect, EHLO, MAIL or RCPT (RFC 5321 §4.2.1); the reply code, enhanced status (RFC 3463) and text are in the evidence. " +
			"5.1.1 means the mailbox does not exist (wrong or closed address): confirm the address with the user. 5.2.2 means the mailbox is full: the user must make room. " +
			"5.7.x is policy: our IP or domain reputation, our authentication, or the recipient's own block list; escalate it to the sending team with the full reply text. " +
			"A rejection at connect or EHLO usually targets the prober's IP address, not the mailbox.",
	},
	{
		ID:       SMTPGreylisted,
		Severity: Warn,
		Audience: Recipient,
		RFC:      "RFC 6647",
		Summary:  "The mail server deferred us in the way typical of greylisting.",
		UserAdvice: "Your email provider holds back messages from new senders for a few minutes. Your code should still arrive, just late. " +
			"Wait 5 to 15 minutes before asking for a new code, because a new code would be held up the same way.",
		AgentAdvice: "The MX answered the first attempt with a temporary 4xx (typically 450 or 451 4.7.1, or text naming greylisting; RFC 6647). " +
			"Senders retry and are then accepted, so codes arrive after the greylisting delay plus our queue's retry interval, often 5 to 30 minutes, and may expire first. " +
			"Tell the user to wait rather than request another code. The recipient's admin can allow-list our sending servers; " +
			"the sending team can shorten the first retry interval or lengthen code validity.",
	},
	{
		ID:       SMTPNoSTARTTLS,
		Severity: Warn,
		Audience: Recipient,
		RFC:      "RFC 3207",
		Summary:  "The mail server does not offer encryption (STARTTLS).",
		UserAdvice: "Email still reaches you, but without encryption on the way. " +
			"If codes go missing, tell your email provider or IT team that their mail server doesn't offer secure (TLS) connections.",
		AgentAdvice: "The MX does not advertise STARTTLS in its EHLO reply (RFC 3207), so mail to it travels in clear text and codes can be read in transit. " +
			"Delivery still works unless our sender is configured to require TLS: check our outbound TLS policy. The domain's admin should enable STARTTLS.",
	},
	{
		ID:       SMTPTLSInvalid,
		Severity: Warn,
		ByCase:   []Severity{Fail},
		Audience: Recipient,
		RFC:      "RFC 8461 §4.2, RFC 7672 §3",
		Summary:  "The mail server's TLS certificate did not verify.",
		UserAdvice: "Your email provider's mail server has a security certificate problem. Most email still arrives, but some senders refuse to deliver until it's fixed. " +
			"If codes are missing, tell your email provider or IT team.",
		AgentAdvice: "STARTTLS worked but the certificate failed verification: expired, self-signed, an untrusted chain, or a certificate that doesn't name the MX host (see detail). " +
			"Ordinary senders use opportunistic TLS and deliver anyway. It is a fail when the domain enforces MTA-STS (RFC 8461 §4.2) or publishes DANE (RFC 7672 §3): " +
			"then compliant senders, Gmail and Microsoft 365 among them, refuse to deliver. The domain's admin must install a valid certificate for the MX host name.",
	},
	{
		ID:       SMTPTempFail,
		Severity: Inconclusive,
		Audience: Recipient,
		RFC:      "RFC 5321 §4.2.1",
		Summary:  "The mail server answered with a temporary error.",
		UserAdvice: "This address's mail server is temporarily busy or unavailable. " +
			"Your code may arrive late: wait a few minutes before asking for a new one.",
		AgentAdvice: "The MX gave a transient 4xx reply that doesn't look like greylisting, such as 421 (service not available), 451 (local error) or 452 (insufficient storage); see the evidence. " +
			"Senders retry (RFC 5321 §4.5.4.1), so delivery is delayed, not lost. " +
			"A persistent 421 or 451 with a 4.7.x status at a large provider usually means rate limiting or reputation throttling of our servers: " +
			"escalate to the sending team with the reply text.",
	},
	{
		ID:       SMTPProtocolError,
		Severity: Inconclusive,
		Audience: Recipient,
		RFC:      "RFC 5321 §4.2",
		Summary:  "The conversation with the mail server broke down.",
		UserAdvice: "We couldn't finish checking this address's mail server. " +
			"This doesn't mean anything is wrong with your email.",
		AgentAdvice: "The SMTP dialogue failed: malformed or unexpected replies (RFC 5321 §4.2), a connection dropped mid-session, an oversized reply, or a failed TLS handshake. " +
			"The transcript is in the evidence. Causes include an antivirus or firewall proxy on our side, a deliberately slow (tarpitting) server, or a broken MTA. " +
			"It says nothing certain about the mailbox: compare with the test send.",
	},
	{
		ID:         SMTPOK,
		Severity:   OK,
		Audience:   Recipient,
		RFC:        "RFC 5321 §4.1.1.1",
		Summary:    "The mail server is up and accepting connections.",
		UserAdvice: "Your address's mail server is up and ready to receive email.",
		AgentAdvice: "At least one MX accepted a connection, greeted with 220 and answered EHLO (RFC 5321 §4.1.1.1). " +
			"See the other SMTP findings for STARTTLS and the recipient check.",
	},
	{
		ID:       SMTPCatchAll,
		Severity: Info,
		Audience: Recipient,
		Summary:  "The mail server accepts any address, so its acceptance proves nothing.",
		UserAdvice: "This domain's mail server accepts mail for any address, even made-up ones, so we can't confirm that your exact mailbox exists. " +
			"Double-check the part before the @.",
		AgentAdvice: "The MX accepted RCPT for a random local part that surely doesn't exist: it accepts everything at RCPT time and may bounce or silently discard later. " +
			"So an accepted recipient proves nothing for this domain; rely on the test send and watch our return path for a later bounce. " +
			"Common behind filtering gateways and in some Microsoft 365 set-ups.",
	},
	{
		ID:         SMTPRecipientOK,
		Severity:   OK,
		Audience:   Recipient,
		RFC:        "RFC 5321 §4.1.1.3",
		Summary:    "The mail server accepted the recipient address.",
		UserAdvice: "Your email provider confirmed that it accepts mail for this address.",
		AgentAdvice: "RCPT TO for the address got a 250 or 251 reply (RFC 5321 §4.1.1.3), and, where tested, the server refused a random address. " +
			"The mailbox exists, so a missing code most likely went to junk or quarantine, was moved by one of the user's rules, or was delayed after acceptance: " +
			"check the test send's placement.",
	},
}
