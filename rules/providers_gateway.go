package rules

// quarantineTips are the end user's steps when a filtering gateway sits in
// front of their mailbox: product names the gateway, digest what its
// notice of held messages is called, and more adds product-specific steps.
func quarantineTips(product, digest string, more ...string) []string {
	tips := []string{
		"Your organisation filters email through " + product + ", which can hold messages it finds suspicious before they reach your mailbox.",
		"Look in your inbox for " + digest + ", and release our message from it.",
	}
	tips = append(tips, more...)
	return append(tips, "If there is none, or you can't release the message yourself, ask your IT team to release it and to allow our sending domain.")
}

// gatewayProviders filter mail in front of the mailbox provider.
var gatewayProviders = []Provider{
	{
		ID:   "mimecast",
		Name: "Mimecast",
		Kind: KindGateway,
		// eu-smtp-inbound-1.mimecast.com, us-…, de-…, au-…,
		// za-smtp-inbound-1.mimecast.co.za, je-…mimecast-offshore.com.
		MXSuffixes:  []string{"mimecast.com", "mimecast.co.za", "mimecast-offshore.com"},
		SPFIncludes: []string{"mimecast.com", "mimecast.co.za", "mimecast-offshore.com"}, // _netblocks.mimecast.com, us._netblocks…
		UserTips: quarantineTips("Mimecast", "a Mimecast digest email listing held messages",
			"If your organisation provides the Mimecast Personal Portal or the Mimecast add-in for Outlook, you can release held messages there too."),
	},
	{
		ID:          "proofpoint",
		Name:        "Proofpoint",
		Kind:        KindGateway,
		MXSuffixes:  []string{"pphosted.com", "ppe-hosted.com"}, // mx0a-00123456.pphosted.com, mx1-us1.ppe-hosted.com
		SPFIncludes: []string{"pphosted.com", "ppe-hosted.com"},
		UserTips:    quarantineTips("Proofpoint", "a Proofpoint \"End User Digest\" email, which has a Release link for each held message"),
	},
	{
		ID:          "barracuda",
		Name:        "Barracuda Email Protection",
		Kind:        KindGateway,
		MXSuffixes:  []string{"barracudanetworks.com"}, // d123456a.ess.barracudanetworks.com
		SPFIncludes: []string{"barracudanetworks.com"}, // _spf.ess.barracudanetworks.com
		UserTips:    quarantineTips("Barracuda", "a Barracuda quarantine notification email"),
	},
	{
		ID:          "cisco",
		Name:        "Cisco Secure Email (IronPort)",
		Kind:        KindGateway,
		MXSuffixes:  []string{"iphmx.com"}, // mx1.hc1234-56.iphmx.com
		SPFIncludes: []string{"iphmx.com"},
		UserTips:    quarantineTips("Cisco Secure Email", "a spam quarantine notification email"),
	},
	{
		ID:   "trendmicro",
		Name: "Trend Micro Email Security",
		Kind: KindGateway,
		// <domain>.in.tmes.trendmicro.com, .eu, tmes-anz…, .co.jp
		MXSuffixes:  []string{"trendmicro.com", "trendmicro.eu", "trendmicro.co.jp"},
		SPFIncludes: []string{"trendmicro.com", "trendmicro.eu", "trendmicro.co.jp"},
		UserTips:    quarantineTips("Trend Micro", "a Trend Micro quarantine digest email"),
	},
	{
		ID:          "sophos",
		Name:        "Sophos Email",
		Kind:        KindGateway,
		MXSuffixes:  []string{"hydra.sophos.com"}, // mx-01-eu-west-1.prod.hydra.sophos.com
		SPFIncludes: []string{"hydra.sophos.com"},
		UserTips: quarantineTips("Sophos", "a Sophos quarantine digest email",
			"You can also sign in to Sophos Central Self Service to release held messages."),
	},
	{
		ID:          "forcepoint",
		Name:        "Forcepoint Email Security",
		Kind:        KindGateway,
		MXSuffixes:  []string{"mailcontrol.com"}, // cust1234-1.in.mailcontrol.com
		SPFIncludes: []string{"mailcontrol.com"},
		UserTips:    quarantineTips("Forcepoint", "a Forcepoint message report email listing blocked messages"),
	},
	{
		ID:          "broadcom",
		Name:        "Symantec Email Security.cloud (Broadcom)",
		Kind:        KindGateway,
		MXSuffixes:  []string{"messagelabs.com"}, // cluster1.eu.messagelabs.com
		SPFIncludes: []string{"messagelabs.com"},
		UserTips:    quarantineTips("Symantec Email Security.cloud", "a quarantine summary email"),
	},
	{
		ID:          "hornetsecurity",
		Name:        "Hornetsecurity",
		Kind:        KindGateway,
		MXSuffixes:  []string{"hornetsecurity.com"}, // mx01.hornetsecurity.com
		SPFIncludes: []string{"hornetsecurity.com"},
		UserTips:    quarantineTips("Hornetsecurity", "a Hornetsecurity quarantine report email"),
	},
	{
		ID:   "spamexperts",
		Name: "N-able Mail Assure (SpamExperts)",
		Kind: KindGateway,
		// mx.spamexperts.com, fallbackmx.spamexperts.eu,
		// lastmx.spamexperts.net, mx1.mailassure… antispamcloud.com
		MXSuffixes:  []string{"spamexperts.com", "spamexperts.eu", "spamexperts.net", "antispamcloud.com"},
		SPFIncludes: []string{"spamexperts.com", "antispamcloud.com"},
		UserTips:    quarantineTips("Mail Assure", "a quarantine report email"),
	},
}

