package mcptools

import (
	"net/url"
	"regexp"
	"strings"
)

// publicSource is s as it may be shown to every client (the instructions
// and docs://status): the caller is asked to pass only public data, but
// this is the last place before the wire, so it does not trust that.
//   - A local source is named by its base name: its file system path says
//     how the server is laid out (home directories, user names, deploy
//     layout) and is nobody's business.
//   - A remote source loses user info, query and fragment, where
//     credentials and access tokens live.
//   - A remote source's error is its HTTP status code or a fixed word: the
//     rest (a reason phrase, a body) is chosen by the remote server and
//     would be a prompt-injection channel into every client's model.
//   - A local error loses absolute paths and URLs and is bounded.
//   - A kind is one short word, else dropped.
func publicSource(s SourceInfo) SourceInfo {
	remote := isRemote(s.Location)
	s.Location = clip(oneLine(publicLocation(s.Location, remote)), maxLocationChars)
	s.LastError = clip(publicError(s.LastError, remote), maxErrorChars)
	if !safeVersion(s.Kind) {
		s.Kind = ""
	}
	return s
}

// isRemote reports whether loc is an http(s) URL.
func isRemote(loc string) bool {
	u, err := url.Parse(strings.TrimSpace(loc))
	return err == nil && (strings.EqualFold(u.Scheme, "http") || strings.EqualFold(u.Scheme, "https")) && u.Host != ""
}

func publicLocation(loc string, remote bool) string {
	loc = strings.TrimSpace(loc)
	if remote {
		u, _ := url.Parse(loc) // isRemote parsed it
		u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
		return u.String()
	}
	if u, err := url.Parse(loc); err == nil && strings.EqualFold(u.Scheme, "file") {
		loc = u.Path
	}
	// Both separators: a Windows path names its folders with '\'.
	loc = strings.TrimRight(loc, `/\`)
	if i := strings.LastIndexAny(loc, `/\`); i >= 0 {
		loc = loc[i+1:]
	}
	if loc == "" || loc == "." || loc == ".." {
		return "(local)"
	}
	return loc
}

var (
	// httpStatus finds an HTTP status code in an error message: "HTTP 503",
	// "HTTP 404 Not Found", "status 500", "HTTP/1.1 502".
	httpStatus = regexp.MustCompile(`(?i)\b(?:HTTP(?:/[0-9.]+)?|status(?: code)?)[ :]+([1-5][0-9]{2})\b`)
	// pathOrURL finds absolute file paths and URLs inside error text.
	pathOrURL = regexp.MustCompile(`(?:[a-zA-Z][a-zA-Z0-9+.-]*://|[a-zA-Z]:\\|/)[^\s"']+`)
)

// remoteFailures name the network failures Go reports in its own words:
// the fixed name is shown, never the message (which may quote the remote
// server). The first match wins.
var remoteFailures = []struct {
	match *regexp.Regexp
	name  string
}{
	{regexp.MustCompile(`(?i)timeout|deadline exceeded|timed out`), "timeout"},
	{regexp.MustCompile(`(?i)connection refused`), "connection refused"},
	{regexp.MustCompile(`(?i)connection reset|broken pipe|EOF`), "connection reset"},
	{regexp.MustCompile(`(?i)no such host|server misbehaving`), "host not found"},
	{regexp.MustCompile(`(?i)x509|tls:|certificate`), "TLS error"},
}

// remoteFailed is a remote error with no status code and no known name:
// a body that did not parse, a refused redirect, ...
const remoteFailed = "fetch or parse failed (details in the server log)"

func publicError(msg string, remote bool) string {
	msg = strings.Join(strings.Fields(msg), " ")
	switch {
	case msg == "":
		return ""
	case !remote:
		return oneLine(pathOrURL.ReplaceAllString(msg, "…"))
	}
	if m := httpStatus.FindStringSubmatch(msg); m != nil {
		return "HTTP " + m[1]
	}
	for _, f := range remoteFailures {
		if f.match.MatchString(msg) {
			return f.name
		}
	}
	return remoteFailed
}

// oneLine drops control characters and line separators, so a value stays
// on its line of the instructions.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' || r == '\u0085' {
			return -1
		}
		return r
	}, s)
}
