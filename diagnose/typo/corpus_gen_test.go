package typo

import (
	"flag"
	"strings"
)

// This file generates the measurement corpus under testdata/corpus from the
// most used consumer mail domains, independently of the package's own edit
// tables (its keyboard neighbours are written out by hand here).
// TestCorpusUpToDate fails when the committed files differ from what the
// generator makes; `go test -run TestCorpusUpToDate -update` rewrites them.

var update = flag.Bool("update", false, "rewrite testdata/corpus from the generator")

// corpusSeed seeds the one random choice: which dense-namespace lookalikes
// the legitimate set samples.
const corpusSeed = 20240611

// corpusTargets are the consumer mail domains the typo set is made from.
var corpusTargets = []string{
	"gmail.com", "yahoo.com", "yahoo.co.uk", "yahoo.fr", "yahoo.de", "yahoo.it", "yahoo.es",
	"yahoo.ca", "yahoo.com.br", "yahoo.co.jp", "yahoo.co.in", "hotmail.com", "hotmail.co.uk",
	"hotmail.fr", "hotmail.de", "hotmail.it", "hotmail.es", "outlook.com", "live.com", "msn.com",
	"aol.com", "icloud.com", "me.com", "mac.com", "gmx.de", "gmx.net", "gmx.at", "gmx.ch",
	"web.de", "t-online.de", "freenet.de", "orange.fr", "wanadoo.fr", "free.fr", "laposte.net",
	"sfr.fr", "libero.it", "virgilio.it", "mail.ru", "yandex.ru", "rambler.ru", "qq.com",
	"163.com", "126.com", "naver.com", "daum.net", "protonmail.com", "proton.me", "zoho.com",
	"comcast.net", "verizon.net", "att.net", "sbcglobal.net", "cox.net", "btinternet.com",
	"sky.com", "bigpond.com", "shaw.ca", "rogers.com", "uol.com.br", "bol.com.br",
	"rediffmail.com", "seznam.cz", "wp.pl", "o2.pl", "interia.pl",
}

// Keyboard neighbours of each key, written out by hand.
var (
	genQwerty = map[byte]string{
		'q': "wa12", 'w': "qeas23", 'e': "wrsd34", 'r': "etdf45", 't': "ryfg56", 'y': "tugh67",
		'u': "yihj78", 'i': "uojk89", 'o': "ipkl90", 'p': "ol0-", 'a': "qwsz", 's': "weadzx",
		'd': "erfsxc", 'f': "rtdgcv", 'g': "tyfhvb", 'h': "yugjbn", 'j': "uihknm", 'k': "iojlm",
		'l': "opk", 'z': "asx", 'x': "sdzc", 'c': "dfxv", 'v': "fgcb", 'b': "ghvn", 'n': "hjbm",
		'm': "jkn", '1': "2q", '2': "13qw", '3': "24we", '4': "35er", '5': "46rt", '6': "57ty",
		'7': "68yu", '8': "79ui", '9': "80io", '0': "9op", '-': "0p",
	}
	genAzerty = map[byte]string{
		'a': "zq12", 'z': "aeqs23", 'e': "zrsd34", 'q': "azsw", 's': "zeqdwx", 'w': "qsx",
		'x': "sdwc", 'm': "plo", 'p': "olm0", 'l': "opkm", 'n': "hjb", 'j': "uihkn", 'k': "iojl",
	}
	genQwertz = map[byte]string{
		'z': "tugh67", 'y': "asx", 't': "rzfg56", 'u': "zihj78", 'g': "tzfhvb", 'h': "zugjbn",
		'a': "qwsy", 's': "weadyx", 'x': "sdyc",
	}
)

// genNeighbours returns the keys next to c on the layouts used with suffix.
func genNeighbours(c byte, suffix string) string {
	n := genQwerty[c]
	tld := suffix[strings.LastIndexByte(suffix, '.')+1:]
	switch tld {
	case "fr", "be":
		n += genAzerty[c]
	case "de", "at", "ch", "cz":
		n += genQwertz[c]
	}
	return n
}

