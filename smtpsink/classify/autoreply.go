package classify

import (
	"regexp"
	"strings"
)

var (
	// vacationSubjectRe matches out-of-office subjects as mail clients and
	// servers localise them.
	vacationSubjectRe = mustGuard(`(?i)out of (?:the )?office|\bo\.?o\.?o\b|automatic reply|auto[- ]?reply|auto[- ]?response|autoresponder|\baway\b|vacation|on holiday|on leave|abwesenheit|automatische antwort|nicht im b[üu]ro|r[ée]ponse automatique|absence|absent\b|respuesta autom[áa]tica|fuera de (?:la )?oficina|ausente|resposta autom[áa]tica|fora do escrit[óo]rio|risposta automatica|fuori (?:sede|ufficio)|assente|automatisch antwoord|afwezig|niet aanwezig|odpowied[źz] automatyczna|autoodpowied[źz]|nieobecno[śs][ćc]|автоответ|автоматический ответ|нет на месте|вне офиса|в отпуске|自動応答|不在`)
	// vacationBodyRe matches out-of-office sentences.
	vacationBodyRe = mustGuard(`(?i)out of (?:the )?office|away from (?:the |my )?(?:office|desk|email)|on (?:annual |parental |sick |maternity )?(?:leave|vacation|holiday)|limited access to (?:my )?e-?mail|(?:will be )?back (?:in the office )?on|return(?:ing)? (?:to the office )?on|ich bin (?:bis|vom|ab|derzeit|zurzeit)|abwesend|nicht im b[üu]ro|je suis (?:absent|en cong[ée])|absente? du bureau|estoy (?:fuera|de vacaciones|ausente)|fuera de la oficina|estou (?:fora|de f[ée]rias|ausente)|sono (?:in ferie|assente|fuori)|ben (?:afwezig|met vakantie|niet aanwezig)|jestem (?:na urlopie|nieobecn)|nie ma mnie|в отпуске|нахожусь вне офиса|отсутствую`)
	// autoHeaderFields mark machine-sent replies besides Auto-Submitted.
	autoHeaderFields = []string{"X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Vacation", "X-Auto-Reply"}
)

// autoSignal reports why a message declares itself automatic, or "".
func autoSignal(m *message) string {
	if v := strings.ToLower(strings.TrimSpace(m.header.Get("Auto-Submitted"))); v != "" && !strings.HasPrefix(v, "no") {
		return "Auto-Submitted: " + v + " (RFC 3834 §5)"
	}
	for _, k := range autoHeaderFields {
		if m.header.Has(k) {
			return k + " header"
		}
	}
	switch strings.ToLower(strings.TrimSpace(m.header.Get("Precedence"))) {
	case "auto_reply", "auto-reply":
		return "Precedence: auto_reply"
	}
	if strings.EqualFold(m.header.Get("X-Apple-Action"), "VACATION") {
		return "X-Apple-Action: VACATION"
	}
	if m.header.Has("X-MS-Exchange-Inbox-Rules-Loop") || strings.EqualFold(m.header.Get("X-Auto-Response-Suppress"), "All") && m.header.Has("X-MS-Exchange-Generated-Message-Source") {
		return "sent by an Exchange inbox rule"
	}
	return ""
}

// asAutoreply recognises automatic replies (RFC 3834): list moderation
// notices, ticket-system acknowledgements and out-of-office replies.
func asAutoreply(m *message, res *Result) bool {
	body := bodyText(m)
	auto := autoSignal(m)
	if sys, why := moderationNotice(m, body); why != "" {
		res.Kind, res.System = KindAutoreply, sys
		res.addEvidence(why)
		return true
	}
	if sys, why := ticketAcknowledgement(m, body, auto != ""); why != "" {
		res.Kind, res.System = KindAutoreply, sys
		res.addEvidence(why)
		if auto != "" {
			res.addEvidence(auto)
		}
		return true
	}
	subject := vacationSubjectRe.findString(m.subject, foldKey(m.subject))
	if auto == "" && subject == "" && (hasReplyMarkers(m) || isDaemon(m)) {
		// A person's reply that mentions being away, or a system notice.
		return false
	}
	bodyHit := ""
	if subject == "" {
		head := body[:min(len(body), 4096)]
		bodyHit = vacationBodyRe.findString(head, foldKey(head))
	}
	if auto == "" && subject == "" && bodyHit == "" {
		return false
	}
	res.Kind, res.Reason = KindAutoreply, "vacation"
	if auto != "" {
		res.addEvidence(auto)
	}
	if subject != "" {
		res.addEvidence(`out-of-office subject: "` + subject + `"`)
	} else if bodyHit != "" {
		res.addEvidence(`out-of-office wording: "` + bodyHit + `"`)
	}
	return true
}