// forwarderProviders relay mail to a mailbox elsewhere.
var forwarderProviders = []Provider{
	{
		ID:          "cloudflare",
		Name:        "Cloudflare Email Routing",
		Kind:        KindForwarder,
		MXSuffixes:  []string{"mx.cloudflare.net"}, // route1.mx.cloudflare.net, route2, route3
		SPFIncludes: []string{"_spf.mx.cloudflare.net"},
		UserTips: []string{
			"This address forwards your email, through Cloudflare, to another mailbox: look in that mailbox, including its Spam or Junk folder.",
			"Forwarded email sometimes fails the receiving provider's checks. If codes never arrive, ask whoever owns the domain to check its forwarding rules in Cloudflare.",
		},
	},
	{
		ID:         "simplelogin",
		Name:       "SimpleLogin",
		Kind:       KindForwarder,
		MXSuffixes: []string{"simplelogin.co"}, // mx1.simplelogin.co, mx2
		Domains:    []string{"simplelogin.com", "simplelogin.co", "aleeas.com", "slmail.me"},
		UserTips: []string{
			"This is a SimpleLogin alias: codes are forwarded to your real mailbox, so look there, including its Spam or Junk folder.",
			"In SimpleLogin, check that the alias is still enabled and isn't blocking our sender.",
		},
	},
	{
		ID:      "firefox-relay",
		Name:    "Firefox Relay",
		Kind:    KindForwarder,
		Domains: []string{"mozmail.com"},
		UserTips: []string{
			"This is a Firefox Relay email mask: codes are forwarded to your real mailbox, so look there, including its Spam or Junk folder.",
			"In Firefox Relay, check that this mask isn't set to block all emails or promotional emails.",
		},
	},
	{
		ID:      "duckduckgo",
		Name:    "DuckDuckGo Email Protection",
		Kind:    KindForwarder,
		Domains: []string{"duck.com"},
		UserTips: []string{
			"This is a Duck Address: codes are forwarded to your personal inbox, so look there, including its Spam or Junk folder.",
			"If you deactivated this Duck Address, it no longer forwards anything: sign in with another address.",
		},
	},
	{
		ID:      "apple-relay",
		Name:    "Sign in with Apple (private relay)",
		Kind:    KindForwarder,
		Domains: []string{"privaterelay.appleid.com"},
		UserTips: []string{
			"You signed up with Sign in with Apple and hid your email, so codes go to a private relay address that Apple forwards to the email of your Apple Account: look in that inbox, including its Junk or Spam folder.",
			"In your Apple Account settings, under Sign in with Apple, check which email this app forwards to and that forwarding is on.",
		},
	},
}
