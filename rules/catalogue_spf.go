package rules

// What the end user is told about our own sending domain (Audience
// [Sender]): there is nothing they can do, and junk is where codes go
// meanwhile.
const (
	senderProblemAdvice = "Nothing you need to do: this is a setting on our side, and our team has to fix it. " +
		"Until then, our emails may land in your Spam or Junk folder, so please look there too."
	senderFineAdvice      = "Nothing for you to do: this is about how we send our emails, and it's in order."
	senderHardeningAdvice = "Nothing for you to do: this is about how we protect our own emails from forgery, and it doesn't stop our codes from reaching you."
	senderUnknownAdvice   = "Nothing for you to do: we couldn't check one of our own email settings just now. " +
		"In the meantime, please look in your Spam or Junk folder too."
)

// spfRules are about our sending domain's SPF record (RFC 7208).
var spfRules = []Rule{
	{
		ID:         SPFOK,
		Severity:   OK,
		Audience:   Sender,
		RFC:        "RFC 7208 §4.6.4",
		Summary:    "Our sending domain has a valid SPF record.",
		UserAdvice: senderFineAdvice,
		AgentAdvice: "The sending domain publishes exactly one valid v=spf1 record, within the DNS lookup limits (RFC 7208 §4.6.4) and ending in ~all or -all, " +
			"so receivers can tell that our servers may send for it. For DMARC, the envelope sender (Return-Path) domain must also align with the From domain.",
	},
	{
		ID:         SPFNone,
		Severity:   Fail,
		Audience:   Sender,
		RFC:        "RFC 7208 §2.6.1",
		Summary:    "Our sending domain has no SPF record.",
		UserAdvice: senderProblemAdvice,
		AgentAdvice: "There is no v=spf1 TXT record at the sending domain, so SPF evaluates to 'none' (RFC 7208 §2.6.1). " +
			"Since February 2024 Gmail and Yahoo require SPF or DKIM from every sender, and SPF, DKIM and DMARC from bulk senders; " +
			"Microsoft's Outlook.com has enforced the same for high-volume senders since May 2025 (550 5.7.515). Expect junk placement or rejections. " +
			"Escalate to the sending team: publish one SPF record listing our outbound servers and email providers, ending in ~all or -all.",
	},
	{
		ID:         SPFMultiple,
		Severity:   Fail,
		Audience:   Sender,
		RFC:        "RFC 7208 §4.5",
		Summary:    "Our sending domain has more than one SPF record.",
		UserAdvice: senderProblemAdvice,
		AgentAdvice: "More than one TXT record at the domain starts with v=spf1. Receivers must then return permerror (RFC 7208 §4.5), which counts as an SPF failure, " +
			"and DMARC can no longer pass through SPF. Escalate to the sending team: merge the mechanisms into a single record.",
	},
	{
		ID:         SPFSyntax,
		Severity:   Fail,
		Audience:   Sender,
		RFC:        "RFC 7208 §4.6",
		Summary:    "Our SPF record has a syntax error.",
		UserAdvice: senderProblemAdvice,
		AgentAdvice: "The v=spf1 record does not parse: an unknown mechanism or modifier, a bad qualifier, a malformed macro or CIDR length (the detail shows where). " +
			"Receivers return permerror for the whole record (RFC 7208 §4.6), so none of our servers are authorised. " +
			"Escalate to the sending team with the record text and the error.",
	},
	{
		ID:         SPFTooManyLookups,
		Severity:   Fail,
		Audience:   Sender,
		RFC:        "RFC 7208 §4.6.4",
		Summary:    "Our SPF record needs more than 10 DNS lookups.",
		UserAdvice: senderProblemAdvice,
		AgentAdvice: "Evaluating the record takes more than 10 DNS-querying terms (include, a, mx, ptr, exists and redirect, counted through every nested include). " +
			"Receivers stop and return permerror (RFC 7208 §4.6.4), so SPF fails for all our mail. " +
			"Escalate to the sending team: remove unused includes, replace a and mx with ip4/ip6 ranges, or send from separate subdomains.",
	},
	{
		ID:         SPFBrokenInclude,
		Severity:   Fail,
		Audience:   Sender,
		RFC:        "RFC 7208 §5.2",
		Summary:    "Our SPF record includes or redirects to a domain without a usable SPF record.",
		UserAdvice: senderProblemAdvice,
		AgentAdvice: "An include: or redirect= in our SPF record points at a domain that publishes no SPF record, or the includes loop back on themselves. " +
			"Receivers return permerror for the whole record (RFC 7208 §5.2 and §6.1), so SPF fails for all our mail. " +
			"Usually a retired email service still listed. Escalate to the sending team: remove or correct the include.",
	},
	{
		ID:         SPFVoidLookups,
		Severity:   Fail,
		Audience:   Sender,
		RFC:        "RFC 7208 §4.6.4",
		Summary:    "Our SPF record has too many lookups that find nothing.",
		UserAdvice: senderProblemAdvice,
		AgentAdvice: "More than two DNS lookups during evaluation returned NXDOMAIN or no records ('void lookups'); " +
			"RFC 7208 §4.6.4 has receivers return permerror past two, so SPF fails. Usually includes of retired providers, or a and mx terms for names that no longer exist. " +
			"Escalate to the sending team: remove the dead terms.",
	},
	{
		ID:         SPFPermissive,
		Severity:   Warn,
		ByCase:     []Severity{Fail},
		Audience:   Sender,
		RFC:        "RFC 7208 §5.1",
		Summary:    "Our SPF record lets any server send as us (+all or ?all).",
		UserAdvice: senderProblemAdvice,
		AgentAdvice: "The record ends in ?all (neutral: it asserts nothing) or +all (every host on the Internet passes), RFC 7208 §5.1. " +
			"Either way SPF gives no protection against forgery, and providers treat the domain as poorly authenticated. " +
			"+all is a fail: anyone can send passing mail in our name, fake codes included. Escalate to the sending team: end the record with ~all or -all.",
	},
	{
		ID:         SPFPTR,
		Severity:   Warn,
		Audience:   Sender,
		RFC:        "RFC 7208 §5.5",
		Summary:    "Our SPF record uses the ptr mechanism.",
		UserAdvice: senderProblemAdvice,
		AgentAdvice: "The record uses ptr, which RFC 7208 §5.5 says should not be published: it is slow and unreliable, and some receivers skip it, " +
			"so mail it was meant to authorise can fail SPF. Escalate to the sending team: replace it with ip4/ip6 or include terms.",
	},
	{
		ID:         SPFTempError,
		Severity:   Inconclusive,
		Audience:   Sender,
		RFC:        "RFC 7208 §2.6.6",
		Summary:    "Our SPF record could not be checked because of a DNS error.",
		UserAdvice: senderUnknownAdvice,
		AgentAdvice: "A DNS lookup during SPF evaluation failed transiently (temperror, RFC 7208 §2.6.6); receivers that hit the same failure usually defer our mail with a 4xx. " +
			"Run the check again; if it persists, check the name servers of our domain and of the domains our record includes.",
	},
}
