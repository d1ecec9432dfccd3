package rules

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

var (
	providerIDPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	domainPattern     = regexp.MustCompile(`^([a-z0-9_]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$`)
)

func TestProviderDataIsWellFormed(t *testing.T) {
	ids := make(map[string]bool)
	mxOwner := make(map[string]string)
	domainOwner := make(map[string]string)
	for _, p := range Providers() {
		if !providerIDPattern.MatchString(p.ID) || ids[p.ID] {
			t.Errorf("provider ID %q is malformed or repeated", p.ID)
		}
		ids[p.ID] = true
		if p.Name == "" {
			t.Errorf("%s: no name", p.ID)
		}
		switch p.Kind {
		case KindMailbox:
			if p.JunkFolder == "" {
				t.Errorf("%s: a mailbox provider needs its junk folder's name", p.ID)
			}
		case KindGateway, KindForwarder:
			if p.JunkFolder != "" {
				t.Errorf("%s: a %s has no junk folder of its own", p.ID, p.Kind)
			}
		default:
			t.Errorf("%s: unknown kind %q", p.ID, p.Kind)
		}
		if len(p.MXSuffixes) == 0 && len(p.Domains) == 0 {
			t.Errorf("%s: neither MX suffixes nor domains: it can never be identified", p.ID)
		}
		if len(p.UserTips) == 0 {
			t.Errorf("%s: no tips for the user", p.ID)
		}
		for _, tip := range p.UserTips {
			checkText(t, p.ID+" tip", tip, 300)
		}
		for _, list := range [][]string{p.MXSuffixes, p.SPFIncludes, p.Domains} {
			for _, name := range list {
				if !domainPattern.MatchString(name) {
					t.Errorf("%s: %q is not a lower-case domain name without dots at the ends", p.ID, name)
				}
			}
		}
		for _, s := range p.MXSuffixes {
			if prev, dup := mxOwner[s]; dup {
				t.Errorf("MX suffix %s belongs to both %s and %s", s, prev, p.ID)
			}
			mxOwner[s] = p.ID
		}
		for _, d := range p.Domains {
			if prev, dup := domainOwner[d]; dup {
				t.Errorf("domain %s belongs to both %s and %s", d, prev, p.ID)
			}
			domainOwner[d] = p.ID
		}
	}
}

// Every suffix and domain in the data identifies its own provider: no
// entry is shadowed by another provider's.
func TestProviderDataIdentifiesItself(t *testing.T) {
	for _, p := range Providers() {
		for _, s := range p.MXSuffixes {
			mb, gw := IdentifyMX([]string{"mx1." + s + "."})
			if got := pick(p.Kind, mb, gw); got != p.ID {
				t.Errorf("MX under %s identifies %q, want %s", s, got, p.ID)
			}
		}
		for _, s := range p.SPFIncludes {
			got := IdentifySPF([]string{"include:" + s})
			if len(got) != 1 || got[0].ID != p.ID {
				t.Errorf("include:%s identifies %v, want %s", s, providerIDs(got), p.ID)
			}
		}
		for _, d := range p.Domains {
			got, ok := IdentifyDomain(d)
			if !ok || got.ID != p.ID {
				t.Errorf("IdentifyDomain(%s) = %v, want %s", d, got, p.ID)
			}
		}
	}
}

func pick(kind string, mailbox, gateway *Provider) string {
	if kind == KindMailbox {
		return idOf(mailbox)
	}
	return idOf(gateway)
}

func idOf(p *Provider) string {
	if p == nil {
		return ""
	}
	return p.ID
}

func providerIDs(ps []Provider) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

