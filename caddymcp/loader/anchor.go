package loader

import (
	"strconv"
	"strings"
	"unicode"
)

// Anchorize turns heading text into a fragment id the way Hugo (Goldmark's
// "github" style) does: lowercase, spaces to '-', letters, digits, '-' and
// '_' kept, every other character dropped ("Food & Drink" -> "food--drink").
func Anchorize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_':
			b.WriteRune(r)
		case unicode.IsSpace(r):
			b.WriteByte('-')
		}
	}
	return b.String()
}

// DashAnchorize is the caddyserver.com style: like Anchorize, but '_'
// also becomes '-' ("client_ip_headers" -> "client-ip-headers",
// "A/AAAA" -> "aaaaa").
func DashAnchorize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-':
			b.WriteRune(r)
		case unicode.IsSpace(r) || r == '_':
			b.WriteByte('-')
		}
	}
	return b.String()
}

// anchorFor picks the slug style of the site a URL belongs to.
func anchorFor(pageURL string) func(string) string {
	if strings.Contains(pageURL, "caddyserver.com/") {
		return DashAnchorize
	}
	return Anchorize
}

// anchorSet makes anchors unique within a page the way Hugo does: the second
// "examples" becomes "examples-1". Each base remembers the next suffix to
// try, so a page of headings a-1 ... a-k followed by k headings "a" costs
// O(k), not O(k²): a suffix probe that fails is never repeated, and each
// taken anchor can fail the probes of one base only.
type anchorSet struct {
	taken  map[string]bool
	next   map[string]int
	probes int // suffix candidates tried, for the linearity test
}

func newAnchorSet() *anchorSet {
	return &anchorSet{taken: map[string]bool{}, next: map[string]int{}}
}

func (a *anchorSet) unique(id string) string {
	if id == "" {
		return ""
	}
	if !a.taken[id] {
		a.taken[id] = true
		return id
	}
	n := max(a.next[id], 1)
	for {
		c := id + "-" + strconv.Itoa(n)
		n++
		a.probes++
		if !a.taken[c] {
			a.taken[c] = true
			a.next[id] = n
			return c
		}
	}
}
