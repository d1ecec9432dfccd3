package classify

import (
	"reflect"
	"testing"
)

// TestReason checks the rules alone; the model that names reasons where
// they say little is tested in model_test.go.
func TestReason(t *testing.T) {
	tests := []struct {
		name    string
		rcpt    Recipient
		command string
		context string
		want    string
	}{
		{"delivered action", Recipient{Action: "delivered", Status: "2.0.0"}, "", "", "delivered"},
		{"decisive X.1.1 beats wording", Recipient{Action: "failed", Status: "5.1.1", Diagnostic: "550 5.1.1 mailbox full"}, "", "", "userunknown"},
		{"decisive X.2.2", Recipient{Action: "failed", Status: "4.2.2", Diagnostic: "452 4.2.2 over quota"}, "", "", "mailboxfull"},
		{"RFC 7372 X.7.25", Recipient{Action: "failed", Status: "5.7.25"}, "", "", "requireptr"},
		{"wording of the diagnostic", Recipient{Action: "failed", Status: "5.0.0", Diagnostic: "550 Requested action not taken: mailbox unavailable"}, "", "", "userunknown"},
		{"wording in the report text", Recipient{Action: "failed", Status: "5.0.0"}, "", "host name lookup failure", "networkerror"},
		{"unknown user to the data is a filter", Recipient{Action: "failed", Status: "5.0.0", Diagnostic: "550 Unknown user"}, cmdData, "", "filtered"},
		{"at MAIL FROM a missing domain is the sender's", Recipient{Action: "failed", Status: "5.1.7", Diagnostic: "550 5.1.7 No such domain"}, cmdMail, "", "rejected"},
		{"at connection time the sending host is refused", Recipient{Action: "failed", Status: "5.0.0", Diagnostic: "550 Access denied"}, cmdConn, "", "blocked"},
		{"reverse DNS at connection time", Recipient{Action: "failed", Status: "5.7.1", Diagnostic: "554 5.7.1 Reverse DNS lookup failed"}, cmdConn, "", "requireptr"},
		{"other status code", Recipient{Action: "failed", Status: "5.4.4"}, "", "", "hostunknown"},
		{"reply code 551", Recipient{Action: "failed", Status: "5.0.0", Code: 551, Diagnostic: "551 please try elsewhere"}, "", "", "hasmoved"},
		{"local program", Recipient{Action: "failed", Status: "4.3.0", DiagnosticType: "x-unix", Diagnostic: "temporary failure"}, "", "", "mailererror"},
		{"delayed without detail", Recipient{Action: "delayed", Status: "4.0.0"}, "", "", "expired"},
		{"security class", Recipient{Action: "failed", Status: "5.7.0", Diagnostic: "550 5.7.0 nope"}, "", "", "securityerror"},
		{"unexplained", Recipient{Action: "failed", Status: "5.0.0", Diagnostic: "550 computer says no"}, "", "", "onhold"},
		{"host unknown on a transient failure is a lookup failure", Recipient{Action: "delayed", Status: "4.0.0", Diagnostic: "DNS type 'mx' lookup of example.jp responded with code NXDOMAIN Domain name not found: example.jp"}, "", "", "networkerror"},
		{"host unknown on a permanent failure", Recipient{Action: "failed", Status: "5.0.0", Diagnostic: "Domain name not found: example.jp"}, "", "", "hostunknown"},
		{"transient reply code without status", Recipient{Action: "delayed", Code: 451, Diagnostic: "451 host unknown"}, "", "", "networkerror"},
		{"lost connection at HELO is no refusal", Recipient{Action: "failed", Status: "4.4.2", Diagnostic: "connection went away while performing the HELO handshake"}, cmdHelo, "", "networkerror"},
		{"lost connection at MAIL is no refusal", Recipient{Action: "failed", Status: "4.4.2", Diagnostic: "connection went away"}, cmdMail, "", "networkerror"},
		{"refusal at HELO with a reply", Recipient{Action: "failed", Status: "5.0.0", Code: 554, Diagnostic: "554 go away"}, cmdHelo, "", "blocked"},
		{"security detail beats a weak word", Recipient{Action: "failed", Status: "5.7.1", Diagnostic: "550 5.7.1 <a@example.com>... Access denied"}, "", "", "securityerror"},
		{"X.7.0 leaves the weak word", Recipient{Action: "failed", Status: "5.7.0", Diagnostic: "550 5.7.0 Access denied"}, "", "", "rejected"},
		{"EHLO keywords are no failure wording", Recipient{Action: "failed", Status: "4.3.0", Diagnostic: "451 4.3.0 Error: nothing known"}, cmdData, withoutPositiveReplies(" Out: 250-STARTTLS\n Out: 250 CHUNKING\n In:  DATA\n Out: 451 4.3.0 Error: nothing known"), "onhold"},
		{"nothing at all", Recipient{Action: "failed", Status: "5.0.0"}, "", "", "undefined"},
		{"bare 552 is a full mailbox", Recipient{Action: "failed", Status: "5.0.0", Code: 552, Diagnostic: "552 Requested mail action aborted: exceeded storage allocation"}, cmdRcpt, "", "mailboxfull"},
		{"552 with a policy status is no full mailbox", Recipient{Action: "failed", Status: "5.7.0", Code: 552, Diagnostic: "552 5.7.0 Message refused"}, cmdData, "", "securityerror"},
		{"552 too many recipients is a session limit", Recipient{Action: "failed", Status: "5.0.0", Code: 552, Diagnostic: "552 Too many recipients"}, cmdRcpt, "", "toomanyconn"},
		{"451 is a local error in processing", Recipient{Action: "delayed", Status: "4.0.0", Code: 451, Diagnostic: "451 please come back later"}, cmdRcpt, "", "systemerror"},
		{"blocked at RCPT names the sending side", Recipient{Action: "failed", Status: "5.0.0", Code: 554, Diagnostic: "554 Message blocked"}, cmdRcpt, "", "blocked"},
		{"blocked after the data names the message", Recipient{Action: "failed", Status: "5.0.0", Code: 554, Diagnostic: "554 Message blocked"}, cmdData, "", "policyviolation"},
		{"a block list kept in LDAP is no system error", Recipient{Action: "failed", Status: "5.0.0", Code: 550, Diagnostic: "550 192.0.2.1 blocked by ldap:ou=lists,dc=example,dc=net"}, cmdRcpt, "", "blocked"},
		{"an LDAP server out of reach is", Recipient{Action: "delayed", Status: "4.4.3", Diagnostic: "Unable to contact LDAP server. (#4.4.3)"}, "", "", "systemerror"},
	}
	rules := newClassifier(nil, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := recipientFacts{rcpt: tt.rcpt, command: tt.command, context: tt.context}
			got, why, _ := rules.reason(&f)
			if got != tt.want {
				t.Errorf("reason %q (%s), want %q", got, why, tt.want)
			}
		})
	}
}

