package classify

import (
	"reflect"
	"testing"
)

func TestParseDeliveryStatus(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []dsnRecipient
	}{{
		name: "RFC 3464 per-message and per-recipient groups",
		in: "Reporting-MTA: dns; mx.example.org\nArrival-Date: Tue, 14 May 2024 09:12:45 +0000\n\n" +
			"Final-Recipient: rfc822; ann@example.net\nAction: failed\nStatus: 5.1.1\n" +
			"Remote-MTA: dns; mx1.example.net\nDiagnostic-Code: smtp; 550 5.1.1 <ann@example.net>:\n    User unknown\n\n" +
			"Original-Recipient: rfc822;bo@example.net\nFinal-Recipient: rfc822;bo@example.net\nAction: delayed\nStatus: 4.4.1\n",
		want: []dsnRecipient{
			{FinalRecipient: "ann@example.net", Action: "failed", Status: "5.1.1", RemoteMTA: "mx1.example.net",
				DiagnosticType: "smtp", Diagnostic: "550 5.1.1 <ann@example.net>: User unknown"},
			{FinalRecipient: "bo@example.net", OriginalRecipient: "bo@example.net", Action: "delayed", Status: "4.4.1"},
		},
	}, {
		name: "groups without empty lines, odd case, status comment",
		in: "final-recipient: RFC822; <cy@example.org>\nACTION: Failed\nStatus: 4.0.0 (example.org: host name lookup failure)\n" +
			"Final-Recipient: rfc822;dee@example.org\nAction: failed\nStatus: 5.0.0 (permanent failure)\n",
		want: []dsnRecipient{
			{FinalRecipient: "cy@example.org", Action: "failed", Status: "4.0.0", StatusComment: "example.org: host name lookup failure"},
			{FinalRecipient: "dee@example.org", Action: "failed", Status: "5.0.0"},
		},
	}, {
		name: "untyped diagnostic, pipe recipient with an address inside",
		in: "Final-Recipient: rfc822;|/usr/bin/procmail eve@example.com\nAction: failed\nStatus: 5.0.0\n" +
			"Diagnostic-Code: The email account that you tried to reach does not exist.\n",
		want: []dsnRecipient{
			{FinalRecipient: "|/usr/bin/procmail eve@example.com", Action: "failed", Status: "5.0.0",
				Diagnostic: "The email account that you tried to reach does not exist."},
		},
	}, {
		name: "groups without any address are dropped",
		in:   "Reporting-MTA: dns; x\n\nAction: failed\nStatus: 5.0.0\n\nnot a field at all\n",
		want: nil,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseDeliveryStatus(tt.in).Recipients
			if len(got) == 0 && len(tt.want) == 0 {
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestDSNRecipientAddress(t *testing.T) {
	tests := []struct {
		r    dsnRecipient
		want string
	}{
		{dsnRecipient{FinalRecipient: "Ann@Example.NET"}, "ann@example.net"},
		{dsnRecipient{FinalRecipient: "|/bin/cat x@example.com", OriginalRecipient: "orig@example.com"}, "orig@example.com"},
		{dsnRecipient{FinalRecipient: "/var/mail/spool/x", ActualRecipient: "act@example.com"}, "act@example.com"},
		{dsnRecipient{FinalRecipient: "|/bin/cat x@example.com"}, "x@example.com"},
		{dsnRecipient{FinalRecipient: "nobody"}, ""},
	}
	for _, tt := range tests {
		if got := tt.r.address(); got != tt.want {
			t.Errorf("%+v: address %q, want %q", tt.r, got, tt.want)
		}
	}
}

func TestInlineDeliveryStatus(t *testing.T) {
	text := "Forwarded report:\n> Reporting-MTA: dns; mx.example.jp\n>\n> Final-Recipient: RFC822; kim@example.com\n" +
		"> Action: failed\n> Status: 5.1.1\n> Diagnostic-Code: SMTP; 550 5.1.1 <kim@example.com>... User unknown\n"
	got := inlineDeliveryStatus(text).Recipients
	if len(got) != 1 || got[0].address() != "kim@example.com" || got[0].Status != "5.1.1" {
		t.Fatalf("got %+v", got)
	}
	if n := len(inlineDeliveryStatus("Final-Recipient: rfc822; a@example.com\n").Recipients); n != 0 {
		t.Errorf("a lone Final-Recipient without action or status gave %d recipients", n)
	}
}
