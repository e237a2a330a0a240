package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
	"github.com/kljensen/snowball/french"
	"github.com/kljensen/snowball/norwegian"
	"github.com/kljensen/snowball/russian"
	"github.com/kljensen/snowball/spanish"
	"github.com/kljensen/snowball/swedish"
)

// language is the per-language part of analysis: a stemmer and a stop-word
// list. Pages pick theirs by Page.Lang; unknown languages get neither, which
// still indexes every word (just without conflating inflections).
type language struct {
	name   string
	stem   func(string, bool) string
	isStop func(string) bool
}

var languages = map[string]*language{
	"en": {"en", english.Stem, english.IsStopWord},
	"fr": {"fr", french.Stem, french.IsStopWord},
	"es": {"es", spanish.Stem, spanish.IsStopWord},
	"ru": {"ru", russian.Stem, russian.IsStopWord},
	"sv": {"sv", swedish.Stem, swedish.IsStopWord},
	"no": {"no", norwegian.Stem, norwegian.IsStopWord},
	"nb": {"nb", norwegian.Stem, norwegian.IsStopWord},
}

// plainLanguage is used for languages without a stemmer.
var plainLanguage = &language{
	name:   "",
	stem:   func(s string, _ bool) string { return s },
	isStop: func(string) bool { return false },
}

// langOf maps a page language ("en", "en-US", "fr_FR", "") to its analysis.
// An empty language means English: that is what source defaults to.
func langOf(code string) *language {
	c := strings.ToLower(code)
	if c == "" {
		c = "en"
	}
	if i := strings.IndexAny(c, "-_"); i > 0 {
		c = c[:i]
	}
	if l, ok := languages[c]; ok {
		return l
	}
	return plainLanguage
}

// stemWord stems a lowercased word. Stop words are kept as they are so that
// they stay recognisable (they are indexed only in titles and headings).
func (l *language) stemWord(w string) string {
	if len(w) <= 2 || !isLetters(w) {
		return w
	}
	return l.stem(w, false)
}

func isLetters(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// role says where a term came from in an identifier, which decides how much
// a query term weighs and whether it is stemmed.
type role uint8

const (
	// roleWord is a plain word, or one separator-free piece of an identifier
	// ("relpermalink" in ".Page.RelPermalink"); stemmed.
	roleWord role = iota
	// roleWhole is a whole identifier with separators, lowercased and not
	// stemmed ("lb_policy", "page.relpermalink").
	roleWhole
	// rolePiece is a piece of an identifier: a separator-split piece of a
	// compound or a camelCase part ("lb", "rel", "permalink"); stemmed.
	rolePiece
)

// isWordByte reports whether an ASCII byte continues a token.
func isWordByte(c byte) bool { return wordBytes[c] }

// wordBytes is the ASCII part of isWordRuneAt as a table: tokenizing is the
// hot loop of both indexing and snippets.
var wordBytes = func() (t [256]bool) {
	for c := 0; c < 128; c++ {
		b := byte(c)
		t[c] = b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_'
	}
	return t
}()

// isConnector reports separators that join identifier pieces into one
// token when they sit between word characters: "lb_policy" (underscore is a
// word byte), "page.relpermalink", "try-files".
func isConnector(c byte) bool { return c == '.' || c == '-' }

// isWordRuneAt reports whether text[i:] starts with a word character, and
// its byte width.
func isWordRuneAt(text string, i int) (bool, int) {
	c := text[i]
	if c < utf8.RuneSelf {
		return isWordByte(c), 1
	}
	r, n := utf8.DecodeRuneInString(text[i:])
	return unicode.IsLetter(r) || unicode.IsDigit(r), n
}

// scanTokens calls fn for every raw token of text with its byte span. A raw
// token is a run of letters, digits and underscores, with '.' and '-' kept
// when they join two such runs. Leading punctuation (".Page", "--baseURL")
// is not part of the token.
func scanTokens(text string, fn func(raw string, start, end int)) {
	scanTokensUntil(text, func(raw string, start, end int) bool {
		fn(raw, start, end)
		return true
	})
}

// scanTokensUntil is scanTokens that stops when fn returns false.
func scanTokensUntil(text string, fn func(raw string, start, end int) bool) {
	i, n := 0, len(text)
	for i < n {
		if c := text[i]; c < utf8.RuneSelf && !wordBytes[c] {
			i++
			continue
		}
		ok, w := isWordRuneAt(text, i)
		if !ok {
			i += w
			continue
		}
		start := i
		i += w
		for i < n {
			if c := text[i]; c < utf8.RuneSelf {
				if wordBytes[c] {
					i++
					continue
				}
			} else if ok, w := isWordRuneAt(text, i); ok {
				i += w
				continue
			}
			if isConnector(text[i]) && i+1 < n {
				if ok, w := isWordRuneAt(text, i+1); ok {
					i += 1 + w
					continue
				}
			}
			break
		}
		if !fn(text[start:i], start, i) {
			return
		}
	}
}

// lowerASCII lowercases the ASCII letters of s into buf and copies other
// bytes unchanged, so byte offsets stay valid for s.
func lowerASCII(buf []byte, s string) []byte {
	buf = append(buf[:0], s...)
	for i, c := range buf {
		if c >= 'A' && c <= 'Z' {
			buf[i] = c + 'a' - 'A'
		}
	}
	return buf
}

// tokenStart walks back from i to the start of the raw token containing
// it (approximately scanTokens' rules; non-ASCII bytes count as letters).
func tokenStart(text string, i int) int {
	w := func(c byte) bool { return c >= utf8.RuneSelf || wordBytes[c] }
	for i > 0 {
		c := text[i-1]
		if w(c) || isConnector(c) && i >= 2 && w(text[i-2]) {
			i--
			continue
		}
		break
	}
	for i < len(text) && isConnector(text[i]) {
		i++
	}
	return i
}

// isPieceStart reports whether a match at text[i] starts a token piece:
// the token start, after a separator, or a camelCase capital.
func isPieceStart(text string, i int) bool {
	if i == 0 {
		return true
	}
	prev, c := text[i-1], text[i]
	if prev >= utf8.RuneSelf {
		return false
	}
	if !wordBytes[prev] || prev == '_' || isConnector(prev) {
		return true
	}
	return c >= 'A' && c <= 'Z' && (prev < 'A' || prev > 'Z' || i+1 < len(text) && text[i+1] >= 'a' && text[i+1] <= 'z')
}

// lower lowercases s, fast for ASCII, reusing buf.
func lower(buf []byte, s string) []byte {
	buf = buf[:0]
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return append(buf[:0], strings.ToLower(s)...)
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf = append(buf, c)
	}
	return buf
}

