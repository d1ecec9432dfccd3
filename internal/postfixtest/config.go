package postfixtest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// masterCF lists the services the instance needs, none chrooted (the
// chroot column is n: a chroot would need copies of /etc files in the
// queue directory). %d is the SMTP port.
const masterCF = `127.0.0.1:%d inet n - n - - smtpd
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
` + MasterServices

// MasterServices are the master.cf services every private Postfix of the
// tests needs besides its smtpd listener (internal/mailpath uses them
// too), none chrooted: the chroot column is n, since a chroot would need
// copies of /etc files in the queue directory.
const MasterServices = `pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
`

// mainCF is the instance's main.cf. Everything Postfix would route by
// itself goes to the error transport, so nothing leaves the machine; DNS
// is never used; queue runs are frequent so that DSNs go out at once.
// smtpd_reject_unlisted_recipient is off so that smtpd accepts addresses
// routed to the error transport (it would refuse them at RCPT with the
// transport's text) and unlisted ones, which are then bounced with a DSN.
const mainCF = `compatibility_level = 3.6
queue_directory = {{dir}}/queue
data_directory = {{dir}}/data
maillog_file_prefixes = {{dir}}
maillog_file = {{dir}}/maillog
myhostname = {{hostname}}
mydomain = {{hostname}}
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
transport_maps = texthash:{{dir}}/transport
virtual_mailbox_domains = {{domains}}
virtual_mailbox_maps = texthash:{{dir}}/mailboxes
virtual_mailbox_base = {{dir}}/mail
virtual_transport = virtual
virtual_uid_maps = static:{{uid}}
virtual_gid_maps = static:{{uid}}
virtual_minimum_uid = 100
smtpd_reject_unlisted_recipient = no
smtpd_recipient_restrictions = check_recipient_access texthash:{{dir}}/access, permit_mynetworks, reject_unauth_destination
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
bounce_queue_lifetime = 1m
maximal_queue_lifetime = 1m
delay_warning_time = 0
smtp_connect_timeout = 5s
`

// writeConfig writes main.cf, master.cf and the maps, and makes the
// directories with the owners Postfix's daemons and virtual(8) need.
func (in *Instance) writeConfig(cfg Config) error {
	if cfg.Hostname == "" {
		cfg.Hostname = "mx.rcpt.test"
	}
	puid, pgid, err := LookupIDs("postfix")
	if err != nil {
		return fmt.Errorf("the postfix user: %w", err)
	}
	// Postfix's unprivileged daemons and the mail user walk this path.
	if err := os.Chmod(in.Dir, 0o755); err != nil {
		return err
	}
	for _, d := range []string{"queue", "data", "mail"} {
		if err := os.Mkdir(filepath.Join(in.Dir, d), 0o755); err != nil {
			return err
		}
	}
	if err := os.Chown(filepath.Join(in.Dir, "data"), puid, pgid); err != nil {
		return err
	}
	if err := os.Chown(filepath.Join(in.Dir, "mail"), MailUID, MailUID); err != nil {
		return err
	}
	boxes := make(map[string]string, len(cfg.Mailboxes))
	for _, m := range cfg.Mailboxes {
		boxes[m] = m + "/" // the trailing slash asks virtual(8) for a Maildir
	}
	main := strings.NewReplacer(
		"{{dir}}", in.Dir,
		"{{hostname}}", cfg.Hostname,
		"{{domains}}", strings.Join(cfg.Domains, ", "),
		"{{uid}}", fmt.Sprint(MailUID),
	).Replace(mainCF)
	files := map[string]string{
		"main.cf":   main,
		"master.cf": fmt.Sprintf(masterCF, in.Port),
		"transport": mapText(cfg.Transports),
		"mailboxes": mapText(boxes),
		"access":    mapText(cfg.RecipientAccess),
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(in.Dir, name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}
