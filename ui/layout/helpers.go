package layout

import "strconv"

func optionID(name string, i int) string {
	if i == 0 {
		return name // the error summary links to the first option
	}
	return name + "-" + strconv.Itoa(i+1)
}

func radiosDescribedBy(r Radios) string {
	var s string
	if r.Hint != "" {
		s = r.Name + "-hint"
	}
	if r.Error != "" {
		if s != "" {
			s += " "
		}
		s += r.Name + "-error"
	}
	return s
}

func home(section string) string {
	switch section {
	case "agent":
		return "/agent"
	case "dashboard":
		return "/dashboard"
	}
	return "/"
}

func siteName(section string) string {
	switch section {
	case "agent":
		return "codeprobe · agent console"
	case "dashboard":
		return "codeprobe · sender dashboard"
	}
	return "Sign-in code help"
}
