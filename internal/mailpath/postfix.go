package mailpath

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/codeprobe/codeprobe/internal/postfixtest"
)

// masterCF is the instance's master.cf: the services of every test
// Postfix (postfixtest.MasterServices, none chrooted), and the smtpd
// listener moved to 127.0.0.1:{{smtpport}}. {{filter}} and {{spam}}
// add the content filter, or nothing when it is off; {{milters}} adds the
// authentication milters (see authMilters), or nothing.
const masterCF = "127.0.0.1:{{smtpport}} inet n - n - - smtpd{{filter}}{{milters}}\n" +
	postfixtest.MasterServices + "{{spam}}"

// spamFilter is FILTER_README's "advanced content filter" with spamc as
// the filter. Only the public smtpd sets content_filter; the pipe runs
// spamc as nobody, which passes the message through spamd and execs
// reinjectPL with the result, which hands it over SMTP to the return
// listener on 127.0.0.1:{{reinjectport}}. That listener clears
// content_filter, so a message passes spamd once, and skips the checks
// already made on the way in. flags=q quotes the addresses as RFC 5321
// requires; spamc -x turns a spamd failure into a deferral (exit 75)
// instead of passing the message on unfiltered, and -t bounds the wait.
const spamFilter = `spamassassin unix -     n       n       -       -       pipe
  flags=q user=nobody argv={{spamc}} -d 127.0.0.1 -p {{spamdport}} -x -t 60 -e {{perl}} {{dir}}/etc/reinject.pl 127.0.0.1 {{reinjectport}} ${sender} ${recipient}
127.0.0.1:{{reinjectport}} inet n - n - - smtpd
  -o content_filter=
  -o receive_override_options=no_unknown_recipient_checks,no_header_body_checks,no_milters
  -o smtpd_recipient_restrictions=permit_mynetworks,reject
  -o mynetworks=127.0.0.0/8
`

// mainCF is the instance's main.cf. Mail for the domain's listed users
// goes by LMTP to Dovecot; every other route ends in the error transport,
// so nothing leaves the machine; DNS is never used (this machine's
// resolver is not on loopback); queue runs are frequent so that a message
// deferred while Dovecot or spamd starts is retried at once.
const mainCF = `compatibility_level = 3.6
queue_directory = {{dir}}/queue
data_directory = {{dir}}/data
maillog_file_prefixes = {{dir}}
maillog_file = {{dir}}/maillog
myhostname = mx.{{domain}}
mydomain = {{domain}}
myorigin = $myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_banner = $myhostname ESMTP
biff = no
alias_maps =
alias_database =
smtp_dns_support_level = disabled
lmtp_dns_support_level = disabled
smtpd_peername_lookup = no
default_transport = error:5.7.1 this test instance sends nothing off the machine
relay_transport = error:5.7.1 this test instance relays nothing
local_transport = error:5.7.1 no local delivery
relay_domains =
virtual_mailbox_domains = {{domain}}
virtual_mailbox_maps = texthash:{{dir}}/etc/mailboxes
virtual_transport = lmtp:inet:127.0.0.1:{{lmtpport}}
smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
bounce_queue_lifetime = 1m
maximal_queue_lifetime = 1m
delay_warning_time = 0
lmtp_connect_timeout = 5s
`

// postfix is a running Postfix instance.
type postfix struct {
	dir  string // etc (the configuration directory), queue, data, maillog
	bin  string
	addr string // the public smtpd listener
	// reinject is the content filter's return listener, "" without one.
	reinject string
}

