// Package layout holds the site's shared page shell and form components
// (templ), after the GOV.UK Design System's patterns: one question per
// page, a back link, errors summarised at the top and repeated beside the
// field, labels that are the page's heading.
package layout

// Page is what the shell needs to know about a page.
type Page struct {
	// Title is the page's title; the shell adds the site's name. A page
	// showing errors gets "Error: " before it, as screen-reader users
	// hear the title first.
	Title string
	// Back is the back link's URL; "" shows none.
	Back string
	// Errors are shown in the error summary at the top of the main
	// content.
	Errors []FieldError
	// Section picks the header's navigation: "wizard", "agent" or
	// "dashboard".
	Section string
	// User is the signed-in agent's name (agent and dashboard pages); ""
	// when nobody is signed in.
	User string
	// CSRF is the signed-in agent's form token, for the sign-out button.
	CSRF string
	// Demo marks the site as running on the built-in demo world.
	Demo bool
	// Ref is the wizard session's reference code, shown in the footer so
	// the user can give it to support at any point.
	Ref string
	// Scripts are the names of static scripts the page loads (deferred).
	Scripts []string
}

// FieldError is one problem with what the user entered.
type FieldError struct {
	Field   string // the input's id, linked from the summary
	Message string // what to do, in plain words ("Enter an email address")
}

// ErrorFor returns the message for field, or "".
func (p Page) ErrorFor(field string) string {
	for _, e := range p.Errors {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

func (p Page) fullTitle() string {
	t := p.Title + " – codeprobe"
	if len(p.Errors) > 0 {
		t = "Error: " + t
	}
	return t
}

// Option is one choice of a radio group.
type Option struct {
	Value, Label, Hint string
	Checked            bool
}

// Radios is a radio group whose legend is the page's question.
type Radios struct {
	Name     string // the form field; option i gets the id Name-i
	Question string // the legend, shown as the page's h1
	Hint     string
	Error    string
	Options  []Option
	// Heading: the legend is the page's h1 (one question per page).
	Heading bool
}

// Field is a text input whose label may be the page's question.
type Field struct {
	ID, Name, Label, Hint, Error, Value string
	// Type is the input type: "text", "email", "tel", "password".
	Type string
	// Autocomplete is the autocomplete token ("email", "tel",
	// "one-time-code", "username", "current-password").
	Autocomplete string
	// InputMode is the virtual keyboard to show ("numeric", "email").
	InputMode string
	Heading   bool // the label is the page's h1
	Code      bool // a short code field
	TestID    string
}

func (f Field) describedBy() string {
	var s string
	if f.Hint != "" {
		s = f.ID + "-hint"
	}
	if f.Error != "" {
		if s != "" {
			s += " "
		}
		s += f.ID + "-error"
	}
	return s
}

func fieldClass(err string) string {
	if err != "" {
		return "cp-field cp-field--error"
	}
	return "cp-field"
}
