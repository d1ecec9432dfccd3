package classify

import (
	"regexp"
	"strings"
)

// challengeSystem fingerprints one challenge/response product by
// lower-case marks in its header fields, subject and text.
type challengeSystem struct {
	name  string
	marks []string
	// strong marks are challenges by themselves.
	strong []string
}

var challengeSystems = []challengeSystem{
	{"boxtrapper", []string{"boxtrapper", "cgi-sys/bxd.cgi"}, []string{"cgi-sys/bxd.cgi", "your email requires verification verify#"}},
	{"spamarrest", []string{"spamarrest", "spam arrest"}, []string{"spamarrest.com/"}},
	{"boxbe", []string{"boxbe"}, nil},
	{"mailwasher", []string{"mailwasher", "firetrust"}, nil},
	{"choicemail", []string{"choicemail", "choice mail", "digiportal"}, nil},
	{"tmda", []string{"tmda", "-confirm-accept."}, []string{"x-delivery-agent: tmda", "-confirm-accept."}},
	{"earthlink", []string{"spamblocker", "spam blocker"}, nil},
	{"sanebox", []string{"sanebox"}, nil},
}

// containsAny reports whether s contains one of the substrings.
func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// challengeAsks are sentences in which a challenge/response filter asks
// the sender to prove to be a person, or to act so that the held message
// is delivered, in several languages.
var challengeAsks = guardAll(
	// English
	`(?:verify|confirm|prove|show) (?:to me )?(?:that )?you(?:'re| are) (?:a )?(?:real|human|live|person|legitimate sender|not a (?:robot|spammer|machine|computer|bot))`,
	`real,? live (?:human|person)|not a (?:spam source|spam robot)`,
	`(?:click|visit|follow|open|use) (?:on )?(?:the |this )?(?:link|url|address|here)(?: below)?,? (?:to|and) (?:verify|confirm|complete|release|prove|have|deliver|add yourself)`,
	`(?:reply|respond) to this (?:message|e-?mail)\b.{0,60}\b(?:verify|confirm|release|deliver|intact)`,
	`(?:to|and) (?:release|deliver) your (?:original )?(?:message|e-?mail)|have your (?:message|e-?mail|mail) delivered`,
	`to complete (?:the )?delivery of your (?:message|e-?mail)|until you (?:verify|confirm|complete|register)`,
	`(?:only|just) (?:have|need) to do this once|one[- ]time (?:verification|confirmation|registration|request|inconvenience)`,
	`add yourself to (?:my|our|the) (?:guest|approved|safe|white) ?list|fill (?:out|in) the (?:short )?(?:request|registration) form`,
	// German
	`best[äa]tigen sie,? dass sie (?:ein )?(?:mensch|eine (?:reale|echte) person|kein (?:spammer|roboter))`, `um ihre (?:nachricht|e-?mail) zuzustellen`,
	// French
	`confirme[rz]? que vous [êe]tes (?:une (?:vraie )?personne|un (?:[êe]tre )?humain)`, `pour que votre (?:message|courriel|e-?mail) soit (?:remis|distribu[ée]|d[ée]livr[ée])`,
	// Spanish
	`(?:confirme|verifique|demuestre) que (?:usted )?es (?:una persona|un (?:ser )?humano)`, `para que su (?:mensaje|correo) (?:sea|pueda ser) entregado`,
	// Portuguese
	`confirme que (?:voc[êe] )?[ée] (?:uma pessoa|um (?:ser )?humano)`, `para que sua mensagem seja entregue|para liberar a entrega`,
	// Italian
	`conferma(?:re)? di essere (?:una persona|un essere umano|umano)`, `(?:affinch[ée]|perch[ée]) il (?:tuo |suo )?messaggio venga consegnato`,
	// Dutch
	`bevestig dat u een (?:mens|echt persoon|persoon) bent`, `zodat uw bericht (?:wordt )?afgeleverd`,
	// Polish
	`potwierd[źz],? [żz]e jeste[śs] (?:cz[łl]owiekiem|prawdziw[aą] osob[aą]|osob[aą])`, `aby (?:twoja |pa[ńn]stwa )?wiadomo[śs][ćc] zosta[łl]a dostarczona`,
	// Russian
	`подтвердите,? что вы (?:человек|реальный человек|не робот)`, `чтобы (?:ваше )?(?:сообщение|письмо) было доставлено`,
)

