package typo

// tldWeights ranks the suffixes most typed in mail addresses, for the
// generic suffix repair of domains the tables know nothing else about
// (acme.con → acme.com): a slip that could come from two of them is
// corrected only when one is far more common.
var tldWeights = map[string]float64{
	"com": 1000, "net": 150, "org": 120, "edu": 30, "gov": 10, "info": 10,
	"de": 60, "co.uk": 40, "uk": 10, "ru": 40, "com.br": 30, "br": 10, "fr": 30,
	"it": 25, "nl": 25, "jp": 10, "co.jp": 10, "com.au": 20, "au": 5, "pl": 20,
	"in": 10, "co.in": 10, "es": 20, "ca": 15, "ch": 10, "be": 10, "cz": 8,
	"at": 8, "se": 8, "eu": 8, "com.mx": 8, "com.ar": 8, "cn": 20, "com.cn": 5,
	"kr": 5, "co.kr": 5, "dk": 5, "no": 5, "fi": 5, "pt": 5, "gr": 5, "ie": 5,
	"co.nz": 5, "co.za": 5, "hu": 5, "ro": 5, "sk": 3, "com.tr": 5, "ua": 5,
	"us": 5, "io": 5, "co": 5, "me": 3, "biz": 3,
}

// buildTLDFix maps each keyboard slip of a common suffix that is no real
// suffix to the suffix meant, leaving out slips two common suffixes could
// explain unless one is four times as common.
func buildTLDFix() map[string]string {
	adj := newAdjacency(qwerty, azerty, qwertz)
	scores := map[string]map[string]float64{} // slip → suffix → best weight
	for sfx, w := range tldWeights {
		suffixVariants(sfx, adj, func(v, _ string, p float64) {
			if realTLD(v) || tldWeights[v] > 0 {
				return
			}
			if scores[v] == nil {
				scores[v] = map[string]float64{}
			}
			scores[v][sfx] = max(scores[v][sfx], w*p)
		})
	}
	out := map[string]string{}
	for v, by := range scores {
		var top, second float64
		var to string
		for sfx, sc := range by {
			switch {
			case sc > top || sc == top && sfx < to:
				second = max(second, top)
				top, to = sc, sfx
			case sc > second:
				second = sc
			}
		}
		if top >= 4*second {
			out[v] = to
		}
	}
	return out
}