// startPostfix writes main.cf and master.cf, starts Postfix and returns
// once its smtpd listeners accept connections. ports.spamd 0 leaves out
// the content filter and its return listener.
func startPostfix(bins binaries, dir, domain string, users []User, ports portSet) (*postfix, error) {
	p := &postfix{dir: dir, bin: bins.postfix, addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(ports.smtp))}
	if ports.spamd != 0 {
		p.reinject = net.JoinHostPort("127.0.0.1", strconv.Itoa(ports.reinject))
	}
	if err := p.writeConfig(bins, domain, users, ports); err != nil {
		return nil, fmt.Errorf("postfix config: %w", err)
	}
	// start creates the queue directories with their owners
	// (set-permissions would too, in 6 s rather than 2).
	if err := p.run("start"); err != nil {
		// check prints the reason, which start sent only to syslog.
		return p, errors.Join(err, p.run("check"), errors.New(p.log()))
	}
	running := func() bool { return alive(p.pid()) }
	for _, addr := range []string{p.addr, p.reinject} {
		if addr == "" {
			continue
		}
		if err := waitListening(addr, listenTimeout, running); err != nil {
			return p, fmt.Errorf("postfix: %w\n%s", err, p.log())
		}
	}
	return p, nil
}

// writeConfig writes the configuration files and makes the directories
// with the owners Postfix's daemons need.
func (p *postfix) writeConfig(bins binaries, domain string, users []User, ports portSet) error {
	puid, pgid, err := postfixtest.LookupIDs("postfix")
	if err != nil {
		return fmt.Errorf("the postfix user: %w", err)
	}
	for _, d := range []string{"etc", "queue", "data"} {
		if err := os.MkdirAll(filepath.Join(p.dir, d), 0o755); err != nil {
			return err
		}
	}
	if err := os.Chown(filepath.Join(p.dir, "data"), puid, pgid); err != nil {
		return err
	}
	var boxes strings.Builder
	for _, u := range users {
		fmt.Fprintf(&boxes, "%s %s\n", u.Address, u.Address)
	}
	filter, spam, milters := "", "", ""
	if ports.spamd != 0 {
		filter, spam = "\n  -o content_filter=spamassassin:", spamFilter
	}
	if ports.opendkim != 0 {
		milters = authMilters(ports)
	}
	// Two passes: spamFilter's own {{…}} fields are in the first's output.
	master := strings.NewReplacer("{{filter}}", filter, "{{spam}}", spam, "{{milters}}", milters).Replace(masterCF)
	r := strings.NewReplacer(
		"{{dir}}", p.dir,
		"{{domain}}", domain,
		"{{smtpport}}", strconv.Itoa(ports.smtp),
		"{{lmtpport}}", strconv.Itoa(ports.lmtp),
		"{{spamdport}}", strconv.Itoa(ports.spamd),
		"{{reinjectport}}", strconv.Itoa(ports.reinject),
		"{{spamc}}", bins.spamc,
		"{{perl}}", bins.perl,
	)
	return writeFiles(filepath.Join(p.dir, "etc"), map[string]string{
		"main.cf":     r.Replace(mainCF),
		"master.cf":   r.Replace(master),
		"mailboxes":   boxes.String(),
		"reinject.pl": reinjectPL,
	})
}

// authMilters are the public smtpd's options for OpenDKIM and OpenDMARC,
// in that order: Postfix shows each milter the headers the earlier ones
// added, so OpenDMARC reads OpenDKIM's dkim= result. A milter that fails
// makes smtpd answer 451 (tempfail), so a broken milter cannot let mail
// through unchecked. The return listener skips milters (no_milters).
// Clients on loopback may claim another address with XCLIENT, which the
// milters then see (see [AuthOptions.ClientIP]).
func authMilters(ports portSet) string {
	ms := "inet:127.0.0.1:" + strconv.Itoa(ports.opendkim)
	if ports.opendmarc != 0 {
		ms += ",inet:127.0.0.1:" + strconv.Itoa(ports.opendmarc)
	}
	return "\n  -o smtpd_milters=" + ms + "\n  -o milter_default_action=tempfail" +
		"\n  -o smtpd_authorized_xclient_hosts=127.0.0.0/8"
}