func TestReplyCode(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"550 5.1.1 <a@example.com>... User unknown", 550},
		{"host mx.example.org [192.0.2.25]: 452 4.2.2 full", 452},
		{"SMTP error after MAIL FROM:<a@example.com> SIZE=222:", 0},
		{"connect to 203.0.113.9:25: timed out", 0},
		{"Remote host said: 421 4.7.0 [TSS04] deferred", 421},
		{"ERROR_CODE :550, ERROR_CODE :5.2.1", 550},
	}
	for _, tt := range tests {
		if got := replyCode(tt.in); got != tt.want {
			t.Errorf("replyCode(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestEnhancedCodes(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"550 5.1.1 user unknown", []string{"5.1.1"}},
		{"5.1.0 - Unknown address error 550-'5.2.2 <a@b.example>... Mailbox Full'", []string{"5.1.0", "5.2.2"}},
		{"from 10.2.5.4 and version 8.14.4 and 4.16.55.1", nil},
		{"(#5.1.2)", []string{"5.1.2"}},
	}
	for _, tt := range tests {
		if got := enhancedCodes(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("enhancedCodes(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := remoteStatus("554 4.4.7 Message expired <421 4.4.2 Connection timed out>"); got != "4.4.2" {
		t.Errorf("remoteStatus picked %q, want the quoted remote 4.4.2", got)
	}
}

func TestSMTPCommand(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"said: 550 5.1.1 User unknown (in reply to RCPT TO command)", cmdRcpt},
		{"SMTP error from remote mail server after end of data:", cmdData},
		{"Connected to 192.0.2.1 but sender was rejected.", cmdMail},
		{"... while talking to mx.example.org.:\n>>> DATA\n<<< 554 5.7.1 spam\n", cmdData},
		{"... while talking to mx.example.org.:\n>>> DATA\n<<< 550 5.1.1 <a@b.example>... User unknown\n<<< 503 5.0.0 Need RCPT (recipient)\n", cmdRcpt},
		{"host mx.example.org refused to talk to me: 421 busy", cmdConn},
		{"nothing said about commands", ""},
	}
	for _, tt := range tests {
		if got := smtpCommand(tt.in); got != tt.want {
			t.Errorf("smtpCommand(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestReplyText(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"<a@b.example>: host mx said: 550-5.1.1 first\n    550 5.1.1 second (in reply to RCPT TO command)\n\nnext",
			"550-5.1.1 first 550 5.1.1 second (in reply to RCPT TO command)"},
		{">>> DATA\n<<< 552-5.7.0 blocked\n<<< 552 5.7.0 for policy\n554 5.0.0 Service unavailable\n", "552-5.7.0 blocked 552 5.7.0 for policy"},
		{" Out: 250 2.1.5 Ok\n In:  DATA\n Out: 451 4.3.0 Error: queue file write error\n In:  QUIT\n", "451 4.3.0 Error: queue file write error"},
		{"no reply here", ""},
	}
	for _, tt := range tests {
		if got := replyText(tt.in); got != tt.want {
			t.Errorf("replyText(%q)\n = %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

// TestReasonWordings checks MTAs' and providers' standard wordings of a
// failure, each under a status code that does not decide the reason.
func TestReasonWordings(t *testing.T) {
	tests := []struct {
		who, diag, want string
	}{
		{"Gmail 5.7.1", "550-5.7.1 This message does not have authentication information or fails to pass authentication checks.", "authfailure"},
		{"Microsoft 365 5.7.515", "550 5.7.515 Access denied, sending domain example.com doesn't meet the required authentication level.", "authfailure"},
		{"Exim hosts_require_tls", "a TLS session is required, but the server did not offer TLS support", "failedstarttls"},
		{"Postfix TLS verify", "Server certificate not verified", "failedstarttls"},
		{"RFC 5321 too many recipients", "452 4.5.3 Too many recipients", "toomanyconn"},
		{"Exchange 4.3.2", "432 4.3.2 The maximum number of concurrent server connections has exceeded a limit, closing transmission channel", "toomanyconn"},
		{"full mailbox", "550 Mailbox has no free space", "mailboxfull"},
		{"qmail rcpthosts", "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)", "norelaying"},
		{"Exim dnslookup router", "all relevant MX records point to non-existent hosts", "hostunknown"},
		{"Exim local deferral", "Temporary local problem - please try later", "systemerror"},
		{"Postfix table lookup", "451 4.3.0 <a@example.com>: Temporary lookup failure", "systemerror"},
		{"Exchange 5.4.312", "550 5.4.312 DNS query failed", "networkerror"},
		{"Sendmail queue return", "Cannot send message for 5 days", "expired"},
		{"Sendmail configuration", "554 Local configuration error", "systemerror"},
		{"Postfix message rate limit", "421 4.7.0 mx.example.org Error: too much mail from 192.0.2.1", "speeding"},
		{"Microsoft 365 5.7.708", "550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP.", "blocked"},
		{"unreachable host", "connect to mx.example.org[192.0.2.2]:25: No route to host", "networkerror"},
		{"OpenSMTPD loop", "Loop detected", "networkerror"},
		{"Exim retry rules", "retry time not reached for any host after a long failure period", "expired"},
	}
	rules := newClassifier(nil, nil)
	for _, tt := range tests {
		t.Run(tt.who, func(t *testing.T) {
			f := recipientFacts{rcpt: Recipient{Action: "failed", Status: "5.0.0", Diagnostic: tt.diag}, command: cmdRcpt}
			if got, why, _ := rules.reason(&f); got != tt.want {
				t.Errorf("%q: reason %q (%s), want %q", tt.diag, got, why, tt.want)
			}
		})
	}
}
