package wizard

import (
	"time"

	"github.com/codeprobe/codeprobe/diagnose"
)

// State is everything the wizard knows about one user's walk through it.
// It is stored as JSON in the wizard session (store.WizardSession.State),
// which the agent console reads by the session's reference code; fields
// are only ever added.
type State struct {
	// Channel is how the user expected the code: "email", "app" or "sms".
	Channel string      `json:"channel,omitempty"`
	Email   *EmailState `json:"email,omitempty"`
	App     *AppState   `json:"app,omitempty"`
	SMS     *SMSState   `json:"sms,omitempty"`
	// Trail records each step the user took, oldest first, for support.
	Trail []Step `json:"trail,omitempty"`
}

// Step is one thing the user did.
type Step struct {
	At   time.Time `json:"at"`
	What string    `json:"what"` // a short phrase: "chose email", "sent a test code"
}

// maxTrail bounds the trail; older steps are dropped first.
const maxTrail = 100

func (s *State) record(at time.Time, what string) {
	s.Trail = append(s.Trail, Step{At: at.UTC(), What: what})
	if len(s.Trail) > maxTrail {
		s.Trail = s.Trail[len(s.Trail)-maxTrail:]
	}
}

// EmailState is the email path's progress.
type EmailState struct {
	// Typed is the address as the user first typed it.
	Typed string `json:"typed"`
	// Address is the address checked and sent to: Typed, or the
	// suggestion the user accepted.
	Address string `json:"address"`
	// Suggestion is the corrected address offered, "" when none.
	Suggestion string `json:"suggestion,omitempty"`
	// SuggestionAnswered is set once the user accepted or declined it.
	SuggestionAnswered bool `json:"suggestion_answered,omitempty"`
	// Report is the full check of Address; nil until it has run.
	Report *diagnose.Report `json:"report,omitempty"`
	// Checked is when Report was made.
	Checked time.Time `json:"checked,omitzero"`
	// Requested are the times the user asked for a test code, oldest
	// first. The sends themselves are in the store, under the session's
	// code session ("wizard:" + reference).
	Requested []time.Time `json:"requested,omitempty"`
	// Codes are the codes the user typed and what they turned out to be
	// (never the code itself).
	Codes []CodeCheck `json:"codes,omitempty"`
}

// CodeCheck is the verdict on one typed code, without the code.
type CodeCheck struct {
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"`
	Detail string    `json:"detail"`
}

// AppState is the authenticator-app path's progress.
type AppState struct {
	// Secret is the throwaway test enrolment's TOTP secret (base32). It
	// protects nothing: it exists only to test the user's app and clock.
	Secret  string     `json:"secret"`
	Created time.Time  `json:"created"`
	Checks  []AppCheck `json:"checks,omitempty"`
}

// AppCheck is the diagnosis of one code the app showed.
type AppCheck struct {
	At      time.Time `json:"at"`
	Kind    string    `json:"kind"`
	SkewSec int       `json:"skew_seconds"`
	Message string    `json:"message"`
	Advice  []string  `json:"advice,omitempty"`
	// Code is the code typed, kept so that the next one can narrow the
	// clock error (authapp.DiagnoseTwo). It is a code of the throwaway
	// test enrolment: it opens nothing.
	Code string `json:"code,omitempty"`
	// Refined: the check used this code and the one before it.
	Refined bool `json:"refined,omitempty"`
}

// SMSState is the text-message path's progress.
type SMSState struct {
	Typed      string `json:"typed"`
	Region     string `json:"region,omitempty"`
	RegionName string `json:"region_name,omitempty"`
	E164       string `json:"e164,omitempty"`
	Type       string `json:"type,omitempty"`
	// Verdict sums the number up: invalid, voip, landline, mobile or
	// unknown.
	Verdict string   `json:"verdict,omitempty"`
	Message string   `json:"message,omitempty"`
	Advice  []string `json:"advice,omitempty"`
}

// maxKept bounds each list of a session's state (codes typed, app checks,
// requests): a session must stay under the store's 256 KiB however long
// someone keeps trying. The oldest entries go first.
const maxKept = 50

// keepLast appends v to list and drops the oldest entries past maxKept.
func keepLast[T any](list []T, v T) []T {
	list = append(list, v)
	if len(list) > maxKept {
		list = list[len(list)-maxKept:]
	}
	return list
}
