package jsonrpc

// The decoder as it was before the one-pass scanner in jsonrpc.go: a
// json.Valid pass, a token walk for duplicate members, and
// map[string]json.RawMessage decoding of each message. Slow (8 us and 80
// allocations for a typical tools/call) but plainly right, so it stays
// here as the reference that TestDecodeEquivalence and
// FuzzDecodeEquivalence hold the fast decoder to. Only the names changed
// (ref prefix); keep its behaviour frozen.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"
)

// Decode decodes a POST body. A body that is not one well-formed JSON value
// fails with CodeParseError; a single message that breaks the rules fails
// with CodeInvalidRequest; a batch is returned with one entry in Errors per
// message, as JSON-RPC answers each message of a batch on its own.
func refDecode(body []byte) (*Body, error) {
	if !utf8.Valid(body) {
		return nil, parseError("body is not valid UTF-8")
	}
	if !json.Valid(body) {
		// The scanner is linear and bounds depth; the walk below runs on
		// valid JSON only and reports the scanner's error.
		var v any
		return nil, parseError("%v", json.Unmarshal(body, &v))
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var elems []json.RawMessage
		if err := json.Unmarshal(trimmed, &elems); err != nil {
			return nil, parseError("%v", err)
		}
		if len(elems) == 0 {
			return nil, invalid(nil, "empty batch")
		}
		if len(elems) > MaxBatch {
			return nil, invalid(nil, "batch of %d messages; at most %d are allowed", len(elems), MaxBatch)
		}
		if err := refCheckSyntax(body); err != nil {
			return nil, err
		}
		b := &Body{Batch: true, Messages: make([]*Message, len(elems)), Errors: make([]*Error, len(elems))}
		for i, e := range elems {
			m, err := refDecodeMessage(e)
			if err != nil {
				b.Errors[i] = err
				continue
			}
			b.Messages[i] = m
		}
		return b, nil
	}
	if err := refCheckSyntax(body); err != nil {
		return nil, err
	}
	m, err := refDecodeMessage(trimmed)
	if err != nil {
		return nil, err
	}
	return &Body{Messages: []*Message{m}, Errors: []*Error{nil}}, nil
}

// Members of a JSON-RPC message, and of its params and params._meta, that
// mcp-go reads. A member whose name folds to one of these must be spelt
// exactly so, or encoding/json would take it for this one.
var (
	refTopMembers   = []string{"jsonrpc", "id", "method", "params", "result", "error"}
	refParamMembers = []string{"name", "uri", "arguments", "_meta", "cursor", "protocolVersion", "capabilities", "clientInfo"}
)

// decodeMessage decodes and checks one message (syntax already checked).
func refDecodeMessage(raw []byte) (*Message, *Error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil || top == nil {
		return nil, invalid(nil, "a message must be a JSON object")
	}
	// Read the id first, so that errors can carry it.
	id, hasID := top["id"]
	var idErr *Error
	if hasID {
		if idErr = refCheckID(id); idErr != nil {
			id = nil
		}
	}
	if err := refCheckNames(top, refTopMembers, ""); err != nil {
		return nil, invalid(id, "%s", err)
	}
	if v, ok := top["jsonrpc"]; !ok || string(v) != `"2.0"` {
		return nil, invalid(id, `"jsonrpc" must be "2.0"`)
	}
	m := &Message{Raw: raw}
	method, hasMethod := top["method"]
	_, hasResult := top["result"]
	_, hasError := top["error"]
	switch {
	case hasMethod:
		if err := json.Unmarshal(method, &m.Method); err != nil || m.Method == "" {
			return nil, invalid(id, `"method" must be a non-empty string`)
		}
		if hasResult || hasError {
			return nil, invalid(id, `a request has no "result" or "error"`)
		}
		m.Kind = KindNotification
		if hasID {
			if idErr != nil {
				return nil, idErr
			}
			m.Kind = KindRequest
			m.ID = id
		}
	case hasResult != hasError:
		if !hasID {
			return nil, invalid(nil, `a response needs an "id"`)
		}
		if idErr != nil && !(hasError && string(top["id"]) == "null") {
			return nil, idErr
		}
		m.Kind, m.ID = KindResponse, top["id"]
	default:
		return nil, invalid(id, `a message needs a "method", or exactly one of "result" and "error"`)
	}
	if p, ok := top["params"]; ok && string(p) != "null" {
		if err := refReadParams(m, p); err != nil {
			return nil, invalid(m.ID, "%s", err)
		}
	}
	return m, nil
}

// checkID accepts a string or an integer that mcp-go echoes exactly. MCP
// forbids null ids on requests; JSON-RPC discourages fractions, and mcp-go
// would answer 1.5 or 1e3 with an id the client never sent.
func refCheckID(id json.RawMessage) *Error {
	switch {
	case len(id) > 0 && id[0] == '"':
		return nil
	case refIsInteger(id):
		n, err := strconv.ParseInt(string(id), 10, 64)
		if err == nil && n <= maxSafeInteger && n >= -maxSafeInteger {
			return nil
		}
		return invalid(nil, `"id" %s is out of range (at most 2^53-1)`, id)
	}
	return invalid(nil, `"id" must be a string or an integer, not %s`, refClip(id))
}