// challengeContext are sentences that describe a challenge/response
// filter: sender verification, lists of approved senders, held mail.
var challengeContext = guardAll(
	// English
	`sender verification|verif(?:y|ication of) (?:your|the) (?:e-?mail )?(?:address|identity)|verification (?:request|required|process|link)`,
	`challenge[- /]response`, `(?:approved|authori[sz]ed|known|allowed|trusted|verified|accepted) senders?(?: list| filter)?|list of (?:approved|authori[sz]ed|known|allowed|trusted|verified|accepted) senders`,
	`\b(?:white ?list(?:ed)?|safe ?senders? list|guest list|allow ?list|waiting list)\b`,
	`(?:message|e-?mail|mail) (?:has been|is being|was|is|will be) (?:held|quarantined|placed on hold|put on hold|kept|waitlisted)\b|(?:placed|put) on hold|quarantined pending|held (?:by|until|pending)|waitlisted`,
	`(?:protect|protecting) (?:myself|me|my inbox|this mailbox) (?:from|against) (?:spam|junk)|to (?:control|fight|reduce|prevent|block) (?:spam|junk)|protected by a (?:challenge|spam)`,
	`only (?:accept|allow|receive|accepts) (?:incoming )?(?:e-?mails?|messages?|mail) (?:only )?from (?:senders|people|addresses)`,
	// German
	`(?:nachricht|e-?mail|mail) wurde (?:zur[üu]ckgehalten|angehalten|in quarant[äa]ne)`, `absender(?:verifizierung|best[äa]tigung|pr[üu]fung)`,
	`liste (?:der )?(?:zugelassenen|bekannten|genehmigten|vertrauensw[üu]rdigen|freigegebenen) absender`, `spam-?schutz`,
	// French
	`v[ée]rification de l'exp[ée]diteur`, `votre (?:message|courriel|e-?mail) (?:est|a [ée]t[ée]) (?:retenu|mis en attente|en attente|bloqu[ée])`,
	`liste (?:des|de mes) exp[ée]diteurs (?:autoris[ée]s|approuv[ée]s|connus)`, `(?:filtre|protection) anti-?spam`,
	// Spanish
	`su (?:mensaje|correo) (?:ha sido|est[áa]|fue) (?:retenido|en espera|bloqueado)`, `verificaci[óo]n del remitente`,
	`lista de remitentes (?:autorizados|aprobados|conocidos|permitidos)`, `protecci[óo]n (?:anti-?spam|contra (?:el )?spam)`,
	// Portuguese
	`sua mensagem (?:foi|est[áa]) (?:retida|em espera|bloqueada)`, `verifica[çc][ãa]o do remetente`,
	`lista de remetentes (?:autorizados|aprovados|conhecidos|permitidos)`, `(?:filtro|prote[çc][ãa]o) (?:anti-?spam|de spam)`,
	// Italian
	`(?:il tuo|il suo) messaggio (?:[èe] stato |[èe] )?(?:trattenuto|in attesa|bloccato)`, `verifica del mittente`,
	`elenco dei mittenti (?:autorizzati|approvati|conosciuti)`, `protezione antispam`,
	// Dutch
	`uw bericht (?:is|wordt) (?:vastgehouden|tegengehouden|in de wacht gezet)`, `afzenderverificatie|verificatie van de afzender`,
	`lijst (?:met|van) (?:goedgekeurde|bekende|toegestane) afzenders`, `spambeveiliging`,
	// Polish
	`wiadomo[śs][ćc] (?:zosta[łl]a|jest) (?:wstrzymana|zatrzymana|zablokowana)`, `weryfikacja nadawcy`,
	`list[aęy] (?:zatwierdzonych|zaufanych|znanych) nadawc[óo]w`, `(?:ochrona|filtr) antyspamow`,
	// Russian
	`ваше (?:сообщение|письмо) (?:было )?(?:задержано|приостановлено|заблокировано)`, `проверка отправителя`,
	`спис(?:ок|ке) (?:разрешённых|разрешенных|доверенных|известных) отправителей`, `защита от спама|фильтр(?:ом)? получателя`,
)

