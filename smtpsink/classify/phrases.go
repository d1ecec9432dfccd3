package classify

// phraseRule names a reason from the wording of a diagnostic. Patterns
// are matched against normalised text (lower case, single spaces).
type phraseRule struct {
	id     string
	reason string
	re     *guardedRe
	// weak rules are only tried after the status codes.
	weak bool
}

func rules(reason string, weak bool, patterns ...string) []phraseRule {
	out := make([]phraseRule, len(patterns))
	for i, p := range patterns {
		out[i] = phraseRule{id: reason + ":" + p, reason: reason, re: mustGuard(p), weak: weak}
	}
	return out
}

// phraseRules is the table of phrases, most specific reason first. The
// wording is what MTAs and mailbox providers commonly reply, described in
// their documentation and RFC 3463/5321 reply texts; no rule is keyed to
// one sender, host or product.
var phraseRules = concat(
	rules("mailererror", false,
		`\bprocmail\b`, `\bpipe to \|`, `\|/\S+`, `mail(?:er)? program`, `command (?:died|failed|output)`,
		`(?:exit|return) (?:code|status) \d`, `local delivery failed`),
	rules("virusdetected", false,
		`\bvirus`, `\bmalware\b`, `\binfected\b`, `\btrojan\b`, `\bworm\b.*detected`),
	rules("spamdetected", false,
		`(?:identified|detected|classified|considered|scored|flagged|marked|recognized|rated|judged) (?:it )?(?:as )?(?:being |likely |probable )?(?:spam|junk)`,
		`spam (?:content|message|detected|score|classification|signature)`, `(?:due to|because of) spam`,
		`looks like spam`, `probable spam`, `\bube\b`, `unsolicited (?:bulk |commercial )?(?:e-?mail|mail)`,
		`bulk (?:e-?mail|mail) filter`, `reject\S* .{0,40}\bspam\b`, `content rejected`, `spam filter`,
		`message content (?:was )?(?:rejected|not accepted)`),
	rules("authfailure", false,
		`\bdmarc\b`, `\bspf\b.{0,80}\b(?:fail|failed|failure|fails|softfail|permerror|did not pass|not pass)`,
		`(?:fail|fails|failed|not pass|did not pass)\w* (?:to pass )?(?:the )?spf\b`, `bad spf`,
		`\bdkim\b.{0,40}(?:fail|did not pass|not pass|invalid|missing|required)`,
		`authentication checks? (?:failed|did not pass)`, `unauthenticated (?:e-?mail|mail|message)`,
		`sender is unauthenticated`, `does not have authentication information`,
		`(?:fails?|failed) to pass authentication`, `authenticate with (?:either )?spf or dkim`,
		`sender ?id (?:check )?fail`),
	// Gmail's 5.7.1/5.7.26 replies ("does not have authentication
	// information or fails to pass authentication checks"; support article
	// "SMTP errors and codes") and the wording of other filters that name
	// SPF, DKIM and DMARC together as authentication checks.
	rules("authfailure", false, `\bauthentication checks\b`),
	// Microsoft 365's 5.7.515: "sending domain doesn't meet the required
	// authentication level" (Exchange Online NDR reference).
	rules("authfailure", false, `required authentication level`),
	rules("requireptr", false,
		`reverse dns`, `reverse (?:lookup|hostname|name|mapping)`, `\brdns\b`, `\bptr\b`,
		`ip name lookup failed`, `cannot find your (?:reverse )?hostname`, `no (?:reverse|dns) (?:entry|record) for`,
		`client host .{0,60}(?:hostname|name lookup)`, `mismatch(?:es)? (?:the )?client ip`,
		`(?:hostname|helo) (?:does not|doesn't) match (?:your |the )?ip`),
	rules("badreputation", false,
		`\breputation\b`, `unexpected volume or user complaints`),
	rules("notcompliantrfc", false,
		`\brfc ?(?:5322|2822|822|5321|2821)\b(?: \w+){0,3} complian`, `not (?:rfc ?\d+ )?compliant`, `non-?compliant`,
		`multiple (?:addresses|subject|from|to|date|message-id|sender)\b.{0,30}\b(?:header|in from)`,
		`duplicate header`, `missing (?:required )?(?:date|from|message-id|subject) header`,
		`(?:malformed|invalid|bad) (?:message )?header`, `header (?:is )?(?:malformed|invalid)`),
	rules("contenterror", false,
		`8-?bit data in (?:message )?header`, `headers? (?:too (?:large|long|big)|exceed)`,
		`(?:invalid|unsupported|illegal) (?:mime|character|charset|encoding|content)`, `media (?:type )?not supported`,
		`conversion (?:required|failed|not allowed)`, `bare (?:lf|line ?feeds?|cr)\b`),
	rules("exceedlimit", false,
		`size limit for (?:this |the )?recipient`, `recipsizelimit`, `too large for this recipient`),
	rules("mesgtoobig", false,
		`message (?:is )?too (?:big|large)`, `message size exceeds`, `message (?:length|size) (?:exceeds|limit)`,
		`exceeds (?:the )?(?:fixed |allowed |permitted )?(?:maximum|max|size) (?:message )?(?:size|limit)?`,
		`(?:mail|e-?mail) (?:is )?too (?:big|large)`, `size (?:limit )?exceeded`, `too big for (?:this )?system`),
	rules("systemfull", false,
		`insufficient system storage`, `insufficient disk space`, `mail system (?:is )?full`,
		`no space left on device`, `(?:disk|file ?system) (?:is )?full`),
	rules("mailboxfull", false,
		`mailbox (?:is )?full`, `mailbox has exceeded`, `over ?quota`, `quota ?exceeded`,
		`exceeded (?:the |his |her |their |its )?(?:storage |mailbox |disk )?quota`, `quota (?:has been |was )?exceeded`,
		`disk quota`, `storage quota`, `(?:inbox|mailfolder|mail folder|account) is full`,
		`out of (?:storage|disk) space`, `not enough (?:storage|space) (?:in|for) (?:the |this |his |her )?(?:mailbox|user|account)`,
		`(?:mailbox|inbox|box) (?:size )?(?:limit )?(?:exceeded|overflow)`, `would exceed (?:the )?(?:mailbox )?quota`,
		`bo[iî]te (?:aux lettres |mail )?pleine`, `postfach (?:ist )?voll`, `casella (?:di posta )?piena`, `buz[oó]n (?:est[aá] )?lleno`,
		`caixa (?:postal )?(?:est[aá] )?cheia`, `почтовый ящик переполнен`),
	// "mailbox has no free space", as mailbox providers word a full
	// mailbox that is not reported as a quota.
	rules("mailboxfull", false, `mailbox has no (?:free )?space`),
	rules("suspend", false,
		`account (?:that you tried to reach )?(?:has been |is |was )?(?:disabled|suspended|inactive|deactivated|locked|frozen|closed|discontinued|expired|terminated)`,
		`(?:mailbox|user|recipient|address) (?:\S+ )?(?:is |has been |was )?(?:disabled|suspended|inactive|deactivated|frozen|temporar(?:il)?y locked)`,
		`temporar(?:il)?y locked`, `mailbox (?:is )?frozen`, `disabled recipient`, `is (?:currently )?(?:suspended|deactivated)`,
		`no longer active`, `recipient (?:is )?(?:unavailable|not active)`),
	rules("hasmoved", false,
		`no longer (?:on|at|with|hosted on|available on) (?:this )?server`, `\bhas moved\b`, `moved to a new (?:address|location)`,
		`not our (?:user|customer)`, `user not local`),
	rules("norelaying", false,
		`relay(?:ing)? (?:access )?(?:denied|not permitted|not allowed|prohibited|refused)`,
		`not (?:configured|permitted|allowed|authori[sz]ed) to relay`, `unable to relay`, `(?:we|i) do not relay`,
		`relaying (?:mail )?(?:to|for) .{0,60}not (?:allowed|permitted)`, `no relaying`, `(?:e-?mail )?address is not verified`),
	// qmail-smtpd's refusal of a domain it does not serve: "553 sorry, that
	// domain isn't in my list of allowed rcpthosts (#5.7.1)".
	rules("norelaying", false, `list of allowed rcpthosts`),
	rules("policyviolation", false,
		`polic(?:y|ies) violation`, `violat(?:es|ed|ion of|ing) (?:our |the |a )?(?:local |site |security |content |e-?mail |anti-spam )?polic`,
		`(?:denied|rejected|blocked|refused|not accepted|not allowed) (?:by|for|due to|because of) (?:the |our |a )?(?:local |site |security |content |domain |recipient )?polic`,
		`(?:for|due to) (?:local )?policy reasons`, `prohibited (?:attachment|file|content|extension)`,
		`content presents a (?:potential )?security`, `(?:attachment|file) type (?:is )?not allowed`, `\bheader error\b`),
	rules("failedstarttls", false,
		`starttls`, `tls (?:is )?required`, `(?:does not|doesn't) support (?:start)?tls`, `must issue a starttls`, `encryption (?:is )?required`,
		`tls (?:handshake|negotiation) failed`, `certificate (?:verify|verification|validation) failed`),
	// Exim's smtp transport with hosts_require_tls: "a TLS session is
	// required, but the server did not offer TLS support".
	rules("failedstarttls", false, `tls session is required`),
	// Postfix's smtp client at smtp_tls_security_level verify or secure:
	// "Server certificate not verified", "Server certificate not trusted".
	rules("failedstarttls", false, `server certificate not (?:verified|trusted)`),
	rules("securityerror", false,
		`authentication (?:is )?required`, `must (?:first )?authenticate`, `unauthenticated senders? (?:are )?not (?:allowed|accepted|permitted)`,
		`smtp auth(?:entication)? (?:is )?required`, `authentication (?:failed|credentials invalid)`, `\bauthrequired\b`),
	rules("toomanyconn", false,
		`too many (?:connections|concurrent|simultaneous|sessions)`, `connection (?:rate )?limit`,
		`too many smtp sessions`),
	// RFC 5321 §4.5.3.1.10: the reply to one RCPT too many, 452 (or 552,
	// as RFC 821 listed it); a limit of the session, not a full mailbox.
	rules("toomanyconn", false, `too many recipients`),
	// Exchange's 4.3.2 "The maximum number of concurrent server connections
	// has exceeded a limit" (Exchange NDR reference).
	rules("toomanyconn", false, `maximum number of concurrent (?:server )?connections`),
	// Postfix smtpd's smtpd_client_message_rate_limit reply: "421 4.7.0
	// host: Error: too much mail from 192.0.2.1".
	rules("speeding", false, `too much mail from`),
	rules("speeding", false,
		`receiving mail at a rate`, `sending (?:mail )?too fast`, `too many messages`, `exceeded (?:the )?(?:sending |message )?rate`,
		`rate (?:limit|of (?:incoming )?(?:mail|messages)) (?:exceeded|reached)`, `\bthrottl`),
	rules("blocked", false,
		`blocked using`, `black ?list`, `block ?list`, `\bdnsbl\b`, `\brbl\b`, `spamhaus`, `spamcop`, `\bsorbs\b`,
		`(?:is|are|was|been|currently|ip|address) listed (?:in|at|on|by) `, `banned sending ip`, `client host (?:\[[^\]]*\] )?(?:rejected|blocked|refused)`,
		`(?:your |sending |client )?(?:ip|address|host|server|network) (?:address )?(?:has been |is |was )?(?:blocked|blacklisted|banned|denied|refused)`,
		`blocked for abuse`, `use (?:the |your )?(?:smtp|mail|outgoing) server of your (?:isp|provider)`,
		`(?:dynamic|dial-?up|residential|consumer) (?:ip|address|pool|range|host)`, `not accepting (?:connections|mail from)`,
		`connection (?:refused|rejected|denied) (?:from|for|to) (?:your|this) (?:ip|host)`),
	// Microsoft 365's 5.7.708: "Access denied, traffic not accepted from
	// this IP" (Exchange Online NDR reference).
	rules("blocked", false, `traffic not accepted from (?:this )?ip`),
	rules("notaccept", false,
		`null mx`, `does(?:n't| not) (?:accept|receive) (?:any )?(?:e-?mail|mail)`, `not accepting (?:any )?(?:e-?mail|mail)`,
		`no (?:mx|mail exchanger)\b`, `mx (?:or srv )?records? indicated no smtp`, `(?:find|found) a mail exchanger`,
		`no mx record`, `accepts no mail`),
	rules("networkerror", false, `not found,? try again`, `\bdns error\b`),
	rules("hostunknown", false,
		`host (?:or domain name )?not found`, `host unknown`, `unknown host`, `domain (?:name )?not found`,
		`no such domain`, `domain (?:does not|doesn't) exist`, `unroutable address`, `unrouteable address`,
		`(?:find|found) any host named`, `name or service not known`, `invalid domain`, `domain is not reachable`,
		`domain (?:\S+ )?couldn't be found`, `unknown domain`, `bad destination (?:system|host)`,
		`^(?:\d{3} )?(?:#?\d\.\d\.\d+ )?[a-z0-9-]+(?:\.[a-z0-9-]+)+ does not exist`),
	// Exim's dnslookup router: "all relevant MX records point to
	// non-existent hosts".
	rules("hostunknown", false, `mx records point to non-existent hosts`),
	// Exim's "Temporary local problem - please try later" (a deferral of
	// its own, such as a failed lookup of a local table) and Postfix
	// smtpd's "451 4.3.0 Temporary lookup failure" (a table it could not
	// read): the receiving system's fault, not the network's. Before the
	// network rules, which would read "lookup failure" as DNS.
	rules("systemerror", false, `temporary local problem`),
	rules("systemerror", false, `temporary lookup failure`),
	rules("networkerror", false,
		`name service error`, `malformed or unexpected name server reply`, `host name lookup failure`,
		`(?:dns|lookup) (?:error|failure|timeout|failed)`, `network (?:error|is unreachable|unreachable)`,
		`lost connection`, `connection (?:reset|closed|dropped)`, `too many hops`, `hop count exceeded`,
		`(?:mail|routing) loop`, `loops back to myself`, `establish an smtp connection`),
	// Exchange's 5.4.312/4.4.312 "DNS query failed" (Exchange NDR
	// reference).
	rules("networkerror", false, `dns query failed`),
	// The system error text for EHOSTUNREACH that Postfix, Sendmail and Exim
	// quote after a failed connect ("connect to host[192.0.2.2]:25: No
	// route to host"), and OpenSMTPD's "Loop detected" for a message that
	// came back to it.
	rules("networkerror", false, `no route to host`),
	rules("networkerror", false, `\bloop detected\b`),
	rules("expired", false,
		`retry timeout exceeded`, `message expired`, `envelope expired`, `delivery time expired`, `queue\.expired`,
		`(?:could not|couldn't|unable to) (?:be )?deliver(?:ed)? (?:in|for|within) (?:the )?(?:last )?\d+`,
		`too long in (?:the )?queue`, `message (?:has )?timed out`, `all hosts have been failing`,
		`retry (?:time|period) (?:exceeded|expired)`, `connection timed out`, `timed out`, `socket error`,
		`did not accept our requests to connect`, `host not reachable`, `could not connect`, `failed to connect`),
	// Sendmail's return of a message left in its queue past
	// Timeout.queuereturn: "Cannot send message for 5 days".
	rules("expired", false, `cannot send message for`),
	// Exim's message for an address whose hosts all failed past their retry
	// rules: "retry time not reached for any host after a long failure
	// period" (Exim spec, "Retry configuration").
	rules("expired", false, `retry time not reached for any host`),
	rules("systemerror", false,
		`system (?:config(?:uration)? )?error`, `internal (?:server )?error`, `queue file write error`,
		`could not load`, `local error`, `error in processing`, `transaction failed`,
		`resources? (?:temporarily )?unavailable`, `server (?:is )?(?:too busy|overloaded)`),
	// A directory the receiving system could not read, as qmail-ldap words
	// it ("Unable to contact LDAP server"); the bare word "ldap" also names
	// the directories that hold block lists ("blocked by ldap:ou=…"), which
	// are no system error.
	rules("systemerror", false, `\bldap (?:server|lookup|query|search|bind|error)`),
	// Sendmail's "554 5.3.5 Local configuration error".
	rules("systemerror", false, `local configuration error`),
	rules("rejected", false,
		`sender (?:address |domain )?(?:rejected|denied|refused|invalid|unknown|not allowed|blocked)`,
		`domain of sender address`, `unroutable sender`, `(?:invalid|bad|unknown|unverified) sender`,
		`sender (?:verify|verification) failed`, `(?:from|sender) (?:address |domain )?is invalid`,
		`provide a valid from`, `return path`, `purported responsible address`, `sender not (?:allowed|permitted|authori[sz]ed)`,
		`(?:sending|from) (?:domain|address) .{0,40}not (?:allowed|permitted)`, `send mail as`),
	rules("filtered", false,
		`(?:content|message) (?:was )?filtered`, `rejected by (?:the )?(?:recipient|user)'?s? (?:filter|rules)`,
		`refused by (?:the )?(?:recipient|user)`, `blocked by (?:the )?recipient`, `header filter`,
		`^(?:\d{3}:? )?: user unknown`),
	rules("userunknown", false,
		`user unknown`, `unknown user`, `account that you tried to reach does not exist`, `no such (?:user|mailbox|recipient|account|address|person)`,
		`(?:user|mailbox|account|address|recipient|local part)(?: \S+)? (?:does not|doesn't|did not) exist`,
		`(?:recipient|user|mailbox|address) not found`, `unknown (?:recipient|mailbox|address|local ?part|alias)`,
		`invalid (?:recipient|mailbox|address|user)`, `recipient address rejected`, `address rejected`,
		`mailbox (?:is )?unavailable`, `not listed in`, `no mailbox (?:here )?by that name`,
		`recip(?:ient)?notfound`, `(?:doesn't|does not) have an? .{1,40} account`, `(?:illegal|bad) (?:user|alias|recipient)`,
		`not a (?:valid|registered|known) (?:user|mailbox|recipient)`, `destinataire invalide`, `adresse .{0,30}invalide`,
		`(?:empf[äa]nger|benutzer|adresse) (?:ist )?unbekannt`, `utente (?:sconosciuto|inesistente)`,
		`(?:usuario|destinatario) (?:desconocido|no existe)`, `n'existe pas`, `existiert nicht`, `wasn't found at`,
		`address couldn't be found`, `address (?:is )?(?:unknown|invalid)`, `e-?mail address .{0,30}(?:not found|introuvable)`,
		`introuvable`, `no such local user`),
	rules("syntaxerror", false,
		`syntax error`, `command (?:not recognized|unrecognized)`, `unrecognized command`,
		`(?:improper|bad) sequence of commands`, `command parameter not implemented`, `malformed (?:recipient )?address`,
		`invalid command`, `line too long`),
	rules("expired", true, `in the queue too long`, `not going to try again`, `giving up`),
	rules("blocked", true, `\bblocked\b`),
	rules("rejected", true, `access denied`, `\bdenied\b`, `\brejected\b`),
)

func concat(groups ...[]phraseRule) []phraseRule {
	var out []phraseRule
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}