func isDaemon(m *message) bool { return daemonFromRe.MatchString(m.from) }

// replyPrefixRe matches the reply prefixes of mail clients in several
// languages.
var replyPrefixRe = regexp.MustCompile(`(?i)^\s*(?:re|aw|sv|vs|antw|antwort|odp|rif|r|res|resp|réf|ref|ynt|atb|отв|ответ|回复|答复)\s*(?:\[\d+\])?\s*:`)

func hasReplyMarkers(m *message) bool {
	return m.header.Has("In-Reply-To") || m.header.Has("References") || replyPrefixRe.MatchString(m.subject)
}

// asReply recognises a person writing back: a reply to our message (by
// In-Reply-To, References or a reply subject) without any mark of
// automatic sending.
func asReply(m *message, res *Result) bool {
	if autoSignal(m) != "" || isDaemon(m) || !hasReplyMarkers(m) {
		return false
	}
	switch strings.ToLower(strings.TrimSpace(m.header.Get("Precedence"))) {
	case "bulk", "junk", "list":
		return false
	}
	res.Kind = KindReply
	switch {
	case m.header.Has("In-Reply-To"):
		res.addEvidence("In-Reply-To: " + oneLine(m.header.Get("In-Reply-To"), 80))
	case m.header.Has("References"):
		res.addEvidence("References our message")
	default:
		res.addEvidence("reply subject: " + oneLine(m.subject, 80))
	}
	res.addEvidence("no automatic-reply marks (RFC 3834)")
	return true
}

// helpdesk fingerprints one ticket system by its header fields, message
// identifiers, links and footers.
type helpdesk struct {
	name string
	re   *guardedRe
}

var helpdesks = []helpdesk{
	{"zendesk", mustGuard(`(?i)zendesk`)},
	{"freshdesk", mustGuard(`(?i)freshdesk|freshservice`)},
	{"jira", mustGuard(`(?i)atlassian|\bjira\b|x-jira-`)},
	{"otrs", mustGuard(`(?i)\botrs\b|x-otrs-|\bznuny\b`)},
	{"helpscout", mustGuard(`(?i)help ?scout|helpscout`)},
	{"zohodesk", mustGuard(`(?i)zoho ?desk`)},
	{"hubspot", mustGuard(`(?i)hubspot`)},
	{"osticket", mustGuard(`(?i)osticket`)},
	{"kayako", mustGuard(`(?i)kayako`)},
	{"servicenow", mustGuard(`(?i)service-?now`)},
}

