package layout

import "github.com/codeprobe/codeprobe/rules"

// TagClass is the CSS class of the tag showing a finding's severity.
func TagClass(s rules.Severity) string {
	switch s {
	case rules.Fail:
		return "cp-tag cp-tag--fail"
	case rules.Warn:
		return "cp-tag cp-tag--warn"
	case rules.OK:
		return "cp-tag cp-tag--ok"
	}
	return "cp-tag cp-tag--info"
}