// run runs `postfix -c DIR/etc args…`. Without a terminal Postfix reports
// errors only to syslog (absent here), so a failure is run again under
// script(1) to capture them, except for start, which must not run twice.
func (p *postfix) run(args ...string) error {
	full := append([]string{"-c", filepath.Join(p.dir, "etc")}, args...)
	_, err := runCommand(p.bin, full...)
	if err == nil || args[0] == "start" {
		return err
	}
	if script, lerr := exec.LookPath("script"); lerr == nil {
		more, _ := runCommand(script, "-qec", p.bin+" "+strings.Join(full, " "), "/dev/null")
		return fmt.Errorf("%w\n%s", err, more)
	}
	return err
}

// pid returns the master's PID from its pid file, or 0.
func (p *postfix) pid() int { return readPID(filepath.Join(p.dir, "queue", "pid", "master.pid")) }

// stop runs `postfix stop`, waits for the master to exit (killing it after
// exitTimeout: a master left running would keep the port) and for the
// smtpd ports to close.
func (p *postfix) stop() error {
	if p == nil {
		return nil
	}
	pid := p.pid()
	if pid == 0 || !alive(pid) {
		return nil // never started, or already stopped
	}
	var errs []error
	if err := p.run("stop"); err != nil {
		errs = append(errs, err)
	}
	if waitExit(pid, exitTimeout) {
		errs = append(errs, fmt.Errorf("%w: postfix master %d outlived postfix stop by %v and was killed", ErrNotStopped, pid, exitTimeout))
	}
	for _, addr := range []string{p.addr, p.reinject} {
		if addr == "" {
			continue
		}
		if err := waitClosed(addr, exitTimeout); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// log returns the tail of the mail log.
func (p *postfix) log() string { return logTail(filepath.Join(p.dir, "maillog")) }

// reinjectPL re-injects the message on its standard input into Postfix
// over SMTP (RFC 5321), at the return listener of FILTER_README's
// "advanced content filter": the last step of the spamassassin pipe,
// which spamc execs with the filtered message.
//
// Debian's recipe ends the pipe in sendmail(1) instead, but that cannot
// reach a private instance: run by any user but root, `sendmail -C DIR`
// fails with "unauthorized configuration directory name" unless
// /etc/postfix/main.cf lists DIR in alternate_config_directories, and
// pipe(8) runs nothing as root. SMTP re-injection needs nothing outside the
// temporary directory. Perl and Net::SMTP come with SpamAssassin, so the
// path needs no other program.
//
// Arguments: HOST PORT SENDER RECIPIENT... (pipe(8) passes an empty SENDER
// for the null reverse-path). Exit status follows sysexits(3), which pipe
// maps to Postfix's delivery status: 75 (EX_TEMPFAIL) defers the message,
// 69 (EX_UNAVAILABLE) bounces it with the server's text.
const reinjectPL = `use strict;
use warnings;
use Net::SMTP;

my ($host, $port, $sender, @rcpts) = @ARGV;
die "usage: reinject HOST PORT SENDER RECIPIENT...\n" unless @rcpts;
my $smtp = Net::SMTP->new($host, Port => $port, Hello => 'filter.mailpath.test', Timeout => 30);
unless ($smtp) {
    print STDERR "reinject: connect $host:$port: $@\n";
    exit 75;
}

sub fail {
    my ($step) = @_;
    my $code = $smtp->code() || '';
    my $text = join(' ', $smtp->message());
    $text =~ s/\s+/ /g;
    print STDERR "reinject: $step: $code $text\n";
    exit($code =~ /^5/ ? 69 : 75);
}

$smtp->mail($sender) or fail('MAIL FROM');
for my $rcpt (@rcpts) {
    $smtp->to($rcpt) or fail("RCPT TO $rcpt");
}
$smtp->data() or fail('DATA');
while (my $line = <STDIN>) {
    $smtp->datasend($line) or fail('DATA');
}
$smtp->dataend() or fail('end of DATA');
$smtp->quit();
exit 0;
`