func refIsInteger(b []byte) bool {
	if len(b) > 0 && b[0] == '-' {
		b = b[1:]
	}
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// readParams checks params and reads the members the protocol keys on.
func refReadParams(m *Message, p json.RawMessage) error {
	var params map[string]json.RawMessage
	if err := json.Unmarshal(p, &params); err != nil {
		return fmt.Errorf(`"params" must be an object`)
	}
	if err := refCheckNames(params, refParamMembers, "params."); err != nil {
		return err
	}
	m.Params = p
	key := ""
	switch mcp.MCPMethod(m.Method) {
	case mcp.MethodToolsCall, mcp.MethodPromptsGet:
		key = "name"
	case mcp.MethodResourcesRead:
		key = "uri"
	}
	if v, ok := params[key]; ok && key != "" {
		if err := json.Unmarshal(v, &m.Name); err != nil {
			return fmt.Errorf(`"params.%s" must be a string`, key)
		}
		m.HasName = true
	}
	if meta, ok := params["_meta"]; ok && string(meta) != "null" {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(meta, &fields); err != nil {
			return fmt.Errorf(`"params._meta" must be an object`)
		}
		if v, ok := fields[mcp.MetaKeyProtocolVersion]; ok {
			_ = json.Unmarshal(v, &m.ProtocolVersion) // a non-string is no version, as for mcp-go
		}
	}
	return nil
}

// checkNames rejects members whose names fold to a known name without
// being it ("METHOD", "Params", "paramſ").
func refCheckNames(obj map[string]json.RawMessage, known []string, prefix string) error {
	for name := range obj {
		for _, k := range known {
			if name != k && strings.EqualFold(name, k) {
				return fmt.Errorf("member %q: member names are case-sensitive, want %q", prefix+name, prefix+k)
			}
		}
	}
	return nil
}

// checkSyntax checks a body that json.Valid accepted (so exactly one JSON
// value in encoding/json's grammar, depth bounded): no object at any depth
// may hold two member names that fold to the same string, since
// encoding/json lets the last of them win while other parsers take the
// first or keep both. One linear pass over the bytes; names are compared
// unescaped ("\u006dethod" is "method"), as encoding/json reads them.
func refCheckSyntax(body []byte) *Error {
	type frame struct {
		seen      map[string]string // nil for arrays
		expectKey bool
	}
	var stack []frame
	for i := 0; i < len(body); i++ {
		switch body[i] {
		case '{':
			stack = append(stack, frame{seen: map[string]string{}, expectKey: true})
		case '[':
			stack = append(stack, frame{})
		case '}', ']':
			stack = stack[:len(stack)-1]
		case ',':
			if top := &stack[len(stack)-1]; top.seen != nil {
				top.expectKey = true
			}
		case '"':
			end, escaped := i+1, false
			for ; body[end] != '"'; end++ {
				if body[end] == '\\' {
					end++
					escaped = true
				}
			}
			if len(stack) == 0 {
				i = end
				continue
			}
			if top := &stack[len(stack)-1]; top.seen != nil && top.expectKey {
				top.expectKey = false
				name := string(body[i+1 : end])
				if escaped {
					_ = json.Unmarshal(body[i:end+1], &name)
				}
				folded := refFold(name)
				if prev, dup := top.seen[folded]; dup {
					if prev == name {
						return refInvalidDup("duplicate member %q", name)
					}
					return refInvalidDup("members %q and %q differ only in case", prev, name)
				}
				top.seen[folded] = name
			}
			i = end
		}
	}
	return nil
}

func refInvalidDup(format string, args ...any) *Error {
	return invalid(nil, format, args...)
}

// fold maps names that strings.EqualFold (and so encoding/json) treats as
// equal to one key: upper then lower case covers the special folds
// (ſ, K) as well as ASCII.
func refFold(s string) string { return strings.ToLower(strings.ToUpper(s)) }

// clip shortens a value for an error message.
func refClip(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "..."
	}
	return string(b)
}

// BenchmarkDecodeReference is BenchmarkDecode's bodies through the
// reference decoder: the "before" of the one-pass scanner.
func BenchmarkDecodeReference(b *testing.B) {
	typical := []byte(`{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"name":"search","arguments":{"query":"configure reverse proxy headers","limit":10}}}`)
	worst := []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{"q":[` +
		strings.Repeat("1,", 256<<10) + `1]}}}`)
	for _, tc := range []struct {
		name string
		body []byte
	}{{"typical", typical}, {"worst1MiB", worst}} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := refDecode(tc.body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
