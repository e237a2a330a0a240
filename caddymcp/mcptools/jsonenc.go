package mcptools

import (
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
)

// searchHitsResult is the `search` answer for hits, encoded straight from
// them, from the parts the ids, titles and URLs are made of
// (sectionIDParts, hitTitleParts, hitURLParts), without building those
// strings, result structs, or a second copy of the bytes for the text
// item, on every uncached call. TestSearchHitsResult holds it to the
// encoding of the SearchResults struct.
//
// The text item shares the bytes of structuredContent (unsafe.String).
// That is safe because an answer is immutable once built: nothing writes
// to RawStructuredContent (mcp-go only encodes it; the result cache stores
// and serves it as it is, see cacheEntry), and raw is not used here after.
func searchHitsResult(hits []search.Hit) *mcp.CallToolResult {
	n := len(`{"results":[]}`)
	for _, h := range hits {
		n += len(`{"id":"#","title":" — ","url":""},`) + 2*len(h.Page.ID) + len(h.Page.Title) + len(h.Heading) + len(h.URL) + 16
	}
	raw := make([]byte, 0, n)
	raw = append(raw, `{"results":[`...)
	for i, h := range hits {
		if i > 0 {
			raw = append(raw, ',')
		}
		id, hash, anchor := sectionIDParts(h.Page, h.SectionIndex)
		raw = append(raw, `{"id":`...)
		raw = appendJSONStrings(raw, id, hash, anchor)
		title, dash, heading := hitTitleParts(h)
		raw = append(raw, `,"title":`...)
		raw = appendJSONStrings(raw, title, dash, heading)
		u, hash, anchor := hitURLParts(h)
		raw = append(raw, `,"url":`...)
		raw = appendJSONStrings(raw, u, hash, anchor)
		raw = append(raw, '}')
	}
	raw = append(raw, "]}"...)
	return &mcp.CallToolResult{
		Content:              []mcp.Content{mcp.NewTextContent(unsafe.String(unsafe.SliceData(raw), len(raw)))},
		RawStructuredContent: raw,
	}
}

// sameHeading is normHeading(a) == normHeading(b), without allocating for
// ASCII headings (the common case): the same words, ASCII case folded,
// after trimming space and leading '#'.
func sameHeading(a, b string) bool {
	if !isASCII(a) || !isASCII(b) {
		return normHeading(a) == normHeading(b)
	}
	a = strings.TrimLeft(strings.TrimSpace(a), "# ")
	b = strings.TrimLeft(strings.TrimSpace(b), "# ")
	for {
		var wa, wb string
		wa, a = nextWord(a)
		wb, b = nextWord(b)
		if len(wa) != len(wb) {
			return false
		}
		if wa == "" {
			return true
		}
		for i := range len(wa) {
			if lowerASCII(wa[i]) != lowerASCII(wb[i]) {
				return false
			}
		}
	}
}

// nextWord splits the first word (as strings.Fields sees ASCII) off s.
func nextWord(s string) (word, rest string) {
	i := 0
	for i < len(s) && isASCIISpace(s[i]) {
		i++
	}
	j := i
	for j < len(s) && !isASCIISpace(s[j]) {
		j++
	}
	return s[i:j], s[j:]
}

func isASCIISpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// appendJSONStrings appends the concatenation of parts as one JSON string.
func appendJSONStrings(dst []byte, parts ...string) []byte {
	for _, s := range parts {
		if !utf8.ValidString(s) {
			// A character could straddle two parts: escape the whole.
			return appendJSONString(dst, strings.Join(parts, ""))
		}
	}
	// Escaping is per character, so valid parts escape alone exactly as
	// they would together.
	dst = append(dst, '"')
	for _, s := range parts {
		dst = appendEscaped(dst, s)
	}
	return append(dst, '"')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string the way encoding/json does
// with HTML escaping off (as marshal encodes): quotes, backslashes and
// control characters escaped, U+2028/U+2029 as \u escapes, invalid UTF-8
// as U+FFFD.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = appendEscaped(dst, s)
	return append(dst, '"')
}

// appendEscaped appends the inside of appendJSONString(s), no quotes.
func appendEscaped(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(dst, s[start:]...)
}
