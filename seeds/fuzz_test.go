package seeds

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// FuzzParse: any seed list either parses into valid accounts or fails
// with ErrConfig, never panics, and never echoes a password from the
// environment in an error or in the parsed list's JSON.
func FuzzParse(f *testing.F) {
	f.Add([]byte(goodList))
	f.Add([]byte("seeds:\n  - name: s\n    address: s@gmail.com\n    host: h\n    password_env: PW\n"))
	f.Add([]byte("seeds: [{name: a, address: a@b.c, host: h, password_env: PW, tls: starttls, port: 143}]\ndeadline: 1s\n"))
	f.Add([]byte("seeds:\n  - name: s\n    password: x\n"))
	f.Add([]byte("alert: {inbox_rate_below: 2}\n"))
	f.Add([]byte("\x00\xff: ["))
	const secret = "pw-Very-Secret-1234"
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := Parse(data, t.TempDir(), func(string) string { return secret })
		if err != nil {
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("error %v does not wrap ErrConfig", err)
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("error shows the password: %v", err)
			}
			return
		}
		if len(l.Seeds) == 0 || l.Deadline <= 0 || l.LateAfter <= 0 || l.AlertBelow < 0 || l.AlertBelow > 1 {
			t.Fatalf("accepted an unusable list: %+v", l)
		}
		for i := range l.Seeds {
			if err := l.Seeds[i].Validate(); err != nil {
				t.Fatalf("accepted an invalid seed: %v", err)
			}
		}
		js, _ := json.Marshal(l)
		if strings.Contains(string(js), secret) {
			t.Fatalf("the list's JSON shows the password: %s", js)
		}
	})
}
