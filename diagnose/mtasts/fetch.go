package mtasts

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/codeprobe/codeprobe/diagnose/netguard"
	"github.com/miekg/dns"
)

// Why a policy could not be fetched. [Result.Err] wraps one of them; test
// with errors.Is.
var (
	ErrDNS            = errors.New("DNS lookup failed")
	ErrNoPolicyHost   = errors.New("the policy host does not exist")
	ErrPrivateAddress = errors.New("the policy host has no address we may connect to")
	ErrConnect        = errors.New("cannot connect to the policy host")
	ErrTimeout        = errors.New("the policy fetch did not finish in time")
	ErrCertificate    = errors.New("the policy host's certificate is not valid")
	ErrRedirect       = errors.New("the policy URL redirects, and senders must not follow redirects")
	ErrHTTPStatus     = errors.New("the policy URL does not answer 200 OK")
	ErrContentType    = errors.New("the policy is not served as text/plain")
	ErrTooLarge       = errors.New("the policy is too large")
)

// DefaultTimeout bounds a policy fetch when [Fetcher.Timeout] is zero.
const DefaultTimeout = 10 * time.Second

// Fetcher fetches MTA-STS policies the way a sending MTA does (RFC 8461
// §3.3). Resolver is required; the zero value of every other field is a
// sensible default.
type Fetcher struct {
	// Resolver resolves _mta-sts.<domain> and mta-sts.<domain>. Required.
	Resolver dnsx.Querier
	// Guard checks every address of the policy host before dialling and
	// dials it. nil means a zero Guard: no special-purpose addresses.
	Guard *netguard.Guard
	// RootCAs verifies the policy host's certificate; nil means the
	// system's roots.
	RootCAs *x509.CertPool
	// Timeout bounds the whole fetch, from resolving the policy host to
	// reading the body; 0 means DefaultTimeout.
	Timeout time.Duration
	// Port is the HTTPS port; 0 means 443.
	Port int
}

// fetch resolves mta-sts.<domain>, checks its addresses and GETs the policy
// from one of them, recording the URL, the HTTP status and any forbidden
// addresses in res. It returns the body of a 200 text/plain answer.
func (f *Fetcher) fetch(ctx context.Context, domain string, res *Result) ([]byte, error) {
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	host := "mta-sts." + domain
	port := f.Port
	if port == 0 {
		port = 443
	}
	res.PolicyURL = policyURL(host, port)
	addrs, err := f.resolveHost(ctx, host)
	if err != nil {
		return nil, err
	}
	guard := f.Guard
	if guard == nil {
		guard = &netguard.Guard{}
	}
	var allowed []netip.Addr
	var refused []string
	for _, ip := range addrs {
		if err := guard.Check(ip); err != nil {
			refused = append(refused, err.Error())
			continue
		}
		allowed = append(allowed, ip)
	}
	if len(refused) > 0 {
		res.add(ProblemPrivateAddress, "RFC 8461 §3.3", "%s: %s; senders on the Internet cannot reach it there",
			host, strings.Join(refused, "; "))
	}
	if len(allowed) == 0 {
		return nil, fmt.Errorf("%w: %s resolves only to addresses that are not globally routable", ErrPrivateAddress, host)
	}
	return f.get(ctx, host, port, allowed, guard, res)
}

// policyURL is the well-known policy URL (RFC 8461 §3.3), with the port
// when it is not 443.
func policyURL(host string, port int) string {
	if port != 443 {
		host = net.JoinHostPort(host, strconv.Itoa(port))
	}
	return "https://" + host + "/.well-known/mta-sts.txt"
}

// resolveHost returns the IPv4 and IPv6 addresses of host, asking for both
// at once. It fails with ErrNoPolicyHost when the name has none and with
// ErrDNS when a lookup failed and the other gave nothing.
func (f *Fetcher) resolveHost(ctx context.Context, host string) ([]netip.Addr, error) {
	type lookup struct {
		ans *dnsx.Answer
		err error
	}
	var res [2]lookup
	var wg sync.WaitGroup
	for i, t := range []uint16{dns.TypeA, dns.TypeAAAA} {
		wg.Go(func() { res[i].ans, res[i].err = f.Resolver.Query(ctx, host, t) })
	}
	wg.Wait()
	var addrs []netip.Addr
	var errs []error
	for _, l := range res {
		if l.err != nil {
			errs = append(errs, l.err)
			continue
		}
		for _, rr := range l.ans.Records {
			var ip netip.Addr
			switch rr := rr.(type) {
			case *dns.A:
				ip, _ = netip.AddrFromSlice(rr.A.To4())
			case *dns.AAAA:
				ip, _ = netip.AddrFromSlice(rr.AAAA.To16())
			}
			if ip.IsValid() {
				addrs = append(addrs, ip.Unmap())
			}
		}
	}
	switch {
	case len(addrs) > 0:
		return addrs, nil
	case len(errs) > 0:
		return nil, fmt.Errorf("%w: resolving the policy host %s: %w", ErrDNS, host, errors.Join(errs...))
	case res[0].ans.Status == dnsx.StatusNXDomain:
		return nil, fmt.Errorf("%w: %s does not exist (NXDOMAIN), yet the TXT record announces a policy", ErrNoPolicyHost, host)
	default:
		return nil, fmt.Errorf("%w: %s has no A or AAAA record, yet the TXT record announces a policy", ErrNoPolicyHost, host)
	}
}

