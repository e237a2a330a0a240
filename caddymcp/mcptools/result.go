package mcptools

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// MaxResultChars is the hard cap on one tool result: text content plus
// structured content, in characters. ~100k characters is ~25k tokens, the
// size Claude Code refuses above; every tool is built to stay under it
// whatever the page size, and capped() enforces it as a last resort.
const MaxResultChars = 100_000

// marshal encodes v as compact JSON without HTML escaping, so "<" in code
// samples stays one character for the model.
func marshal(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only our own plain structs reach here; failing is a bug.
		panic(fmt.Sprintf("mcptools: marshal: %v", err))
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// jsonResult returns v both as the one text item (its JSON) and as
// structuredContent, byte for byte the same: the ChatGPT connector shape.
func jsonResult(v any) *mcp.CallToolResult {
	raw := marshal(v)
	return &mcp.CallToolResult{
		Content:              []mcp.Content{mcp.NewTextContent(string(raw))},
		RawStructuredContent: raw,
	}
}

// textResult returns readable text for the model plus v as
// structuredContent for programs.
func textResult(text string, v any) *mcp.CallToolResult {
	return &mcp.CallToolResult{
		Content:              []mcp.Content{mcp.NewTextContent(text)},
		RawStructuredContent: marshal(v),
	}
}

// toolError is a tool execution error (isError: true) the model can read
// and recover from; never a JSON-RPC error.
func toolError(format string, a ...any) *mcp.CallToolResult {
	return mcp.NewToolResultError(fmt.Sprintf(format, a...))
}

// resultChars is the size of r as counted against MaxResultChars: the text
// items' characters plus structuredContent as it goes on the wire.
func resultChars(r *mcp.CallToolResult) int {
	n := wireChars(r.RawStructuredContent)
	for _, c := range r.Content {
		if t, ok := c.(mcp.TextContent); ok {
			n += utf8.RuneCountInString(t.Text)
		}
	}
	return n
}

// wireChars counts the characters of compact JSON raw once mcp-go's
// encoder has written it: encoding/json escapes <, > and & (HTML-safe) and
// U+2028/U+2029 as six-character \uXXXX sequences. It equals counting the
// runes of json.Marshal(json.RawMessage(raw)) without encoding anything;
// raw is what marshal produced, so it is already compact.
func wireChars(raw []byte) int {
	n := utf8.RuneCount(raw)
	for i, b := range raw {
		switch {
		case b == '<' || b == '>' || b == '&':
			n += 5
		case b == 0xE2 && i+2 < len(raw) && raw[i+1] == 0x80 && (raw[i+2] == 0xA8 || raw[i+2] == 0xA9):
			n += 5
		}
	}
	return n
}

// minFitChars is the least text fitResult cuts an answer down to: even at
// the worst cost per character on the wire (about a dozen, escaped in both
// the text item and structuredContent) it stays far under MaxResultChars.
const minFitChars = 1000

// fitResult builds an answer with up to limit characters of text and, while
// it exceeds MaxResultChars, rebuilds it with less: the tools that return
// page text (read_page, fetch) shrink their text instead of failing. build
// returns the answer and how many characters of text it holds. The cut is
// scaled by how far over the answer is, since a character costs 1 to ~12
// (escapes in "<&>"-heavy code); the fixed overhead does not shrink, so it
// may take another round, and every round cuts at least one character.
func fitResult(limit int, build func(limit int) (*mcp.CallToolResult, int)) *mcp.CallToolResult {
	for {
		res, got := build(limit)
		if surelySmall(res) || limit <= minFitChars || got == 0 {
			return res
		}
		n := resultChars(res)
		if n <= MaxResultChars {
			return res
		}
		scaled := int(int64(got) * (MaxResultChars - minFitChars) / int64(n))
		limit = max(min(scaled, got-1), minFitChars)
	}
}

// surelySmall reports, without counting characters, that r is under
// MaxResultChars: a byte is at most one character of text, and at most six
// of structuredContent on the wire (an escape). Typical search answers are
// a few KB, so the exact count is only needed for big reads.
func surelySmall(r *mcp.CallToolResult) bool {
	n := 6 * len(r.RawStructuredContent)
	for _, c := range r.Content {
		t, ok := c.(mcp.TextContent)
		if !ok {
			return false
		}
		n += len(t.Text)
	}
	return n <= MaxResultChars
}

// handler is a tool handler that gets the view of one request.
type handler func(ctx context.Context, v view, args arguments) *mcp.CallToolResult

// wrap adapts a handler to mcp-go: it fetches the current index, rejects
// malformed arguments, and enforces the size cap. Handlers never return Go
// errors, so bad input always becomes a tool error, not a JSON-RPC error.
func (st *state) wrap(tool string, allowed []string, strict bool, h handler) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		args, errRes := parseArguments(tool, req.Params.Arguments, allowed, strict)
		if errRes != nil {
			return errRes, nil
		}
		v, ok := st.snapshot()
		if !ok {
			return toolError(errNotReady), nil
		}
		r := h(ctx, v, args)
		if surelySmall(r) {
			return r, nil
		}
		if n := resultChars(r); n > MaxResultChars {
			// Unreachable by construction; a safety net so no client ever
			// gets an answer it would refuse.
			return toolError("%s: the answer (%d characters) exceeds the %d-character limit. "+
				"Ask for less: a smaller limit or max_length, or one section.", tool, n, MaxResultChars), nil
		}
		return r, nil
	}
}

// arguments are a tool call's arguments.
type arguments map[string]any

func parseArguments(tool string, raw any, allowed []string, strict bool) (arguments, *mcp.CallToolResult) {
	var args arguments
	switch v := raw.(type) {
	case nil:
		args = arguments{}
	case map[string]any:
		args = v
	default:
		// Some transports hand over raw JSON.
		b, err := json.Marshal(v)
		if err != nil || json.Unmarshal(b, &args) != nil {
			return nil, toolError("%s: arguments must be a JSON object with the fields %s.", tool, strings.Join(allowed, ", "))
		}
		if args == nil {
			args = arguments{}
		}
	}
	if strict {
		var unknown []string
		for k := range args {
			if !slices.Contains(allowed, k) {
				unknown = append(unknown, k)
			}
		}
		if len(unknown) > 0 {
			sort.Strings(unknown)
			return nil, toolError("%s: unknown argument(s) %s. Valid arguments: %s.",
				tool, strings.Join(unknown, ", "), strings.Join(allowed, ", "))
		}
	}
	return args, nil
}

// str returns the string argument key ("" when absent). ok is false when
// the argument is present but not a string.
func (a arguments) str(key string) (string, bool) {
	v, present := a[key]
	if !present || v == nil {
		return "", true
	}
	s, ok := v.(string)
	return strings.TrimSpace(s), ok
}

// integer returns the integer argument key, or def when absent. It accepts
// JSON numbers with no fraction and numeric strings (some models quote
// numbers); ok is false otherwise.
func (a arguments) integer(key string, def int) (int, bool) {
	v, present := a[key]
	if !present || v == nil {
		return def, true
	}
	var f float64
	switch n := v.(type) {
	case float64:
		f = n
	case int:
		return n, true
	case int64:
		f = float64(n)
	case json.Number:
		x, err := n.Float64()
		if err != nil {
			return 0, false
		}
		f = x
	case string:
		x, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
		if err != nil {
			return 0, false
		}
		f = x
	default:
		return 0, false
	}
	if f != math.Trunc(f) || math.Abs(f) > 1e12 {
		return 0, false
	}
	return int(f), true
}
