package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strings"
)

// applyConfig fills the flags the command line did not set, first from the
// environment (CODEPROBE_<FLAG>, upper case, "-" as "_": --sink-domain is
// CODEPROBE_SINK_DOMAIN), then from the configuration file named by
// --config or CODEPROBE_CONFIG. The file has "key = value" lines, keys
// being flag names, with "# comments" and "[command]" sections: keys before
// any section apply to every command, keys in [send] only to `send`. The
// command line wins over the environment, which wins over the file.
//
// Secrets are not taken from the environment or the file directly: the
// smarthost password is read from --password-file.
func applyConfig(fs *flag.FlagSet, command string, getenv func(string) string) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var fromFile map[string]string
	path := ""
	if f := fs.Lookup("config"); f != nil {
		path = f.Value.String()
	}
	if path == "" {
		path = getenv("CODEPROBE_CONFIG")
	}
	if path != "" {
		global, own, err := readConfig(path, command)
		if err != nil {
			return usageError("%v", err)
		}
		// Keys of the command's own section must be its flags; keys for
		// every command apply where a command has such a flag.
		fromFile = map[string]string{}
		for k, v := range global {
			if fs.Lookup(k) != nil {
				fromFile[k] = v
			}
		}
		for k, v := range own {
			if fs.Lookup(k) == nil {
				return usageError("%s: %q in [%s] is not a flag of codeprobe %s", path, k, command, command)
			}
			fromFile[k] = v
		}
	}
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if err != nil || set[f.Name] || f.Name == "config" {
			return
		}
		env := "CODEPROBE_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		v, ok := getenv(env), false
		if v != "" {
			ok = true
		} else if fv, in := fromFile[f.Name]; in {
			v, ok = fv, true
		}
		if ok {
			if e := f.Value.Set(v); e != nil {
				err = usageError("%s (from %s or the configuration file): %v", f.Name, env, e)
			}
		}
	})
	return err
}

// readConfig reads the keys of a configuration file that apply to
// command: those before any section, and those of its own section.
func readConfig(path, command string) (global, own map[string]string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	global, own = map[string]string{}, map[string]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			continue
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.TrimSpace(line[1 : len(line)-1])
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, nil, fmt.Errorf("%s:%d: want key = value, got %q", path, n, line)
		}
		k, v = strings.TrimSpace(k), strings.Trim(strings.TrimSpace(v), `"`)
		switch section {
		case "":
			global[k] = v
		case command:
			own[k] = v
		}
	}
	return global, own, sc.Err()
}
