package loader

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// codeLikeRe is the original, readable definition of codeLike.
var codeLikeRe = regexp.MustCompile(`[{}\[\]<>=|│└├→$;"` + "`" + `\\]|^[-*/#@.]|::|//|:\s*$|^\S+:\s|  `)

// TestCodeLikeMatchesRegexp checks the hand-written codeLike against the
// regexp on hand-picked edge cases, random strings over the characters that
// matter, and every line of the shared corpora when present.
func TestCodeLikeMatchesRegexp(t *testing.T) {
	lines := []string{
		"", ":", "a:", "a: b", "a:b", ":x y", "a :b", "key:\tvalue", "Note:  ", "Heading", "x::y",
		"http://x", "a  b", "-x", ".hidden", "@id tags", "#tag", "/path", "*bold*", "a=b", "a|b",
		"├── x", "a → b", "$HOME", "a;b", `say "hi"`, "a`b", `a\b`, "{x}", "[x]", "<x>", "Ünïcode: ok",
		"\xffbad: utf8", "a:\x0bb", "a:\fb", "tab\there", "x\r", "a b:",
	}
	alphabet := []rune("ab :\t\f\r\n-./#@*{}[]<>=|$;\"`\\│└├→é\v")
	rng := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		n := rng.IntN(8)
		var b strings.Builder
		for range n {
			b.WriteRune(alphabet[rng.IntN(len(alphabet))])
		}
		lines = append(lines, b.String())
	}
	for _, c := range corporaContents(t) {
		lines = append(lines, strings.Split(c, "\n")...)
	}
	bad := 0
	for _, l := range lines {
		if got, want := codeLike(l), codeLikeRe.MatchString(l); got != want && bad < 10 {
			bad++
			t.Errorf("codeLike(%q) = %v, regexp says %v", l, got, want)
		}
	}
	t.Logf("%d lines compared", len(lines))
}

// joinedSections is the straightforward form of splitPlainText's text
// slicing: the non-heading, non-TOC lines of each section joined.
func joinedSections(contents string) []string {
	lines := strings.Split(strings.ReplaceAll(contents, "\r\n", "\n"), "\n")
	heads, toc := detectHeadings(lines)
	out := []string{""}
	var buf []string
	for i, l := range lines {
		if _, ok := heads[i]; ok {
			out[len(out)-1] = strings.TrimSpace(strings.Join(buf, "\n"))
			out, buf = append(out, ""), nil
		} else if !toc[i] {
			buf = append(buf, l)
		}
	}
	out[len(out)-1] = strings.TrimSpace(strings.Join(buf, "\n"))
	return out
}

// TestSplitPlainTextSlicing checks that slicing section text out of the
// contents gives exactly the joined lines, TOC lines and CRLF included.
func TestSplitPlainTextSlicing(t *testing.T) {
	inputs := []string{caddyLike, strings.ReplaceAll(caddyLike, "\n", "\r\n"), "", "\n", "Title\nText", "a\n\nb\n"}
	inputs = append(inputs, corporaContents(t)...)
	for _, in := range inputs {
		secs := splitPlainText(in, Anchorize)
		want := joinedSections(in)
		if len(secs) != len(want) {
			t.Fatalf("%d sections, want %d for %.80q", len(secs), len(want), in)
		}
		for i := range secs {
			if secs[i].Text != want[i] {
				t.Fatalf("section %d of %.80q:\n got %q\nwant %q", i, in, secs[i].Text, want[i])
			}
		}
	}
}

// corporaContents returns the `contents` of every entry of the shared
// corpora's index.json files that are present (none off the build machine).
func corporaContents(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, name := range []string{"caddy-docs.index.json", "hugo-docs.index.json"} {
		data, err := os.ReadFile(filepath.Join(corporaDir, name))
		if err != nil {
			continue
		}
		var entries []struct{ Contents string }
		if err := json.Unmarshal(data, &entries); err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			out = append(out, e.Contents)
		}
	}
	return out
}
