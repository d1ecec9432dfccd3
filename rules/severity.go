package rules

import (
	"errors"
	"fmt"
	"strings"
)

// Severity says how bad a finding is. The values are part of the JSON
// report contract (DESIGN.md): "ok", "info", "warn", "fail", "inconclusive".
type Severity string

// The severities, from best to worst by [Severity.Rank].
const (
	OK           Severity = "ok"           // the check passed
	Info         Severity = "info"         // worth knowing, not a problem
	Inconclusive Severity = "inconclusive" // the check could not decide (timeouts, blocked ports)
	Warn         Severity = "warn"         // likely to delay codes or send them to junk
	Fail         Severity = "fail"         // codes cannot arrive until this is fixed
)

// ErrUnknownSeverity is returned (wrapped) by [ParseSeverity] for a string
// that names no severity.
var ErrUnknownSeverity = errors.New("rules: unknown severity")

// Severities lists every severity from best to worst.
func Severities() []Severity {
	return []Severity{OK, Info, Inconclusive, Warn, Fail}
}

// Rank orders severities for sorting findings worst first: ok 0, info 1,
// inconclusive 2, warn 3, fail 4. An unknown severity ranks -1, below ok.
func (s Severity) Rank() int {
	switch s {
	case OK:
		return 0
	case Info:
		return 1
	case Inconclusive:
		return 2
	case Warn:
		return 3
	case Fail:
		return 4
	}
	return -1
}

// Valid reports whether s is one of the five severities.
func (s Severity) Valid() bool { return s.Rank() >= 0 }

// Compare returns -1, 0 or +1 as s ranks below, equal to or above t, so that
// slices.SortFunc(findings, func(a, b F) int { return b.Sev.Compare(a.Sev) })
// sorts worst first.
func (s Severity) Compare(t Severity) int {
	switch rs, rt := s.Rank(), t.Rank(); {
	case rs < rt:
		return -1
	case rs > rt:
		return 1
	}
	return 0
}

// String returns the severity's name.
func (s Severity) String() string { return string(s) }

// ParseSeverity parses a severity name, ignoring case and surrounding
// space ("WARN" is [Warn]). Any other string yields an error wrapping
// [ErrUnknownSeverity].
func ParseSeverity(s string) (Severity, error) {
	sev := Severity(strings.ToLower(strings.TrimSpace(s)))
	if !sev.Valid() {
		return "", fmt.Errorf("%w %q: want ok, info, inconclusive, warn or fail", ErrUnknownSeverity, s)
	}
	return sev, nil
}

// UnmarshalText implements encoding.TextUnmarshaler with [ParseSeverity],
// so that decoding a report or a flag rejects an unknown severity.
func (s *Severity) UnmarshalText(text []byte) error {
	sev, err := ParseSeverity(string(text))
	if err != nil {
		return err
	}
	*s = sev
	return nil
}

// Worst returns the highest-ranked of sevs, or [OK] when there are none;
// it decides a report's overall status (and the CLI's exit code: 1 when it
// is [Fail]).
func Worst(sevs ...Severity) Severity {
	worst := OK
	for _, s := range sevs {
		if s.Rank() > worst.Rank() {
			worst = s
		}
	}
	return worst
}