func TestIdentifyMX(t *testing.T) {
	tests := []struct {
		name             string
		mx               []string
		mailbox, gateway string
	}{
		{"Google Workspace, classic five", []string{"aspmx.l.google.com.", "alt1.aspmx.l.google.com.", "alt2.aspmx.l.google.com.", "aspmx2.googlemail.com.", "aspmx3.googlemail.com."}, "google", ""},
		{"Google Workspace, single MX", []string{"smtp.google.com."}, "google", ""},
		{"gmail.com", []string{"gmail-smtp-in.l.google.com", "alt1.gmail-smtp-in.l.google.com", "alt4.gmail-smtp-in.l.google.com"}, "google", ""},
		{"upper case", []string{"ASPMX.L.GOOGLE.COM."}, "google", ""},
		{"Microsoft 365", []string{"contoso-com.mail.protection.outlook.com."}, "microsoft", ""},
		{"Microsoft 365, DNSSEC MX", []string{"contoso-com.p-v1.mx.microsoft."}, "microsoft", ""},
		{"Outlook.com", []string{"hotmail-com.olc.protection.outlook.com."}, "microsoft", ""},
		{"Microsoft GCC High", []string{"contoso-com.mail.protection.office365.us"}, "microsoft", ""},
		{"Yahoo", []string{"mta5.am0.yahoodns.net", "mta6.am0.yahoodns.net", "mta7.am0.yahoodns.net"}, "yahoo", ""},
		{"AOL on Yahoo's platform", []string{"mx-aol.mail.gm0.yahoodns.net."}, "aol", ""},
		{"iCloud", []string{"mx01.mail.icloud.com.", "mx02.mail.icloud.com."}, "apple", ""},
		{"Proton", []string{"mail.protonmail.ch.", "mailsec.protonmail.ch."}, "proton", ""},
		{"Zoho EU", []string{"mx.zoho.eu", "mx2.zoho.eu", "mx3.zoho.eu"}, "zoho", ""},
		{"Zoho AU", []string{"mx.zoho.com.au"}, "zoho", ""},
		{"Yandex", []string{"mx.yandex.net."}, "yandex", ""},
		{"Yandex .ru", []string{"mx.yandex.ru."}, "yandex", ""},
		{"GMX", []string{"mx00.gmx.net.", "mx01.gmx.net."}, "gmx", ""},
		{"WEB.DE", []string{"mx-ha03.web.de.", "mx-ha02.web.de."}, "webde", ""},
		{"Fastmail", []string{"in1-smtp.messagingengine.com.", "in2-smtp.messagingengine.com."}, "fastmail", ""},
		{"Mail.ru", []string{"mxs.mail.ru."}, "mailru", ""},
		{"QQ", []string{"mx3.qq.com.", "mx2.qq.com.", "mx1.qq.com."}, "qq", ""},
		{"Naver", []string{"mx1.naver.com.", "mx2.naver.com."}, "naver", ""},
		{"IONOS", []string{"mx00.ionos.de.", "mx01.ionos.de."}, "ionos", ""},
		{"Mimecast", []string{"eu-smtp-inbound-1.mimecast.com.", "eu-smtp-inbound-2.mimecast.com."}, "", "mimecast"},
		{"Mimecast ZA", []string{"za-smtp-inbound-1.mimecast.co.za."}, "", "mimecast"},
		{"Proofpoint", []string{"mx0a-00123456.pphosted.com.", "mx0b-00123456.pphosted.com."}, "", "proofpoint"},
		{"Proofpoint Essentials", []string{"mx1-us1.ppe-hosted.com.", "mx2-us1.ppe-hosted.com."}, "", "proofpoint"},
		{"Barracuda", []string{"d123456a.ess.barracudanetworks.com.", "d123456b.ess.barracudanetworks.com."}, "", "barracuda"},
		{"Cisco", []string{"mx1.hc1234-56.iphmx.com.", "mx2.hc1234-56.iphmx.com."}, "", "cisco"},
		{"Trend Micro EU", []string{"example-com.in.tmes.trendmicro.eu."}, "", "trendmicro"},
		{"Sophos", []string{"mx-01-eu-west-1.prod.hydra.sophos.com.", "mx-02-eu-west-1.prod.hydra.sophos.com."}, "", "sophos"},
		{"Forcepoint", []string{"cust1234-1.in.mailcontrol.com.", "cust1234-2.in.mailcontrol.com."}, "", "forcepoint"},
		{"Symantec", []string{"cluster1.eu.messagelabs.com.", "cluster1a.eu.messagelabs.com."}, "", "broadcom"},
		{"Cloudflare routing", []string{"route1.mx.cloudflare.net.", "route2.mx.cloudflare.net.", "route3.mx.cloudflare.net."}, "", "cloudflare"},
		{"gateway with Microsoft backup MX", []string{"eu-smtp-inbound-1.mimecast.com", "contoso-com.mail.protection.outlook.com"}, "microsoft", "mimecast"},
		{"migration: first match wins", []string{"mx1.example.net", "aspmx.l.google.com", "mta5.am0.yahoodns.net"}, "google", ""},
		{"self-hosted", []string{"mail.example.com."}, "", ""},
		{"look-alike suffix", []string{"notgoogle.com", "fakeyahoodns.net"}, "", ""},
		{"provider name inside another domain", []string{"google.com.evil.example.", "mail.protonmail.ch.example"}, "", ""},
		{"empty and root names", []string{"", ".", " "}, "", ""},
		{"no MX", nil, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mb, gw := IdentifyMX(tt.mx)
			if idOf(mb) != tt.mailbox || idOf(gw) != tt.gateway {
				t.Errorf("IdentifyMX(%v) = (%q, %q), want (%q, %q)", tt.mx, idOf(mb), idOf(gw), tt.mailbox, tt.gateway)
			}
			if mb != nil && mb.Kind != KindMailbox {
				t.Errorf("mailbox %s has kind %s", mb.ID, mb.Kind)
			}
			if gw != nil && gw.Kind == KindMailbox {
				t.Errorf("gateway %s is a mailbox provider", gw.ID)
			}
		})
	}
}