// splitPieces splits a raw token at '_', '.' and '-'.
func splitPieces(raw string, fn func(piece string)) int {
	n, start := 0, 0
	for i := 0; i <= len(raw); i++ {
		if i == len(raw) || raw[i] == '_' || raw[i] == '.' || raw[i] == '-' {
			if i > start {
				fn(raw[start:i])
				n++
			}
			start = i + 1
		}
	}
	return n
}

// camelParts splits "RelPermalink" → Rel, Permalink; "baseURL" → base, URL;
// "HTTPServer" → HTTP, Server. Digits do not split ("http2", "ipv6").
func camelParts(s string, fn func(part string)) int {
	// Only ASCII identifiers are camel-split; other scripts have no case
	// convention for identifiers worth the cost.
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			fn(s)
			return 1
		}
	}
	isUp := func(c byte) bool { return c >= 'A' && c <= 'Z' }
	isLo := func(c byte) bool { return c >= 'a' && c <= 'z' }
	n, start := 0, 0
	for i := 1; i < len(s); i++ {
		if isUp(s[i]) && (isLo(s[i-1]) || i+1 < len(s) && isUp(s[i-1]) && isLo(s[i+1])) {
			fn(s[start:i])
			n++
			start = i
		}
	}
	fn(s[start:])
	return n + 1
}

// hasSplit reports whether a raw token yields more than one term, so the
// common single-word case can skip the splitting machinery.
func hasSplit(raw string) bool {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '_' || c == '.' || c == '-' {
			return true
		}
		if c >= 'A' && c <= 'Z' && i > 0 {
			return true
		}
	}
	return false
}

// expand calls fn with every term surface a raw token stands for, lowercased
// (not yet stemmed), with its role. "tryFiles" → tryfiles(word), try, files
// (pieces); "lb_policy" → lb_policy(whole), lb, policy (pieces);
// ".Page.RelPermalink" → page.relpermalink(whole), page, relpermalink, rel,
// permalink.
func expand(raw string, buf []byte, fn func(surface []byte, r role)) []byte {
	if !hasSplit(raw) {
		buf = lower(buf, raw)
		fn(buf, roleWord)
		return buf
	}
	pieces := 0
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c == '_' || c == '.' || c == '-' {
			pieces = 2
			break
		}
	}
	if pieces > 1 {
		buf = lower(buf, raw)
		fn(buf, roleWhole)
	}
	splitPieces(raw, func(piece string) {
		r := roleWord
		if pieces > 1 {
			r = rolePiece
		}
		buf = lower(buf, piece)
		fn(buf, r)
		if hasSplit(piece) {
			if camelParts(piece, func(string) {}) > 1 {
				camelParts(piece, func(part string) {
					buf = lower(buf, part)
					fn(buf, rolePiece)
				})
			}
		}
	})
	return buf
}

// leaves calls fn with the finest-grained lowercased pieces of a raw token in
// order ("lb_policy" → lb, policy; "RelPermalink" → rel, permalink). Phrase
// matching and snippets compare these sequences.
func leaves(raw string, buf []byte, fn func(leaf []byte)) []byte {
	if !hasSplit(raw) {
		buf = lower(buf, raw)
		fn(buf)
		return buf
	}
	splitPieces(raw, func(piece string) {
		camelParts(piece, func(part string) {
			buf = lower(buf, part)
			fn(buf)
		})
	})
	return buf
}
