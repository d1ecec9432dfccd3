package agent

import (
	"strings"

	"github.com/codeprobe/codeprobe/rules"
)

func joinLines(ls []string) string { return strings.Join(ls, "\n") }

func providerName(id string) string {
	if p, ok := rules.ProviderByID(id); ok {
		return p.Name
	}
	return id
}