func TestIdentifySPF(t *testing.T) {
	got := IdentifySPF([]string{
		"include:_spf.google.com", "~include:spf.protection.outlook.com", "include:sendgrid.net",
		"redirect=_spf.mail.yahoo.com", "INCLUDE:_SPF.GOOGLE.COM.", "us._netblocks.mimecast.com", "", "include:",
	})
	want := []string{"google", "microsoft", "yahoo", "mimecast"}
	if ids := providerIDs(got); !slices.Equal(ids, want) {
		t.Errorf("IdentifySPF = %v, want %v", ids, want)
	}
	if got := IdentifySPF(nil); len(got) != 0 {
		t.Errorf("IdentifySPF(nil) = %v", providerIDs(got))
	}
}

func TestIdentifyCombinesGatewayWithSPF(t *testing.T) {
	mimecast := []string{"eu-smtp-inbound-1.mimecast.com.", "eu-smtp-inbound-2.mimecast.com."}
	tests := []struct {
		name             string
		mx, spf          []string
		mailbox, gateway string
		fromSPF          bool
	}{
		{"Mimecast in front of Microsoft 365", mimecast,
			[]string{"include:spf.protection.outlook.com", "include:_netblocks.mimecast.com", "include:sendgrid.net"},
			"microsoft", "mimecast", true},
		{"Proofpoint in front of Google", []string{"mx0a-00123456.pphosted.com"},
			[]string{"include:_spf.google.com", "include:spf-00123456.pphosted.com"},
			"google", "proofpoint", true},
		{"two mailbox providers in SPF: ambiguous", mimecast,
			[]string{"include:_spf.google.com", "include:spf.protection.outlook.com"}, "", "mimecast", false},
		{"gateway, SPF names no mailbox provider", mimecast, []string{"include:_netblocks.mimecast.com"}, "", "mimecast", false},
		{"MX already names the mailbox", []string{"aspmx.l.google.com"},
			[]string{"include:spf.protection.outlook.com"}, "google", "", false},
		{"forwarder is not completed from SPF", []string{"route1.mx.cloudflare.net"},
			[]string{"include:_spf.google.com"}, "", "cloudflare", false},
		{"self-hosted MX is not guessed from SPF", []string{"mail.example.com"},
			[]string{"include:_spf.google.com"}, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := Identify(tt.mx, tt.spf)
			if idOf(id.Mailbox) != tt.mailbox || idOf(id.Gateway) != tt.gateway || id.MailboxFromSPF != tt.fromSPF {
				t.Errorf("Identify = (%q, %q, fromSPF %v), want (%q, %q, %v)",
					idOf(id.Mailbox), idOf(id.Gateway), id.MailboxFromSPF, tt.mailbox, tt.gateway, tt.fromSPF)
			}
		})
	}
}