// get fetches the policy over HTTPS from one of addrs, verifying the
// certificate against host, following no redirect, and bounding the body.
func (f *Fetcher) get(ctx context.Context, host string, port int, addrs []netip.Addr, guard *netguard.Guard, res *Result) ([]byte, error) {
	tr := &http.Transport{
		Proxy:       nil, // never through an environment proxy: we chose the address
		DialContext: dialAny(addrs, port, guard),
		TLSClientConfig: &tls.Config{
			RootCAs:    f.RootCAs,
			ServerName: host,
			MinVersion: tls.VersionTLS12,
		},
		DisableKeepAlives:      true,
		MaxResponseHeaderBytes: 32 << 10,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{
		Transport: tr,
		// RFC 8461 §3.3: senders MUST NOT follow redirects.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, policyURL(host, port), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConnect, err)
	}
	req.Header.Set("User-Agent", "codeprobe (MTA-STS policy check)")
	req.Close = true
	resp, err := client.Do(req)
	if err != nil {
		return nil, classify(err, res.PolicyURL)
	}
	defer resp.Body.Close()
	res.HTTPStatus = resp.StatusCode
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return nil, fmt.Errorf("%w: %s answered %s to %q", ErrRedirect, res.PolicyURL, resp.Status, resp.Header.Get("Location"))
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("%w: %s answered %s", ErrHTTPStatus, res.PolicyURL, resp.Status)
	}
	// RFC 8461 §3.3: senders SHOULD check that the media type is text/plain.
	ct := resp.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "text/plain" {
		return nil, fmt.Errorf("%w: Content-Type is %q", ErrContentType, ct)
	}
	if resp.ContentLength > MaxPolicySize {
		return nil, fmt.Errorf("%w: %d bytes announced, at most %d are read", ErrTooLarge, resp.ContentLength, MaxPolicySize)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxPolicySize+1))
	if err == nil && ctx.Err() != nil {
		// The deadline ended the body: what arrived is a fragment, even
		// when the cut looked like a clean end of the response.
		err = ctx.Err()
	}
	if err != nil {
		return nil, classify(err, res.PolicyURL)
	}
	if len(body) > MaxPolicySize {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, MaxPolicySize)
	}
	return body, nil
}

// dialAny returns a DialContext that ignores the address it is asked for and
// dials addrs in turn through guard, sharing what is left of the deadline
// among the addresses still to try.
func dialAny(addrs []netip.Addr, port int, guard *netguard.Guard) func(context.Context, string, string) (net.Conn, error) {
	return func(ctx context.Context, network, _ string) (net.Conn, error) {
		var errs []error
		for i, ip := range addrs {
			conn, err := dialOne(ctx, guard, network, netip.AddrPortFrom(ip, uint16(port)).String(), len(addrs)-i)
			if err == nil {
				return conn, nil
			}
			errs = append(errs, err)
			if ctx.Err() != nil {
				break
			}
		}
		return nil, errors.Join(errs...)
	}
}

// dialOne dials addr, giving it 1/left of the time remaining.
func dialOne(ctx context.Context, guard *netguard.Guard, network, addr string, left int) (net.Conn, error) {
	if dl, ok := ctx.Deadline(); ok && left > 1 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Until(dl)/time.Duration(left))
		defer cancel()
	}
	return guard.DialContext(ctx, network, addr)
}

// classify maps an HTTP client error to one of the package's sentinels.
func classify(err error, u string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var (
		cve      *tls.CertificateVerificationError
		hostErr  x509.HostnameError
		authErr  x509.UnknownAuthorityError
		validErr x509.CertificateInvalidError
		ne       net.Error
	)
	switch {
	case errors.As(err, &cve), errors.As(err, &hostErr), errors.As(err, &authErr), errors.As(err, &validErr):
		return fmt.Errorf("%w: %s: %v", ErrCertificate, u, err)
	case errors.Is(err, netguard.ErrForbidden):
		return fmt.Errorf("%w: %v", ErrPrivateAddress, err)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled), errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("%w: %s: %v", ErrTimeout, u, err)
	default:
		return fmt.Errorf("%w: %s: %v", ErrConnect, u, err)
	}
}
