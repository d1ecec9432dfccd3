package rules

// mailboxProviders are the providers that host mailboxes, large consumer
// services first.
var mailboxProviders = []Provider{
	{
		ID:   "google",
		Name: "Google (Gmail / Google Workspace)",
		Kind: KindMailbox,
		// aspmx.l.google.com and alt1-4.aspmx.l.google.com (Workspace),
		// smtp.google.com (Workspace's newer single MX),
		// gmail-smtp-in.l.google.com (gmail.com), aspmx2-5.googlemail.com.
		MXSuffixes:  []string{"google.com", "googlemail.com"},
		SPFIncludes: []string{"_spf.google.com"},
		Domains:     []string{"gmail.com", "googlemail.com"},
		JunkFolder:  "Spam",
		JunkAliases: []string{"[Gmail]/Spam", "[Google Mail]/Spam"},
		UserTips: []string{
			"Gmail may file the code under the Promotions or Updates tab instead of Primary: check every tab at the top of your inbox.",
			"Search everywhere, Spam and Trash included, by typing in:anywhere followed by our name into the Gmail search box.",
			"If you find the code in Spam, open it and choose \"Report not spam\" so the next one goes to your inbox.",
			"Check Settings → See all settings → Filters and Blocked Addresses for a filter that deletes, archives or forwards our emails.",
			"With a work or school Google account, your organisation may hold messages back: ask your IT team.",
		},
	},
	{
		ID:   "microsoft",
		Name: "Microsoft (Outlook.com / Microsoft 365)",
		Kind: KindMailbox,
		// <tenant>.mail.protection.outlook.com (Microsoft 365),
		// *.olc.protection.outlook.com (Outlook.com, Hotmail),
		// <tenant>.<x>-v1.mx.microsoft (newer DNSSEC-signed MX), and the
		// sovereign clouds (office365.us, partner.outlook.cn).
		MXSuffixes: []string{
			"protection.outlook.com", "mx.microsoft",
			"mail.protection.office365.us", "mail.protection.partner.outlook.cn",
		},
		SPFIncludes: []string{
			"spf.protection.outlook.com", "spf.protection.office365.us", "spf.protection.partner.outlook.cn",
		},
		Domains: []string{
			"outlook.com", "outlook.fr", "outlook.de", "outlook.es", "outlook.it", "outlook.jp", "outlook.com.br",
			"hotmail.com", "hotmail.co.uk", "hotmail.fr", "hotmail.de", "hotmail.it", "hotmail.es", "hotmail.be",
			"hotmail.ca", "hotmail.com.br", "hotmail.com.ar", "hotmail.co.jp",
			"live.com", "live.co.uk", "live.fr", "live.de", "live.it", "live.nl", "live.be", "live.ca",
			"live.com.au", "live.com.mx", "msn.com", "passport.com",
		},
		JunkFolder:  "Junk Email",
		JunkAliases: []string{"Junk", "Junk E-mail"},
		UserTips: []string{
			"Outlook may split your inbox into Focused and Other: check the Other tab.",
			"Look in the Junk Email folder. If the code is there, select it and choose \"Not junk\".",
			"Check your rules and blocked senders: in Outlook on the web, Settings → Mail → Rules, and Settings → Mail → Junk email.",
			"With a work or school account, Microsoft 365 may hold suspicious messages in quarantine: look for a quarantine notification email, or ask your IT team to release the message.",
		},
	},
	{
		ID:          "yahoo",
		Name:        "Yahoo Mail",
		Kind:        KindMailbox,
		MXSuffixes:  []string{"yahoodns.net"}, // mta5.am0.yahoodns.net, mta6, mta7
		SPFIncludes: []string{"_spf.mail.yahoo.com"},
		Domains: []string{
			"yahoo.com", "ymail.com", "rocketmail.com",
			"yahoo.co.uk", "yahoo.fr", "yahoo.de", "yahoo.it", "yahoo.es", "yahoo.ie", "yahoo.ca",
			"yahoo.com.au", "yahoo.com.br", "yahoo.com.mx", "yahoo.com.ar", "yahoo.co.in", "yahoo.in",
			"yahoo.com.sg", "yahoo.com.ph", "yahoo.co.id", "yahoo.com.hk", "yahoo.com.tw", "yahoo.se",
		},
		JunkFolder:  "Spam",
		JunkAliases: []string{"Bulk", "Bulk Mail"},
		UserTips: []string{
			"Look in the Spam folder. If the code is there, open it and choose \"Not spam\".",
			"Check the filters and blocked addresses in Yahoo Mail's settings for one that moves or deletes our emails.",
			"Yahoo sometimes holds back email from senders it doesn't know yet for a few minutes: wait a little before asking for another code.",
		},
	},
	{
		ID:   "aol",
		Name: "AOL Mail",
		Kind: KindMailbox,
		// AOL and Verizon mailboxes run on Yahoo's platform; the longer
		// suffix wins over Yahoo's yahoodns.net.
		MXSuffixes: []string{"mx-aol.mail.gm0.yahoodns.net"},
		Domains:    []string{"aol.com", "aim.com", "aol.co.uk", "aol.fr", "aol.de", "verizon.net"},
		JunkFolder: "Spam",
		UserTips: []string{
			"Look in the Spam folder. If the code is there, open it and choose \"Not spam\".",
			"Check the filters and blocked senders in AOL Mail's settings for one that moves or deletes our emails.",
		},
	},
	{
		ID:          "apple",
		Name:        "Apple (iCloud Mail)",
		Kind:        KindMailbox,
		MXSuffixes:  []string{"mail.icloud.com"}, // mx01.mail.icloud.com, mx02
		SPFIncludes: []string{"icloud.com"},
		Domains:     []string{"icloud.com", "me.com", "mac.com"},
		JunkFolder:  "Junk",
		UserTips: []string{
			"Look in the Junk folder, in the Mail app or at icloud.com/mail. If the code is there, move it to your Inbox or mark it \"Not Junk\".",
			"If you used Hide My Email, the code went to a random @icloud.com address that forwards to you: check the inbox it forwards to, and that the address is still active in your Apple Account settings.",
			"Check your mail rules at icloud.com/mail (Settings → Rules) for one that moves or deletes our emails.",
		},
	},
	{
		ID:          "proton",
		Name:        "Proton Mail",
		Kind:        KindMailbox,
		MXSuffixes:  []string{"protonmail.ch"}, // mail.protonmail.ch, mailsec.protonmail.ch
		SPFIncludes: []string{"_spf.protonmail.ch"},
		Domains:     []string{"proton.me", "protonmail.com", "protonmail.ch", "pm.me"},
		JunkFolder:  "Spam",
		UserTips: []string{
			"Look in the Spam folder. If the code is there, open it and mark it as not spam.",
			"Check Settings → Filters for a filter or block that moves our emails.",
			"If you read your mail in another app through Proton Mail Bridge, check the Proton web or mobile app too.",
		},
	},
	{
		ID:   "zoho",
		Name: "Zoho Mail",
		Kind: KindMailbox,
		MXSuffixes: []string{
			"zoho.com", "zoho.eu", "zoho.in", "zoho.com.au", "zoho.jp", "zohocloud.ca", "zoho.sa",
		},
		SPFIncludes: []string{"zohomail.com", "zohomail.eu", "zohomail.in", "zoho.com", "zoho.eu", "zoho.in"},
		Domains:     []string{"zohomail.com", "zoho.com"},
		JunkFolder:  "Spam",
		UserTips: []string{
			"Look in the Spam folder.",
			"If this is a work address on Zoho, your administrator may have quarantined the message: ask them to release it.",
		},
	},
	{
		ID:          "yandex",
		Name:        "Yandex Mail",
		Kind:        KindMailbox,
		MXSuffixes:  []string{"yandex.net", "yandex.ru"}, // mx.yandex.net, mx.yandex.ru
		SPFIncludes: []string{"_spf.yandex.net"},
		Domains:     []string{"yandex.ru", "yandex.com", "ya.ru", "yandex.by", "yandex.kz", "yandex.ua", "narod.ru"},
		JunkFolder:  "Spam",
		JunkAliases: []string{"Спам"},
		UserTips: []string{
			"Look in the Spam folder (Спам). If the code is there, select it and choose \"Not spam\".",
			"Check the mail rules in Yandex Mail's settings for one that moves or deletes our emails.",
		},
	},
	{
		ID:          "gmx",
		Name:        "GMX",
		Kind:        KindMailbox,
		MXSuffixes:  []string{"gmx.net", "gmx.com"}, // mx00.gmx.net, mx01.gmx.net
		Domains:     []string{"gmx.de", "gmx.net", "gmx.at", "gmx.ch", "gmx.com", "gmx.co.uk", "gmx.fr", "gmx.es", "gmx.us"},
		JunkFolder:  "Spamverdacht",
		JunkAliases: []string{"Spam"},
		UserTips: []string{
			"Look in the Spamverdacht folder (called Spam in the English version of GMX).",
			"Add our sender address to your address book: GMX then delivers our emails straight to your inbox.",
		},
	},
	{
		ID:         "webde",
		Name:       "WEB.DE",
		Kind:       KindMailbox,
		MXSuffixes: []string{"web.de"}, // mx-ha02.web.de, mx-ha03.web.de
		Domains:    []string{"web.de"},
		JunkFolder: "Spam",
		UserTips: []string{
			"Look in the Spam folder. If three-way spam protection is on, look in the Unbekannt folder too.",
			"Add our sender address to your address book: WEB.DE then files our emails with your known contacts instead of treating them as spam.",
		},
	},
	{
		ID:          "fastmail",
		Name:        "Fastmail",
		Kind:        KindMailbox,
		MXSuffixes:  []string{"messagingengine.com"}, // in1-smtp.messagingengine.com, in2-smtp
		SPFIncludes: []string{"spf.messagingengine.com"},
		Domains:     []string{"fastmail.com", "fastmail.fm"},
		JunkFolder:  "Spam",
		UserTips: []string{
			"Look in the Spam folder.",
			"Check Settings → Filters & Rules for a rule that moves or deletes our emails.",
			"Add our sender address to your contacts: Fastmail then won't treat our emails as spam.",
		},
	},
	{
		ID:          "mailru",
		Name:        "Mail.ru",
		Kind:        KindMailbox,
		MXSuffixes:  []string{"mail.ru"}, // mxs.mail.ru, emx.mail.ru
		SPFIncludes: []string{"_spf.mail.ru"},
		Domains:     []string{"mail.ru", "inbox.ru", "list.ru", "bk.ru", "internet.ru"},
		JunkFolder:  "Spam",
		JunkAliases: []string{"Спам"},
		UserTips: []string{
			"Look in the Spam folder (Спам).",
			"Check the filters in Mail.ru's settings for one that moves or deletes our emails.",
		},
	},
	{
		ID:          "qq",
		Name:        "Tencent (QQ Mail / Tencent Exmail)",
		Kind:        KindMailbox,
		MXSuffixes:  []string{"qq.com"}, // mx1.qq.com, mxbiz1.qq.com
		SPFIncludes: []string{"spf.mail.qq.com"},
		Domains:     []string{"qq.com", "foxmail.com", "vip.qq.com"},
		JunkFolder:  "Spam",
		JunkAliases: []string{"垃圾箱", "Junk"},
		UserTips: []string{
			"Look in the Spam folder (垃圾箱).",
			"Add our sender address to the whitelist (白名单) in QQ Mail's anti-spam settings.",
		},
	},
	{
		ID:          "naver",
		Name:        "Naver Mail",
		Kind:        KindMailbox,
		MXSuffixes:  []string{"naver.com"}, // mx1.naver.com, mx2, mx3
		SPFIncludes: []string{"_spf.naver.com"},
		Domains:     []string{"naver.com"},
		JunkFolder:  "Spam",
		JunkAliases: []string{"스팸메일함"},
		UserTips: []string{
			"Look in the spam folder (스팸메일함).",
			"Check the filters in Naver Mail's settings for one that moves or deletes our emails.",
		},
	},
	{
		ID:   "ionos",
		Name: "IONOS (1&1)",
		Kind: KindMailbox,
		// mx00.ionos.de, mx01.ionos.de, mx00.ionos.com; older
		// mx00.kundenserver.de.
		MXSuffixes: []string{"ionos.de", "ionos.com", "ionos.co.uk", "ionos.fr", "ionos.es", "kundenserver.de"},
		JunkFolder: "Spam",
		UserTips: []string{
			"Look in the Spam folder.",
			"If your address is run by your company or web host, ask them whether a spam filter is holding the message.",
		},
	},
}