// firstHit returns the text of the first pattern that matches text, whose
// foldKey is folded, or "".
func firstHit(res []*guardedRe, text, folded string) string {
	for _, g := range res {
		if !g.possible(folded) {
			continue
		}
		if loc := g.re.FindStringIndex(text); loc != nil {
			return oneLine(text[loc[0]:loc[1]], 60)
		}
	}
	return ""
}

// maxScanText bounds the text scanned for challenge and auto-reply
// wording: such messages say what they are at the start.
const maxScanText = 8 << 10

// asChallenge recognises a challenge/response filter holding our message
// until a person confirms: a request to prove being a person (or to act so
// the message is delivered) together with a description of such a filter;
// or a recognised product and either; or a product's unmistakable mark. A
// person writing that they whitelisted us describes a filter but asks
// nothing, and one asking us to prove we are real describes no filter, so
// neither is a challenge.
func asChallenge(m *message, res *Result) bool {
	body := bodyText(m)
	all := strings.ToLower(m.subject + "\n" + headerDump(m) + "\n" + body)
	system, strong := "", false
	for _, s := range challengeSystems {
		if containsAny(all, s.marks) {
			system = s.name
			strong = containsAny(all, s.strong)
			break
		}
	}
	text := normalize(m.subject + "\n" + body)
	folded := foldKey(text)
	ask := firstHit(challengeAsks, text, folded)
	if ask == "" && system == "" && !strong {
		return false
	}
	ctx := firstHit(challengeContext, text, folded)
	if !(strong || system != "" && ask+ctx != "" || ask != "" && ctx != "") {
		return false
	}
	res.Kind = KindChallenge
	res.System = system
	if system != "" {
		res.addEvidence("challenge/response system: " + system)
	}
	for _, h := range []string{ask, ctx} {
		if h != "" {
			res.addEvidence(`challenge wording: "` + h + `"`)
		}
	}
	res.ChallengeURL = challengeURL(body)
	return true
}

var (
	urlRe          = regexp.MustCompile(`https?://[^\s<>"'()\[\]{}]+`)
	challengeURLRe = regexp.MustCompile(`(?i)verif|confirm|challenge|approv|release|bxd\.cgi|captcha|whitelist|sender|validat|guest|human|auth|spamarrest|boxbe|spamblocker|mailwasher|choicemail`)
	boringURLRe    = regexp.MustCompile(`(?i)unsubscribe|privacy|logo|\.(?:png|gif|jpe?g|svg|css)\b|facebook\.|twitter\.|linkedin\.|w3\.org`)
)

// challengeURL picks the link a challenge asks the sender to visit: the
// first that looks like a verification link, else the first that is not
// boilerplate.
func challengeURL(body string) string {
	urls := urlRe.FindAllString(body, 64)
	for i, u := range urls {
		urls[i] = strings.TrimRight(u, ".,;:!?")
	}
	for _, u := range urls {
		if challengeURLRe.MatchString(u) && !boringURLRe.MatchString(u) {
			return u
		}
	}
	for _, u := range urls {
		if !boringURLRe.MatchString(u) {
			return u
		}
	}
	return ""
}

// bodyText is the message's readable text, bounded: its text parts
// outside attached messages.
func bodyText(m *message) string {
	var b strings.Builder
	for _, p := range m.parts {
		if p.inner != nil || !strings.HasPrefix(p.mediaType, "text/") {
			continue
		}
		b.WriteString(p.text)
		b.WriteByte('\n')
		if b.Len() >= maxScanText {
			break
		}
	}
	s := b.String()
	if len(s) > maxScanText {
		s = s[:maxScanText]
	}
	return s
}

// headerDump renders the top-level header fields for fingerprinting.
func headerDump(m *message) string {
	var b strings.Builder
	f := m.header.Fields()
	for f.Next() && b.Len() < 16<<10 {
		b.WriteString(f.Key())
		b.WriteString(": ")
		b.WriteString(f.Value())
		b.WriteByte('\n')
	}
	return b.String()
}
