package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"

	"github.com/codeprobe/codeprobe/diagnose/address"
	"github.com/codeprobe/codeprobe/testcode"
)

// selectorPattern is RFC 6376 §3.1's selector: sub-domain *("." sub-domain).
var selectorPattern = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$`)

// runDKIM dispatches `codeprobe dkim SUBCOMMAND`.
func runDKIM(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "keygen" {
		fmt.Fprint(stderr, "Usage: codeprobe dkim keygen --selector S --domain D [--type rsa|ed25519] [--out FILE]\n")
		return usageError("unknown or missing dkim subcommand")
	}
	return runKeygen(args[1:], stdout, stderr)
}

// runKeygen makes a DKIM signing key (RSA-2048 or Ed25519, RFC 8463),
// writes it as PKCS#8 PEM to a file only its owner can read, and prints
// the TXT record to publish at SELECTOR._domainkey.DOMAIN.
func runKeygen(args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("dkim keygen", flag.ContinueOnError)
	fl.SetOutput(stderr)
	kind := fl.String("type", "rsa", "key type: rsa (2048 bits) or ed25519")
	selector := fl.String("selector", "", "the DKIM `SELECTOR` (required)")
	domain := fl.String("domain", "", "the signing `DOMAIN`, ours (required)")
	out := fl.String("out", "", "write the private key to `FILE` (default SELECTOR.DOMAIN.key); never overwritten")
	fl.Usage = func() {
		fmt.Fprint(stderr, "Usage: codeprobe dkim keygen --selector S --domain D [--type rsa|ed25519] [--out FILE]\n\n"+
			"Writes a new DKIM private key and prints the DNS TXT record to publish.\n\nFlags:\n")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return &exitError{code: 2}
	}
	if *selector == "" || *domain == "" {
		fl.Usage()
		return usageError("--selector and --domain are required")
	}
	a, err := address.Parse("postmaster@" + *domain)
	if err != nil || a.DomainLiteral.IsValid() {
		return usageError("--domain %q is not a domain name", *domain)
	}
	if !selectorPattern.MatchString(*selector) {
		return usageError("--selector %q is not a selector (letters, digits and hyphens, dot-separated; RFC 6376 §3.1)", *selector)
	}
	key, err := testcode.GenerateKey(*kind)
	if err != nil {
		return usageError("%v", err)
	}
	key.Selector, key.Domain = *selector, a.ASCIIDomain
	path := *out
	if path == "" {
		path = *selector + "." + a.ASCIIDomain + ".key"
	}
	// O_EXCL: an existing key is somebody's published key; never clobber it.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return usageError("%s exists; choose another --out", path)
	}
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	if _, err := f.Write(key.MarshalPEM()); err != nil {
		f.Close()
		return &exitError{code: 2, err: err}
	}
	if err := f.Close(); err != nil {
		return &exitError{code: 2, err: err}
	}
	fmt.Fprintf(stderr, "wrote the %s private key to %s (mode 0600); publish this record:\n", key.Kind(), path)
	fmt.Fprintln(stdout, key.ZoneRecord())
	return nil
}