func TestIdentifyDomain(t *testing.T) {
	tests := []struct {
		domain, want string
		junk         string
	}{
		{"gmail.com", "google", "Spam"},
		{"GoogleMail.com.", "google", "Spam"},
		{"hotmail.co.uk", "microsoft", "Junk Email"},
		{"outlook.de", "microsoft", "Junk Email"},
		{"yahoo.fr", "yahoo", "Spam"},
		{"aol.com", "aol", "Spam"},
		{"verizon.net", "aol", "Spam"},
		{"icloud.com", "apple", "Junk"},
		{"pm.me", "proton", "Spam"},
		{"gmx.de", "gmx", "Spamverdacht"},
		{"web.de", "webde", "Spam"},
		{"mozmail.com", "firefox-relay", ""},
		{"privaterelay.appleid.com", "apple-relay", ""},
		{"yahoo.co.jp", "", ""},
		{"mail.gmail.com", "", ""},
		{"example.com", "", ""},
		{"", "", ""},
		{".", "", ""},
	}
	for _, tt := range tests {
		p, ok := IdentifyDomain(tt.domain)
		if ok != (tt.want != "") || idOf(p) != tt.want {
			t.Errorf("IdentifyDomain(%q) = %q, %v; want %q", tt.domain, idOf(p), ok, tt.want)
			continue
		}
		if ok && p.JunkFolder != tt.junk {
			t.Errorf("%s: junk folder %q, want %q", tt.domain, p.JunkFolder, tt.junk)
		}
	}
}

func TestProvidersAreCopies(t *testing.T) {
	g, ok := ProviderByID("google")
	if !ok || g.Name != "Google (Gmail / Google Workspace)" {
		t.Fatalf("ProviderByID(google) = %+v, %v", g, ok)
	}
	g.Domains[0] = "evil.example"
	g.UserTips[0] = "changed"
	p, _ := IdentifyDomain("gmail.com")
	p.MXSuffixes[0] = "evil.example"
	if again, _ := ProviderByID("google"); again.Domains[0] != "gmail.com" || again.UserTips[0] == "changed" || again.MXSuffixes[0] == "evil.example" {
		t.Error("changing a returned provider changed the data")
	}
	if _, ok := ProviderByID("nope"); ok {
		t.Error("ProviderByID found an unknown ID")
	}
}

// FuzzIdentify feeds arbitrary names to every identification function:
// none may panic, and every answer must be consistent with the data.
func FuzzIdentify(f *testing.F) {
	for _, s := range []string{
		"aspmx.l.google.com.", "GMAIL.COM", "mx-aol.mail.gm0.yahoodns.net", "include:_spf.google.com",
		"~redirect=_spf.mail.yahoo.com", ".", "", "..", "a..google.com", "\xff\xfe.google.com", "é.web.de",
		strings.Repeat("a.", 200) + "mimecast.com",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		mb, gw := IdentifyMX([]string{name, name})
		if mb != nil && (mb.Kind != KindMailbox || !matchesAny(name, mb.MXSuffixes)) {
			t.Fatalf("IdentifyMX(%q) mailbox %s does not match", name, mb.ID)
		}
		if gw != nil && (gw.Kind == KindMailbox || !matchesAny(name, gw.MXSuffixes)) {
			t.Fatalf("IdentifyMX(%q) gateway %s does not match", name, gw.ID)
		}
		if ps := IdentifySPF([]string{name, name}); len(ps) > 1 {
			t.Fatalf("IdentifySPF of one name twice returned %v", providerIDs(ps))
		}
		if p, ok := IdentifyDomain(name); ok != (p != nil) || ok && !slices.Contains(p.Domains, normalName(name)) {
			t.Fatalf("IdentifyDomain(%q) = %v, %v", name, p, ok)
		}
		Identify([]string{name}, []string{name})
	})
}

func matchesAny(name string, suffixes []string) bool {
	return slices.ContainsFunc(suffixes, func(s string) bool { return underSuffix(normalName(name), s) })
}
