package rules

// placementRules are about where our test codes have been landing at the
// address's mailbox provider, from the latest seed runs (`codeprobe seeds`):
// real accounts at the provider that receive a test code and are read
// over IMAP (RFC 9051). They tell the agent where this user's code most
// likely is.
var placementRules = []Rule{
	{
		ID:       PlacementInbox,
		Severity: OK,
		Audience: Recipient,
		RFC:      "RFC 6154 §2",
		Summary:  "Our codes are reaching the inbox at this provider.",
		UserAdvice: "Codes are arriving normally at your email provider right now. Search your mail for our sender's name, " +
			"and check any filters or rules you have set up that might move or delete our emails.",
		AgentAdvice: "In the latest seed runs, our test codes landed in the inbox of the seed accounts at this provider, in time (the counts are in the detail). " +
			"Delivery to this provider works in general, so look at what is particular to this user: a typo in the address, a full or disabled mailbox, " +
			"their own filters, forwarding or blocked senders, or an older code being typed.",
	},
	{
		ID:       PlacementJunk,
		Severity: Warn,
		Audience: Recipient,
		RFC:      "RFC 6154 §2",
		Summary:  "Our codes are landing in the junk folder at this provider.",
		UserAdvice: "Your email provider is currently putting our codes in its spam or junk folder. Look there for the newest code, " +
			"and mark the message as \"not spam\" so the next one reaches your inbox.",
		AgentAdvice: "In the latest seed runs our test codes landed in the provider's junk folder (\\Junk, RFC 6154; the folder and counts are in the detail). " +
			"Tell the user which folder to open and to mark the message as not spam. Escalate to the sending team: junk placement at a whole provider " +
			"points at our reputation or authentication (check the receiver's SPF/DKIM/DMARC verdicts on the dashboard).",
	},
	{
		ID:       PlacementDelayed,
		Severity: Warn,
		Audience: Recipient,
		RFC:      "RFC 5321 §4.5.4",
		Summary:  "Our codes are arriving late at this provider.",
		UserAdvice: "Codes are taking a few minutes to reach your email provider right now. Wait for the code instead of asking for a new one, " +
			"because every new request makes the earlier codes stop working, and use only the newest code.",
		AgentAdvice: "In the latest seed runs our test codes reached this provider, but later than the sign-in page waits (the latencies are in the detail). " +
			"Users then ask for new codes and type an old one. Advise waiting and using the newest code only; if it persists, escalate with the latencies: " +
			"the provider may be throttling or greylisting our sending IPs.",
	},
	{
		ID:       PlacementMissing,
		Severity: Fail,
		Audience: Recipient,
		RFC:      "RFC 5321 §6.2",
		Summary:  "Our codes are not arriving at all at this provider.",
		UserAdvice: "Our codes are currently not reaching your email provider at all. This is a problem on our side, not with your address: " +
			"please use another way to sign in, or try again later.",
		AgentAdvice: "In the latest seed runs our test codes were accepted but never appeared in any folder of the seed accounts at this provider before the deadline: " +
			"silently dropped or held in a quarantine. Escalate to the sending team at once with the run times in the detail; offer the user another sign-in method meanwhile.",
	},
}
