package mcptools

import (
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"
)

// appendJSON encodes the `search` answer by hand: it is built on every
// uncached call, and reflection-based encoding cost more than building the
// hits. The bytes are exactly what marshal produces (see
// TestSearchResultsEncoding).
func (r SearchResults) appendJSON(dst []byte) []byte {
	dst = append(dst, `{"results":[`...)
	for i, h := range r.Results {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"id":`...)
		dst = appendJSONString(dst, h.ID)
		dst = append(dst, `,"title":`...)
		dst = appendJSONString(dst, h.Title)
		dst = append(dst, `,"url":`...)
		dst = appendJSONString(dst, h.URL)
		dst = append(dst, '}')
	}
	return append(dst, "]}"...)
}

// searchResultsResult is jsonResult for a SearchResults.
func searchResultsResult(r SearchResults) *mcp.CallToolResult {
	n := 16
	for _, h := range r.Results {
		n += len(h.ID) + len(h.Title) + len(h.URL) + 32
	}
	raw := r.appendJSON(make([]byte, 0, n))
	return &mcp.CallToolResult{
		Content:              []mcp.Content{mcp.NewTextContent(string(raw))},
		RawStructuredContent: raw,
	}
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string the way encoding/json does
// with HTML escaping off (as marshal encodes): quotes, backslashes and
// control characters escaped, U+2028/U+2029 as \u escapes, invalid UTF-8
// as U+FFFD.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
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
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
