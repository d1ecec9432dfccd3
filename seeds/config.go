package seeds

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/codeprobe/codeprobe/diagnose/address"
	"github.com/codeprobe/codeprobe/imapprobe"
	"github.com/codeprobe/codeprobe/rules"
)

// ErrConfig is returned for a seed list that cannot be used.
var ErrConfig = errors.New("seeds: invalid seed list")

// DefaultDeadline is how long a run waits for each test message, and
// DefaultLateAfter the latency past which a code counts as late: sign-in
// pages commonly let a user ask for a new code after a minute or two.
const (
	DefaultDeadline  = 5 * time.Minute
	DefaultLateAfter = 2 * time.Minute
)

// List is a seed list: the seed mailboxes and how to run them.
type List struct {
	Seeds []imapprobe.Account
	// Deadline is how long a run waits for the message in each seed.
	Deadline time.Duration
	// LateAfter is the latency past which a delivered code counts as
	// late (placement.delayed).
	LateAfter time.Duration
	// AlertBelow and AlertRuns configure the alert: it fires when a
	// provider's inbox rate over its last AlertRuns runs falls below
	// AlertBelow (0 to 1); AlertWebhook is where it is POSTed.
	AlertBelow   float64
	AlertRuns    int
	AlertWebhook string
}

// fileSeed is one seed as written in the file. Passwords are never in the
// file: password_env names an environment variable, password_file a
// file (relative to the list's folder) holding it.
type fileSeed struct {
	Name         string `yaml:"name"`
	Provider     string `yaml:"provider"`
	Address      string `yaml:"address"`
	Host         string `yaml:"host"`
	Port         int    `yaml:"port"`
	TLS          string `yaml:"tls"`
	Username     string `yaml:"username"`
	Auth         string `yaml:"auth"`
	PasswordEnv  string `yaml:"password_env"`
	PasswordFile string `yaml:"password_file"`
	AfterRead    string `yaml:"after_read"`
	MoveTo       string `yaml:"move_to"`
}

type fileList struct {
	Deadline  string     `yaml:"deadline"`
	LateAfter string     `yaml:"late_after"`
	Seeds     []fileSeed `yaml:"seeds"`
	Alert     struct {
		InboxRateBelow float64 `yaml:"inbox_rate_below"`
		Runs           int     `yaml:"runs"`
		Webhook        string  `yaml:"webhook"`
	} `yaml:"alert"`
}

// Load reads a seed list from a YAML file; getenv resolves password_env
// (os.Getenv in production).
func Load(path string, getenv func(string) string) (*List, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return Parse(data, filepath.Dir(path), getenv)
}

// Parse reads a seed list; dir is where relative password files are.
// Every problem is reported, not just the first; a list holding a
// password itself is refused.
func Parse(data []byte, dir string, getenv func(string) string) (*List, error) {
	var fl fileList
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&fl); err != nil {
		if strings.Contains(err.Error(), "field password not found") {
			return nil, fmt.Errorf("%w: passwords never go in the seed list: use password_env or password_file", ErrConfig)
		}
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	l := &List{Deadline: DefaultDeadline, LateAfter: DefaultLateAfter, AlertBelow: fl.Alert.InboxRateBelow, AlertRuns: fl.Alert.Runs,
		AlertWebhook: fl.Alert.Webhook}
	var errs []error
	for _, d := range []struct {
		name, text string
		to         *time.Duration
	}{{"deadline", fl.Deadline, &l.Deadline}, {"late_after", fl.LateAfter, &l.LateAfter}} {
		if d.text == "" {
			continue
		}
		v, err := time.ParseDuration(d.text)
		if err != nil || v <= 0 {
			errs = append(errs, fmt.Errorf("%w: %s %q is not a positive duration", ErrConfig, d.name, d.text))
		}
		*d.to = v
	}
	if l.AlertBelow < 0 || l.AlertBelow > 1 {
		errs = append(errs, fmt.Errorf("%w: alert.inbox_rate_below %v is not between 0 and 1", ErrConfig, l.AlertBelow))
	}
	if l.AlertRuns == 0 {
		l.AlertRuns = 4
	}
	seen := map[string]bool{}
	for i, fs := range fl.Seeds {
		a, err := fs.account(dir, getenv)
		if err != nil {
			errs = append(errs, fmt.Errorf("seed %d (%s): %w", i+1, fs.Name, err))
			continue
		}
		if seen[a.Name] {
			errs = append(errs, fmt.Errorf("%w: seed name %q used twice", ErrConfig, a.Name))
		}
		seen[a.Name] = true
		l.Seeds = append(l.Seeds, a)
	}
	if len(fl.Seeds) == 0 {
		errs = append(errs, fmt.Errorf("%w: no seeds", ErrConfig))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return l, nil
}

// account turns one file entry into an account, reading its password.
func (fs fileSeed) account(dir string, getenv func(string) string) (imapprobe.Account, error) {
	mode, err := imapprobe.ParseTLSMode(fs.TLS)
	if err != nil {
		return imapprobe.Account{}, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	a := imapprobe.Account{Name: fs.Name, Provider: fs.Provider, Address: fs.Address, Host: fs.Host, Port: fs.Port,
		TLS: mode, Username: fs.Username, Auth: imapprobe.AuthMethod(strings.ToLower(fs.Auth)),
		AfterRead: imapprobe.AfterRead(strings.ToLower(fs.AfterRead)), MoveTo: fs.MoveTo}
	if a.Name == "" {
		return a, fmt.Errorf("%w: no name", ErrConfig)
	}
	if _, err := address.Parse(a.Address); err != nil {
		return a, fmt.Errorf("%w: address: %w", ErrConfig, err)
	}
	if a.Provider != "" {
		if _, ok := rules.ProviderByID(a.Provider); !ok {
			return a, fmt.Errorf("%w: unknown provider %q", ErrConfig, a.Provider)
		}
	}
	if a.Username == "" {
		a.Username = a.Address
	}
	switch {
	case fs.PasswordEnv != "" && fs.PasswordFile != "":
		return a, fmt.Errorf("%w: give password_env or password_file, not both", ErrConfig)
	case fs.PasswordEnv != "":
		v := getenv(fs.PasswordEnv)
		if v == "" {
			return a, fmt.Errorf("%w: environment variable %s is empty or unset", ErrConfig, fs.PasswordEnv)
		}
		a.Password = imapprobe.NewSecret(v)
	case fs.PasswordFile != "":
		p := fs.PasswordFile
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return a, fmt.Errorf("%w: password_file: %w", ErrConfig, err)
		}
		a.Password = imapprobe.NewSecret(strings.TrimRight(string(b), "\r\n"))
	}
	if err := a.Validate(); err != nil {
		return a, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return a, nil
}