// genSuffixSlips are the suffix slips of the issue and their kin.
var genSuffixSlips = map[string][]string{
	"com":    {"con", "cmo", "comm", "co", "cim", "vom", "xom", "cpm", "ocm", "coom", "cm", "om", "c0m", "clm", "ckm", "comn", "fom"},
	"net":    {"ne", "nte", "nett", "bet", "met", "ner", "et", "nwt", "nrt", "neet"},
	"co.uk":  {"co.k", "couk", "co.u", "co.ul", "co.uj", "co.ik", "co.yk", "cp.uk", "xo.uk", "co.ukk", "coo.uk"},
	"de":     {"d", "e", "dee", "ed", "fe", "dw", "xe", "dde", "se", "re"},
	"fr":     {"fe", "ft", "rf", "frr", "f", "dr", "ffr", "gr"},
	"it":     {"iy", "ot", "ti", "itt", "i", "iit"},
	"es":     {"ed", "ws", "ess", "e", "se", "rs"},
	"ru":     {"ry", "ur", "ri", "ruu", "r", "rru", "eu"},
	"pl":     {"lp", "ol", "pll", "ppl", "p", "pk"},
	"cz":     {"cx", "xz", "c", "czz", "vz"},
	"at":     {"ta", "att", "a", "ay", "qt", "st"},
	"ch":     {"vh", "xh", "hc", "chh", "c", "cg", "cj"},
	"ca":     {"cs", "xa", "ac", "caa", "c", "va"},
	"me":     {"mw", "em", "mee", "m", "ne"},
	"com.br": {"com.vr", "combr", "co.br", "com.b", "com.brr", "con.br", "cm.br"},
	"co.jp":  {"co.p", "cojp", "co.jo", "cp.jp", "co.jpp"},
	"co.in":  {"co.n", "coin", "co.un", "co.im", "cp.in"},
}

// genItem is one generated slip.
type genItem struct {
	typed, intended, kind string
	labelLen              int // length of the typed first label, for label slips
}

// genSlips returns every single realistic slip of domain d.
func genSlips(d string) []genItem {
	label, suffix, _ := strings.Cut(d, ".")
	var out []genItem
	addLabel := func(l, kind string) {
		if l != label && validLabel(l) {
			out = append(out, genItem{l + "." + suffix, d, kind, len(l)})
		}
	}
	n := len(label)
	for i := 0; i < n; i++ {
		for _, c := range []byte(genNeighbours(label[i], suffix)) {
			addLabel(label[:i]+string(c)+label[i+1:], "adjacent-key")
		}
		addLabel(label[:i+1]+label[i:], "duplication")
		addLabel(label[:i]+label[i+1:], "deletion")
		if i+1 < n && label[i] != label[i+1] {
			addLabel(label[:i]+label[i+1:i+2]+label[i:i+1]+label[i+2:], "transposition")
		}
	}
	for g := 0; g <= n; g++ {
		var near string
		if g > 0 {
			near += genNeighbours(label[g-1], suffix)
		}
		if g < n {
			near += genNeighbours(label[g], suffix)
		}
		for _, c := range []byte(near) {
			if g > 0 && label[g-1] == c || g < n && label[g] == c {
				continue
			}
			addLabel(label[:g]+string(c)+label[g:], "insertion")
		}
	}
	for _, s := range genSuffixSlips[suffix] {
		out = append(out, genItem{label + "." + s, d, "tld", 0})
	}
	out = append(out,
		genItem{label + "," + suffix, d, "comma", 0},
		genItem{label + suffix, d, "missing-dot", 0},
		genItem{label + ".." + suffix, d, "double-dot", 0},
		genItem{d + ".", d, "trailing-dot", 0},
	)
	return out
}
