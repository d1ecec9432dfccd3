package rules

// Finding IDs. Code names a finding by these constants, never by a string
// literal; every constant has a rule (a test checks), and none is ever
// renamed once released. Those that DESIGN.md lists are part of the
// external contract.

// Address findings: the address as typed.
const (
	AddressSyntax     = "address.syntax"
	AddressTypo       = "address.typo"
	AddressDisposable = "address.disposable"
	AddressRole       = "address.role"
	AddressFreemail   = "address.freemail"
	AddressSMTPUTF8   = "address.smtputf8"
	AddressIDN        = "address.idn"
	AddressIPLiteral  = "address.ip-literal"
)

// Domain findings: whether the domain exists on the Internet.
const (
	DomainNXDomain = "domain.nxdomain"
)

// MX findings: where the domain's mail goes.
const (
	MXNone           = "mx.none"
	MXNull           = "mx.null"
	MXImplicit       = "mx.implicit"
	MXUnresolvable   = "mx.unresolvable"
	MXPrivateAddress = "mx.private-address"
	MXCNAME          = "mx.cname"
	MXIPLiteral      = "mx.ip-literal"
	MXProvider       = "mx.provider"
	MXOK             = "mx.ok"
)

// DNS and DNSSEC findings.
const (
	DNSTimeout     = "dns.timeout"
	DNSError       = "dns.error"
	DNSServFail    = "dns.servfail"
	DNSSECSecure   = "dnssec.secure"
	DNSSECInsecure = "dnssec.insecure"
)

// SMTP findings: what the domain's mail servers answered.
const (
	SMTPUnreachable   = "smtp.unreachable"
	SMTPRejected      = "smtp.rejected"
	SMTPGreylisted    = "smtp.greylisted"
	SMTPNoSTARTTLS    = "smtp.no-starttls"
	SMTPTLSInvalid    = "smtp.tls-invalid"
	SMTPTempFail      = "smtp.tempfail"
	SMTPProtocolError = "smtp.protocol-error"
	SMTPOK            = "smtp.ok"
	SMTPCatchAll      = "smtp.catch-all"
	SMTPRecipientOK   = "smtp.recipient-ok"
)

// SPF findings about our sending domain (RFC 7208).
const (
	SPFOK             = "spf.ok"
	SPFNone           = "spf.none"
	SPFMultiple       = "spf.multiple"
	SPFSyntax         = "spf.syntax"
	SPFTooManyLookups = "spf.too-many-lookups"
	SPFVoidLookups    = "spf.void-lookups"
	SPFPermissive     = "spf.permissive"
	SPFPTR            = "spf.ptr"
	SPFBrokenInclude  = "spf.broken-include"
	SPFTempError      = "spf.temperror"
)

// DMARC findings about our sending domain (RFC 7489).
const (
	DMARCOK              = "dmarc.ok"
	DMARCNone            = "dmarc.none"
	DMARCInvalid         = "dmarc.invalid"
	DMARCMultiple        = "dmarc.multiple"
	DMARCPolicyNone      = "dmarc.policy-none"
	DMARCPct             = "dmarc.pct"
	DMARCNoRUA           = "dmarc.no-rua"
	DMARCRUAUnauthorised = "dmarc.rua-unauthorised"
	DMARCInherited       = "dmarc.inherited"
	DMARCTempError       = "dmarc.temperror"
)

// DKIM findings about our sending domain's keys (RFC 6376, RFC 8301).
const (
	DKIMOK        = "dkim.ok"
	DKIMNone      = "dkim.none"
	DKIMWeak      = "dkim.weak"
	DKIMInsecure  = "dkim.insecure"
	DKIMRevoked   = "dkim.revoked"
	DKIMInvalid   = "dkim.invalid"
	DKIMTesting   = "dkim.testing"
	DKIMTempError = "dkim.temperror"
)

// MTA-STS findings about the recipient domain (RFC 8461).
const (
	MTASTSNone           = "mtasts.none"
	MTASTSEnforce        = "mtasts.enforce"
	MTASTSTesting        = "mtasts.testing"
	MTASTSInvalid        = "mtasts.invalid"
	MTASTSFetchFailed    = "mtasts.fetch-failed"
	MTASTSMXMismatch     = "mtasts.mx-mismatch"
	MTASTSPrivateAddress = "mtasts.private-address"
	MTASTSTempError      = "mtasts.temperror"
)

// TLS-RPT findings about the recipient domain (RFC 8460).
const (
	TLSRPTOK      = "tlsrpt.ok"
	TLSRPTNone    = "tlsrpt.none"
	TLSRPTInvalid = "tlsrpt.invalid"
)

// DANE findings about the recipient's MX hosts (RFC 7672).
const (
	DANEPresent   = "dane.present"
	DANENone      = "dane.none"
	DANEInsecure  = "dane.insecure"
	DANEUnusable  = "dane.unusable"
	DANEMismatch  = "dane.mismatch"
	DANETempError = "dane.temperror"
)

// Where our test codes land at the address's provider, from seed runs.
const (
	PlacementInbox   = "placement.inbox"
	PlacementJunk    = "placement.junk"
	PlacementDelayed = "placement.delayed"
	PlacementMissing = "placement.missing"
)

// Test sends and what comes back to their return path.
const (
	SendAccepted    = "send.accepted"
	SendDeferred    = "send.deferred"
	SendRejected    = "send.rejected"
	SendError       = "send.error"
	ReturnBounce    = "return.bounce"
	ReturnChallenge = "return.challenge"
	ReturnAutoreply = "return.autoreply"
	ReturnFeedback  = "return.feedback"
	ReturnReply     = "return.reply"
)

// What a code the user typed turned out to be (testcode's verdicts), in
// the wizard or the agent console.
const (
	CodeOK              = "code.ok"
	CodeEarlier         = "code.earlier"
	CodeExpired         = "code.expired"
	CodeNearMiss        = "code.near-miss"
	CodeOtherSession    = "code.other-session"
	CodeUnknown         = "code.unknown"
	CodeTooManyAttempts = "code.too-many-attempts"
)

// The authenticator-app test: the code the user's app showed for a
// throwaway enrolment, against the server's clock (RFC 6238).
const (
	AuthAppOK       = "authapp.ok"
	AuthAppSkew     = "authapp.skew"
	AuthAppTimezone = "authapp.timezone"
	AuthAppWrong    = "authapp.wrong"
)

// The phone number codes are texted to.
const (
	PhoneInvalid  = "phone.invalid"
	PhoneVOIP     = "phone.voip"
	PhoneLandline = "phone.landline"
	PhoneMobile   = "phone.mobile"
	PhoneUnknown  = "phone.unknown-type"
)
