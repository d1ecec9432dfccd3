package rules

// sendRules are about a real test code sent to the address (RFC 5321
// §4.2, §6) and what came back to our return path: bounces (RFC 3464),
// automatic replies (RFC 3834), challenge/response filters and complaints
// (RFC 5965).
var sendRules = []Rule{
	{
		ID:       SendAccepted,
		Severity: OK,
		Audience: Recipient,
		RFC:      "RFC 5321 §4.2.5",
		Summary:  "The recipient's mail server accepted our test code.",
		UserAdvice: "We just sent you a test code and your email provider accepted it. If it isn't in your inbox within a few minutes, " +
			"look in your Spam or Junk folder and search your mail for our sender's name.",
		AgentAdvice: "The MX answered 250 after DATA (RFC 5321 §4.2.5); its queue ID is in the evidence, and the recipient's admin can trace the message with it. " +
			"Acceptance is not delivery to the inbox: the message may still be filtered to Junk, quarantined by a gateway, or bounced later (watch the returns for this send). " +
			"If the user still sees nothing, ask them to search all folders, including Spam and any quarantine digest.",
	},
	{
		ID:       SendDeferred,
		Severity: Warn,
		Audience: Recipient,
		RFC:      "RFC 5321 §4.2.1",
		Summary:  "The recipient's mail server told us to try again later.",
		UserAdvice: "Your email provider asked us to try again later, so your code will arrive late. Wait 10 to 15 minutes before asking for another code, " +
			"because every new code is held up the same way.",
		AgentAdvice: "The MX gave a temporary 4xx reply (RFC 5321 §4.2.1); the code, enhanced status and text are in the evidence. " +
			"450/451 4.7.1 or text about greylisting means greylisting (RFC 6647): our queue retries and the message arrives after the delay, often after the code has expired. " +
			"421 or 4.3.x means the server is busy or rate-limiting us. Ask the user to wait rather than request new codes; if deferrals persist, escalate to the sending team with the reply text.",
	},
	{
		ID:       SendRejected,
		Severity: Fail,
		Audience: Recipient,
		RFC:      "RFC 5321 §4.2.1, RFC 3463",
		Summary:  "The recipient's mail server refused our test code.",
		UserAdvice: "Your email provider refused our message, so codes can't reach this address right now. Check the address for typos. " +
			"If it's right, your mailbox may be full or closed, or your provider may be blocking us: contact them, or use another address.",
		AgentAdvice: "The MX gave a permanent 5xx reply at MAIL, RCPT or DATA; the stage, reply code, enhanced status (RFC 3463) and text are in the evidence. " +
			"5.1.1: the mailbox does not exist. 5.2.2: the mailbox is full. 5.7.x: policy (our reputation, SPF/DKIM/DMARC, or a block list): escalate to the sending team with the full text. " +
			"Real codes to this address fail the same way until the cause is fixed.",
	},
	{
		ID:         SendError,
		Severity:   Inconclusive,
		Audience:   Recipient,
		RFC:        "RFC 5321 §5.1",
		Summary:    "We could not attempt to send a test code.",
		UserAdvice: "We couldn't run the email test just now. That's a problem on our side, not with your address: please try again in a few minutes.",
		AgentAdvice: "The test send never reached a point where the recipient's server could answer: no usable MX, a refused private address, a bad address for SMTPUTF8, or our own smarthost failing. " +
			"The reason is in the detail. Fix or report it, then send again; it says nothing yet about the user's mailbox.",
	},
	{
		ID:       ReturnBounce,
		Severity: Fail,
		Audience: Recipient,
		RFC:      "RFC 3464 §2.3",
		Summary:  "Our test code bounced: the recipient's mail system returned it as undeliverable.",
		UserAdvice: "Our test message came back as undeliverable, so codes can't reach your address right now. If the reason shown is that the mailbox doesn't exist, " +
			"check your address for typos; if your mailbox is full, delete some old mail, then ask for a new code.",
		AgentAdvice: "A delivery status notification (RFC 3464) or an MTA's plain-text bounce came back to the send's return path after the server had accepted it. " +
			"The per-recipient status, reason (userunknown, mailboxfull, filtered, spamdetected…) and the remote server's diagnostic are in the evidence. " +
			"userunknown: confirm the address. mailboxfull: the user must make room. filtered, spamdetected or blocked: escalate to the sending team with the diagnostic.",
	},
	{
		ID:       ReturnChallenge,
		Severity: Fail,
		Audience: Recipient,
		RFC:      "RFC 3834 §2",
		Summary:  "A challenge/response filter is holding our test code until someone confirms the sender.",
		UserAdvice: "Your mailbox uses a filter that holds mail from unknown senders until the sender proves they're human, and automated sign-in emails can never do that. " +
			"Open your filter's list of held messages and approve our sender, or add our sender's address to your allowed senders.",
		AgentAdvice: "The answer to our send was a challenge from a challenge/response filter (BoxTrapper, Spam Arrest, Boxbe, MailWasher, ChoiceMail, TMDA or an ISP's known-senders filter). " +
			"It holds the message until the sender clicks a link or replies, which an automated sender never does, so codes never arrive. Never answer the challenge on the user's behalf: " +
			"tell the user to release the held message and allow-list our sender address in the filter's settings.",
	},
	{
		ID:       ReturnAutoreply,
		Severity: Info,
		Audience: Recipient,
		RFC:      "RFC 3834 §5",
		Summary:  "An automatic reply came back: the test code was delivered to a mailbox.",
		UserAdvice: "Our test message reached your mailbox and an automatic reply (such as an out-of-office message) was sent back. " +
			"Look for the code in your inbox, and in your Spam or Junk folder.",
		AgentAdvice: "An automatic reply (RFC 3834 Auto-Submitted, an out-of-office or vacation notice, a ticket acknowledgement, or a list moderation notice) came back to the return path. " +
			"It shows the message reached a mailbox or a system that read it; a ticket system or moderated list means the address is not a person's inbox, so codes sent there are read by whoever runs it.",
	},
	{
		ID:         ReturnFeedback,
		Severity:   Warn,
		Audience:   Recipient,
		RFC:        "RFC 5965 §3",
		Summary:    "A spam complaint about our message came back from the recipient's provider.",
		UserAdvice: "Nothing you need to do. If you marked one of our emails as spam, future codes may go to your Spam folder: mark them as not spam.",
		AgentAdvice: "A feedback report (RFC 5965 ARF) came back: the recipient or their provider reported our message as spam (feedback type in the evidence). " +
			"Complaints hurt our sending reputation at that provider and push later codes into Junk. Escalate to the sending team; ask the user to mark our messages as not spam.",
	},
	{
		ID:         ReturnReply,
		Severity:   Info,
		Audience:   Recipient,
		RFC:        "RFC 5322 §3.6.4",
		Summary:    "A person replied to our test code.",
		UserAdvice: "Our test message reached you, and a reply came back from your address. Look for the code in the same mailbox.",
		AgentAdvice: "A message referring to our test send came back without any automatic-reply marker: a person read the code and wrote back. " +
			"The mailbox works; if the user still can't find codes, they may be reading another mailbox or a forwarded copy.",
	},
}
