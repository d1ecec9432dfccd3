package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"

	"github.com/codeprobe/codeprobe/fixtures"
	"github.com/codeprobe/codeprobe/internal/demo"
	"github.com/codeprobe/codeprobe/ui/auth"
)

// demoParts starts the demo world (internal/demo) and makes its agent
// account.
func (f *serveFlags) demoParts(logger *slog.Logger) (*siteParts, func(), error) {
	d, err := demo.Start(demo.Options{DB: f.db, CheckTimeout: f.checkTimeout, Logger: logger})
	if err != nil {
		return nil, nil, &exitError{code: 2, err: err}
	}
	am, err := auth.New(d.Store, nil)
	if err == nil {
		if err = am.AddUser(context.Background(), demo.User, d.Password); err != nil {
			err = am.SetPassword(context.Background(), demo.User, d.Password)
		}
	}
	if err != nil {
		d.Close()
		return nil, nil, &exitError{code: 2, err: fmt.Errorf("the demo account: %w", err)}
	}
	banner := fmt.Sprintf("codeprobe serve: demo world running; agent console sign-in: user %q, password %q\n"+
		"codeprobe serve: try the wizard with %s\n", demo.User, d.Password, demoTryList())
	return &siteParts{store: d.Store, checker: d.Checker, sender: d.Sender, demo: true, fromDomain: demo.FromDomain,
		banner: banner}, d.Close, nil
}

func demoTryList() string {
	var out []string
	for _, a := range fixtures.DemoAddresses {
		out = append(out, a.Address)
	}
	return strings.Join(out, ", ")
}

// lastForwarded returns the last address of X-Forwarded-For headers: the
// one our own proxy appended (earlier ones are the client's say-so).
func lastForwarded(values []string) netip.Addr {
	if len(values) == 0 {
		return netip.Addr{}
	}
	parts := strings.Split(values[len(values)-1], ",")
	ip, err := netip.ParseAddr(strings.TrimSpace(parts[len(parts)-1]))
	if err != nil {
		return netip.Addr{}
	}
	return ip.Unmap()
}
