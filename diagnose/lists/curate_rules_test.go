package lists

// The editorial decisions behind the curated lists. TestCuratedLists
// applies them to the upstream files and compares the result with the
// committed data files.

// majorExact are big consumer mail domains people mistype. An entry of the
// free-provider list within Damerau-Levenshtein distance 2 of one of them,
// or with the same name under another suffix (gmail.ru), is removed unless
// it is on freeAllow. The domains themselves are real and always kept.
var majorExact = []string{
	// Google, Microsoft, Yahoo, AOL, Apple
	"gmail.com", "googlemail.com", "msn.com", "ymail.com", "rocketmail.com",
	"aol.com", "aim.com", "icloud.com", "me.com", "mac.com",
	// European and Russian consumer mail
	"web.de", "t-online.de", "freenet.de", "mail.ru", "rambler.ru",
	"orange.fr", "wanadoo.fr", "laposte.net", "libero.it", "virgilio.it",
	"seznam.cz", "btinternet.com",
	// privacy and business mail
	"proton.me", "zoho.com",
	// North American ISPs
	"comcast.net", "att.net", "sbcglobal.net", "bellsouth.net", "verizon.net", "earthlink.net",
	// Korea
	"naver.com", "hanmail.net",
}

// majorFamilies are providers that use one name under many suffixes
// (hotmail.co.uk, yahoo.fr): any entry whose name is within distance 2 of
// the family name, under any suffix, is removed unless it is on freeAllow.
var majorFamilies = []string{"hotmail", "outlook", "live", "yahoo", "gmx", "yandex", "protonmail"}

// freeAllow are entries the rules above would remove but that are real
// mail providers' domains, each kept on purpose.
var freeAllow = []string{
	// Microsoft's regional Hotmail, Live and Outlook.com domains (not
	// hotmail.co, .kg, .kz or .ru, which Microsoft never offered).
	"hotmail.be", "hotmail.ca", "hotmail.ch", "hotmail.co.il", "hotmail.co.jp", "hotmail.co.nz",
	"hotmail.co.uk", "hotmail.co.za", "hotmail.com", "hotmail.com.ar", "hotmail.com.au",
	"hotmail.com.br", "hotmail.com.mx", "hotmail.com.tr", "hotmail.de", "hotmail.es", "hotmail.fi",
	"hotmail.fr", "hotmail.it", "hotmail.nl", "hotmail.se",
	"live.at", "live.be", "live.ca", "live.cl", "live.cn", "live.co.uk", "live.co.za", "live.com",
	"live.com.ar", "live.com.au", "live.com.mx", "live.com.pt", "live.com.sg", "live.de", "live.dk",
	"live.fr", "live.ie", "live.in", "live.it", "live.jp", "live.nl", "live.no", "live.ru", "live.se",
	"outlook.at", "outlook.be", "outlook.cl", "outlook.co.id", "outlook.co.il", "outlook.co.nz",
	"outlook.co.th", "outlook.com", "outlook.com.au", "outlook.com.br", "outlook.com.gr",
	"outlook.com.pe", "outlook.com.tr", "outlook.com.vn", "outlook.cz", "outlook.de", "outlook.dk",
	"outlook.es", "outlook.fr", "outlook.hu", "outlook.ie", "outlook.in", "outlook.it", "outlook.jp",
	"outlook.kr", "outlook.lv", "outlook.my", "outlook.nl", "outlook.ph", "outlook.pt", "outlook.sa",
	"outlook.sg", "outlook.sk",
	// Yahoo's regional domains, past and present (not yahoo.co, .ae,
	// .co.il, .com.ru, .cz, .hu, .jp, .pt or .ru), and Yahoo's Kimo and
	// Yahoo7 brands.
	"yahoo.at", "yahoo.be", "yahoo.ca", "yahoo.ch", "yahoo.cn", "yahoo.co.id", "yahoo.co.in",
	"yahoo.co.jp", "yahoo.co.kr", "yahoo.co.nz", "yahoo.co.th", "yahoo.co.uk", "yahoo.co.za",
	"yahoo.com", "yahoo.com.ar", "yahoo.com.au", "yahoo.com.br", "yahoo.com.cn", "yahoo.com.co",
	"yahoo.com.hk", "yahoo.com.mx", "yahoo.com.my", "yahoo.com.ph", "yahoo.com.sg", "yahoo.com.tr",
	"yahoo.com.tw", "yahoo.com.vn", "yahoo.de", "yahoo.dk", "yahoo.es", "yahoo.fi", "yahoo.fr",
	"yahoo.gr", "yahoo.ie", "yahoo.in", "yahoo.it", "yahoo.nl", "yahoo.no", "yahoo.pl", "yahoo.ro",
	"yahoo.se", "kimo.com", "y7mail.com",
	// GMX (United Internet), Yandex, Proton
	"gmx.at", "gmx.ch", "gmx.com", "gmx.de", "gmx.fr", "gmx.li", "gmx.net",
	"yandex.com", "yandex.ru", "yandex.ua",
	"protonmail.ch", "protonmail.com", "pm.me",
	// mail.com and its sister domains
	"mail.com", "email.com", "usa.com", "dr.com", "asia.com",
	// other real providers whose names happen to be close to a big one
	"qq.com", "foxmail.com", "tom.com", "sohu.com", "yam.com", "nate.com",
	"my.com", "list.ru", "km.ru", "mail.de", "mail.ee", "mail.bg", "lex.bg",
	"alice.it", "wanadoo.es", "wanadoo.co.uk", "eml.cc", "mm.st", "ownmail.net",
	"cs.com", "cox.net", "rr.com", "q.com", "rcn.com", "twc.com", "gci.net", "ptd.net", "atmc.net",
	"r7.com",
}

// freeAdd are consumer mail providers' domains missing from the upstream
// list, added so that they are not mistaken for typos or unknown domains.
var freeAdd = []string{
	"o2.pl", "tlen.pl", // Polish o2 (Grupa Wirtualna Polska)
	"tutanota.com", "tutanota.de", "tutamail.com", "tuta.io", "tuta.com",
	"mailbox.org", "talktalk.net",
}

// roleDrop are entries of the upstream role list that are plainly
// personal names: a mailbox called alexa@, dean@ or gardner@ most likely
// belongs to a person of that name, and calling it a shared inbox would
// mislead.
var roleDrop = []string{"alexa", "dean", "gardner"}