var (
	// ticketSubjectRe matches acknowledgement subjects: a ticket number in
	// brackets, or "request received" in several languages.
	ticketSubjectRe = mustGuard(`(?i)\[(?:ticket|case|request|req|incident|sr)\s*[#:]?\s*[\w-]*\d+\]|\[#\d+\]|\((?:ticket|case|request)?\s*#\s*\d+\)|\bticket\s*(?:#|no\.?|id|number)\s*:?\s*[\w-]*\d+|(?:request|ticket|case|inquiry|enquiry) (?:has been )?(?:received|created|opened|logged)|we(?:'ve| have) received your|ticket received|anfrage (?:ist )?eingegangen|ticketnummer|demande (?:a (?:bien )?[ée]t[ée] )?re[çc]ue|solicitud recibida|pedido recebido|solicita[çc][ãa]o recebida|richiesta ricevuta|aanvraag ontvangen|zg[łl]oszenie (?:zosta[łl]o )?przyj[ęe]te|заявка (?:принята|получена|зарегистрирована)|обращение (?:принято|зарегистрировано)`)
	// ticketBodyRe matches acknowledgement sentences.
	ticketBodyRe = mustGuard(`(?i)(?:your |this )?(?:request|ticket|case|inquiry|enquiry|support request)(?: \(?#?\s?\d+\)?)? (?:has been|was|is) (?:received|created|opened|logged|registered)|we(?:'ve| have) received your (?:request|message|e-?mail|inquiry|enquiry|ticket)|(?:reply|type your (?:reply|response)) above this line|(?:an?|one of our) (?:support )?(?:agent|team member|representative|specialist)s? will|ticket (?:number|id|reference)|thank you for contacting|ihre anfrage (?:ist|wurde)|wir haben ihre (?:anfrage|nachricht) erhalten|votre demande a (?:bien )?[ée]t[ée]|nous avons (?:bien )?re[çc]u votre|hemos recibido su|recebemos (?:a )?sua|abbiamo ricevuto la (?:tua|sua)|we hebben (?:uw|je) (?:aanvraag|verzoek|bericht|vraag) ontvangen|otrzymali[śs]my (?:twoje|twoj[ąa]|pa[ńn]stwa)|ваш(?:е|а)? (?:обращение|заявка|запрос) (?:принят|получен|зарегистрирован)`)
	// moderationRe matches mailing-list moderation notices (Mailman 2
	// and 3, Google Groups, Sympa, LISTSERV, Groups.io).
	moderationRe = mustGuard(`(?i)awaits? moderator approval|awaiting moderat|held (?:for|until the list) moderat|pending (?:moderator )?(?:approval|moderation)|being held until the list moderator|has been (?:held|submitted|forwarded) (?:for|to) (?:the )?(?:moderat|editor|list owner)|requires? (?:moderator )?approval|forwarded to (?:the )?editors?|sent to the moderators?|moderators? (?:will|must|need to) (?:review|approve)|wartet auf (?:die )?freigabe|en attente de mod[ée]ration|pendiente de moderaci[óo]n|in attesa di moderazione`)
	listSystemRe = []helpdesk{
		{"mailman", mustGuard(`(?i)mailman|-bounces@|-owner@|-request@`)},
		{"googlegroups", mustGuard(`(?i)google ?groups|googlegroups\.com`)},
		{"sympa", mustGuard(`(?i)\bsympa\b`)},
		{"listserv", mustGuard(`(?i)listserv`)},
		{"groupsio", mustGuard(`(?i)groups\.io`)},
	}
)

// moderationNotice recognises a list telling us our message waits for a
// moderator.
func moderationNotice(m *message, body string) (system, why string) {
	hit := moderationRe.findString(m.subject, foldKey(m.subject))
	if hit == "" {
		head := body[:min(len(body), 8192)]
		hit = moderationRe.findString(head, foldKey(head))
	}
	if hit == "" {
		return "", ""
	}
	all := headerDump(m) + body
	folded := foldKey(all)
	for _, s := range listSystemRe {
		if s.re.matchString(all, folded) {
			system = s.name
			break
		}
	}
	return system, `list moderation notice: "` + oneLine(hit, 60) + `"`
}

// ticketAcknowledgement recognises a help desk confirming it opened a
// ticket for our message: a known help desk that says so, or such a
// subject, or such a sentence in an automatic message.
func ticketAcknowledgement(m *message, body string, auto bool) (system, why string) {
	// The help desk and the sentence are looked for only when they can
	// change the answer.
	subj := ticketSubjectRe.findString(m.subject, foldKey(m.subject))
	if subj != "" || !auto {
		system = helpdeskOf(m, body)
	}
	if subj != "" {
		return system, `ticket acknowledgement subject: "` + oneLine(subj, 60) + `"`
	}
	if !auto && system == "" {
		return "", ""
	}
	head := body[:min(len(body), 8192)]
	if sentence := ticketBodyRe.findString(head, foldKey(head)); sentence != "" {
		if system == "" {
			system = helpdeskOf(m, body)
		}
		return system, `ticket acknowledgement: "` + oneLine(sentence, 60) + `"`
	}
	return "", ""
}

// helpdeskOf names the first help desk whose fingerprint the header
// fields or the text carry, or "".
func helpdeskOf(m *message, body string) string {
	all := headerDump(m) + "\n" + body
	folded := foldKey(all)
	for _, h := range helpdesks {
		if h.re.matchString(all, folded) {
			return h.name
		}
	}
	return ""
}
