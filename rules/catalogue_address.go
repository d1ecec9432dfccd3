package rules

// addressRules are about the address as typed; checking them needs no
// network.
var addressRules = []Rule{
	{
		ID:       AddressSyntax,
		Severity: Fail,
		Audience: Recipient,
		RFC:      "RFC 5321 §4.1.2, RFC 5322 §3.4.1",
		Summary:  "The email address is not written correctly.",
		UserAdvice: "Your email address isn't written correctly, so no email can be sent to it. " +
			"Check it character by character: it needs exactly one @, no spaces, and a domain after the @ such as example.com. " +
			"Then type it again on the sign-in page.",
		AgentAdvice: "The address fails mailbox syntax (RFC 5321 §4.1.2, RFC 5322 §3.4.1); the finding's detail says why: no @, whitespace, " +
			"a leading, trailing or doubled dot, a local part over 64 octets or an address over 254 (RFC 5321 §4.5.3.1), or characters not allowed. " +
			"Nothing can be delivered to it. Confirm the address with the user and offer the report's suggestion if there is one. " +
			"If the address stored on the account is itself malformed, correct it only after verifying the user's identity another way.",
	},
	{
		ID:       AddressTypo,
		Severity: Warn,
		Audience: Recipient,
		Summary:  "The domain looks like a misspelling of a common email domain.",
		UserAdvice: "The part after the @ looks misspelled. If you meant the suggested address, sign in again with that one: " +
			"codes sent to the misspelled address never reach you. " +
			"Please don't keep using the misspelled address, because strangers can own such domains and read what is sent there.",
		AgentAdvice: "The domain is probably a misspelling of a common mail domain (the report's suggestion field holds the corrected address), " +
			"or a known typo-squatting domain registered to collect mistyped mail. Confirm with the user which address they meant. " +
			"If the account itself holds the misspelled address, codes never reached the user: change it only after verifying identity through another channel. " +
			"Treat anything already sent to a typo-squatted domain as possibly read by a third party: invalidate outstanding codes and reset links.",
	},
	{
		ID:       AddressDisposable,
		Severity: Warn,
		Audience: Recipient,
		Summary:  "The address belongs to a disposable (temporary) email service.",
		UserAdvice: "This is a temporary email address. Such inboxes often expire, get blocked, or can be read by anyone who knows the name, " +
			"so codes may not reach you. Please use an address you will keep, such as your personal or work email.",
		AgentAdvice: "The domain is on the disposable-mail list. These services often drop mail from sign-in systems, delete mailboxes after minutes or hours, " +
			"and many are publicly readable, so a code sent there may be seen by others. " +
			"Ask the user to move the account to a permanent address, applying your policy on disposable addresses before changing the account's email.",
	},
	{
		ID:       AddressRole,
		Severity: Info,
		Audience: Recipient,
		RFC:      "RFC 2142",
		Summary:  "The address is a shared role mailbox, such as info@ or support@.",
		UserAdvice: "This looks like a shared address (like info@ or support@). Codes sent to it may go to a group inbox, " +
			"a ticket system or a colleague first. Check with whoever manages that inbox, or sign in with your own personal address.",
		AgentAdvice: "Role mailboxes (the RFC 2142 names: info, sales, support, abuse, postmaster, webmaster and the like) usually feed a distribution list, " +
			"a shared mailbox or a ticketing system, so codes can be held for moderation, filtered, answered by an auto-reply or read by someone else. " +
			"Suggest a personal mailbox for sign-in; if the user must keep this one, ask them to check the shared mailbox and any ticket queue it feeds.",
	},
	{
		ID:       AddressFreemail,
		Severity: Info,
		Audience: Recipient,
		Summary:  "The address is at a free consumer email provider.",
		UserAdvice: "You're using a free personal email service, which is fine. " +
			"If the code hasn't arrived, look in your Spam or Junk folder and in any other tabs or folders your mailbox has.",
		AgentAdvice: "A consumer mailbox at a large free provider (named in the report's provider field). " +
			"These providers filter on sender reputation and authentication, so check the seed-mailbox placement for that provider to see whether our codes " +
			"currently land in the inbox or in junk, and give the user that provider's folder tips.",
	},
	{
		ID:       AddressSMTPUTF8,
		Severity: Warn,
		Audience: Recipient,
		RFC:      "RFC 6531 §3.3",
		Summary:  "The part before the @ contains non-ASCII characters.",
		UserAdvice: "Your address has special characters before the @ (such as é, ü or non-Latin letters). " +
			"Many sign-in systems and email servers can't deliver to such addresses yet. " +
			"If your email provider gives you a version of your address with plain letters, use that instead.",
		AgentAdvice: "The local part is non-ASCII, which needs the SMTPUTF8 extension (RFC 6531) on every hop: our sending system must support it, " +
			"and the recipient's MX must advertise SMTPUTF8 in its EHLO reply. Without it the message cannot be sent at all; there is no downgrade for the envelope address. " +
			"Check the SMTP findings for the MX's support and confirm ours. Suggest an ASCII alias or another address.",
	},
	{
		ID:       AddressIDN,
		Severity: Info,
		Audience: Recipient,
		RFC:      "RFC 5891 §5",
		Summary:  "The domain is an internationalised domain name.",
		UserAdvice: "The part after the @ uses non-English letters. That's allowed, and we checked it. " +
			"Some websites handle such domains poorly, so if codes still don't arrive, ask your email provider whether you also have an address with plain letters.",
		AgentAdvice: "The domain has Unicode labels; the checks used its A-label form (xn--..., RFC 5891 §5), which is what the report shows. " +
			"With an ASCII local part, delivery needs no SMTPUTF8 as long as our sender writes the A-label in the envelope; sending the Unicode form requires SMTPUTF8 (RFC 6531). " +
			"If codes fail, check how our system stored the address (Unicode or A-label).",
	},
	{
		ID:       AddressIPLiteral,
		Severity: Warn,
		Audience: Recipient,
		RFC:      "RFC 5321 §4.1.3",
		Summary:  "The address uses an IP address instead of a domain name.",
		UserAdvice: "Your address ends in a number like [192.0.2.1] instead of a name like example.com. " +
			"Most services, including many sign-in systems, won't send email to such addresses. Please use a regular email address.",
		AgentAdvice: "The domain part is an address literal (RFC 5321 §4.1.3). It is valid syntax, but it bypasses DNS and MX routing, " +
			"and most senders and receiving servers refuse it; it is usually a test or internal address. Ask the user for an address with a domain name.",
	},
}

// domainRules are about whether the domain exists on the Internet.
var domainRules = []Rule{
	{
		ID:       DomainNXDomain,
		Severity: Fail,
		Audience: Recipient,
		RFC:      "RFC 1035 §4.1.1",
		Summary:  "The domain does not exist.",
		UserAdvice: "The part after the @ isn't a domain that exists, so email to this address can't be delivered. Check it for a typo. " +
			"If it's your company's or your own domain, it may have expired: ask whoever looks after it.",
		AgentAdvice: "The domain's DNS answered NXDOMAIN (RCODE 3, RFC 1035 §4.1.1): it is not registered, has lapsed, or is a typo (see the suggestion field). " +
			"Mail to it bounces at once. Confirm the address with the user; if the domain used to work, its registration or delegation has probably expired " +
			"and its owner must renew or fix it.",
	},
}
