package jsonrpc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// hostile is a battery of bodies for the equivalence tests: what clients
// send, and everything the strictness rules exist for (folded and escaped
// names, duplicates near and far, ids at the edges, nesting at the limit,
// broken syntax of every kind, batches at and past MaxBatch).
func hostile() []string {
	call := `{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"name":"search","arguments":{"query":"configure reverse proxy","limit":10}}}`
	many := func(n, dupAt int, dup string) string {
		var sb strings.Builder
		sb.WriteString(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{`)
		for i := range n {
			if i > 0 {
				sb.WriteByte(',')
			}
			if i == dupAt {
				fmt.Fprintf(&sb, "%q:%d", dup, i)
				continue
			}
			fmt.Fprintf(&sb, `"k%d":%d`, i, i)
		}
		sb.WriteString(`}}}`)
		return sb.String()
	}
	batch := func(n int, elem string) string {
		return "[" + strings.TrimSuffix(strings.Repeat(elem+",", n), ",") + "]"
	}
	nest := func(n int, open, close, inner string) string {
		return strings.Repeat(open, n) + inner + strings.Repeat(close, n)
	}
	list := []string{
		call,
		" \t\r\n" + call + " \n",
		`{"jsonrpc":"2.0","id":"a-1","method":"resources/read","params":{"uri":"docs://status"}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":-9007199254740991,"method":"ping","params":null}`,
		`{"jsonrpc":"2.0","id":9007199254740991,"method":"ping"}`,
		`{"jsonrpc":"2.0","id":9007199254740992,"method":"ping"}`,
		`{"jsonrpc":"2.0","id":-9007199254740992,"method":"ping"}`,
		`{"jsonrpc":"2.0","id":12345678901234567890123,"method":"ping"}`,
		`{"jsonrpc":"2.0","id":-0,"method":"ping"}`,
		`{"jsonrpc":"2.0","id":0,"method":"ping"}`,
		`{"jsonrpc":"2.0","id":1.0,"method":"ping"}`,
		`{"jsonrpc":"2.0","id":1E3,"method":"ping"}`,
		`{"jsonrpc":"2.0","id":"","method":"ping"}`,
		`{"jsonrpc":"2.0","id":"\u00e9\n","method":"ping"}`,
		`{"jsonrpc":"2.0","id":{"a":1,"A":2},"method":"ping"}`,
		`{"jsonrpc":"2.0","id":"` + strings.Repeat("x", 100) + `","method":"ping"}`,
		`{"jsonrpc":"2.0","id":[` + strings.Repeat("1,", 30) + `1],"method":"ping"}`,
		`{"jsonrpc":"2.0","id":3,"result":{}}`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-1,"message":"x"}}`,
		`{"jsonrpc":"2.0","id":null,"result":{}}`,
		`{"jsonrpc":"2.0","id":1.5,"error":{}}`,
		`{"jsonrpc":"2.0","id":true,"error":{}}`,
		`{"jsonrpc":"2.0","result":{}}`,
		`{"jsonrpc":"2.0","id":1,"result":{},"params":{"name":"x","NAME":1}}`,
		`{"jsonrpc":"2.0","id":1,"result":{},"params":7}`,
		`{"jsonrpc":"2.0","id":1,"method":"x","extension":1}`,
		`{"jsonrpc":"2.0","id":1,"method":"x","params":{"extension":1,"_meta":{}}}`,
		`{"jsonrpc":"2.0","id":1,"\u006dethod":"ping"}`,
		`{"jsonrpc":"2.0","id":1,"method":"ping","\u006dethod":"x"}`,
		`{"jsonrpc":"2.0","id":1,"\u004dethod":"ping"}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools\/call","params":{"name":"se\u0061rch"}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"\ud800x"}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"\ud83d\ude00"}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"été ✓ 😀"}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":null}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":{}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"uri":"x"}}`,
		`{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":7}}`,
		`{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"name":7,"uri":"a"}}`,
		`{"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"p"}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":"x"}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":null}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"s","_meta":null}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"s","_meta":[]}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"s","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"s","_meta":{"io.modelcontextprotocol/protocolVersion":"2099-01-01"}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"s","_meta":{"io.modelcontextprotocol/protocolVersion":7}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"s","_meta":{"io.modelcontextprotocol/protocolVersion":null}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"s","_meta":{"io.modelcontextprotocol/protocolVersion":"2026\u002d07-28"}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"s","_meta":{"IO.modelcontextprotocol/protocolVersion":"2026-07-28"}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"s","_META":{}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"s","arguments":{"protocolVersion":1},"_meta":{"progressToken":"a"}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"s","Arguments":{}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"s","arguments":{"QUERY":"a\"b"}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"s","arguments":{"Query":7}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"s","arguments":{"query":null}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"s","arguments":{"qu\u0065ry":"x\u00e9"}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"s","arguments":{"x":{"query":"inner"}}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"s","arguments":[{"query":"x"}]}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"s","arguments":"query"}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"s","arguments":null}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"query":"x","arguments":{"queries":"y"}}}`,
		`{"jsonrpc":"2.0","id":1,"result":{},"params":{"arguments":{"query":"r"}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"s","argumentſ":{}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"s","CLIENTINFO":{}}}`,
		`{"jsonrpc":"2.0","id":1,"METHOD":"x","PARAMS":{},"ID":2}`,
		`{"jſonrpc":"2.0","id":1,"method":"x"}`,
		`{"jsonrpc":"2.0","id":1,"method":"x","reſult":1}`,
		`{"jsonrpc":"2.0","id":1,"method":"x","params":{"a":{"K":1,"k":2}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"x","params":{"a":{"K":1,"K":2}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"x","params":{"a":{"K":1,"ſ":2,"s":3}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"x","params":{"a":{"ſ":1,"S":2}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"x","params":{"a":{"İ":1,"i":2}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"x","params":{"a":{"ß":1,"ẞ":2}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"x","params":{"a":{"Σ":1,"σ":2,"ς":3}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"x","params":{"a":{"é":1,"É":2}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"x","params":{"a":{"\u00e9":1,"é":2}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"x","params":{"a":{"\ud800":1,"\ufffd":2}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"x","params":{"a":[{"x":1},{"x":1}],"b":{"x":{"x":{"x":1}}}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"x","params":{"a":{},"b":[],"c":"","d":0,"e":-0.5e-3,"f":true,"g":false,"h":null}}`,
		`{"a":1,"A":2,"method":"x"`,
		`{"a":1,"A":2} x`,
		many(15, -1, ""), many(16, -1, ""), many(17, -1, ""), many(200, -1, ""),
		many(40, 30, "k3"), many(40, 30, "K3"), many(40, 10, "K3"), many(40, 20, "K19"), many(16, 15, "k0"), many(17, 16, "K0"),
		many(40, 30, "ſ"), many(40, 20, "k"),
		`{"jsonrpc":"2.0","id":5,"method":"tools/call","paramſ":{"name":"search"}}`,
		batch(1, call), batch(64, call), batch(65, call), batch(100, `1`),
		batch(65, `{"a":1,"a":2}`), batch(3, `{"a":1,"a":2}`),
		`[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"Method":"x"},7,null,"x",[],{},{"jsonrpc":"2.0","method":"notifications/initialized"}]`,
		`[{"jsonrpc":"2.0","id":1.5,"method":"ping"},{"jsonrpc":"2.0","id":{},"result":1}]`,
		`[{"a":1,"A":2}`,
		`[1,2,]`, `[,1]`, `[`, `]`, `[]`, ` [ ] `, `[[]]`, `[{}]`,
		nest(10000, "[", "]", ""), nest(10001, "[", "]", ""), nest(9999, "[", "]", `{"a":1}`), nest(10000, "[", "]", `{"a":1}`),
		`{"jsonrpc":"2.0","id":1,"method":"x","params":{"a":` + nest(9997, "[", "]", "1") + `}}`,
		`{"jsonrpc":"2.0","id":1,"method":"x","params":{"a":` + nest(9998, "[", "]", "1") + `}}`,
		nest(5000, `{"a":`, "}", "1"), nest(10001, `{"a":`, "}", "1"),
		// More open names than the decoder holds on its stack (keyBufLen).
		nest(30, `{"x":1,"y":2,"z":`, "}", `{"Z":1,"z":2}`),
		nest(30, `{"x":1,"y":2,"z":`, "}", `{"q":1,"Q":2}`),
		nest(30, `{"x":1,"y":2,"z":`, "}", `{}`) + ``,
		nest(12, `{"a":1,"b":2,"c":`, "}", many(40, 35, "K7")),
		`[` + nest(30, `{"x":1,"y":2,"z":`, "}", `{"X":1}`) + `,` + nest(30, `{"x":1,"y":2,"z":`, "}", `{"x":1,"x":1}`) + `]`,
		``, ` `, `{`, `}`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{,"a":1}`, `{"a" 1}`, `{1:1}`, `{"a":1 "b":2}`,
		`null`, `true`, `false`, `1`, `"x"`, `nul`, `nulll`, `tru`, `fals`, `-`, `01`, `1.`, `1e`, `1e+`, `-0.0e-0`, `1.5E+10`, `.5`, `+1`, `0x1`, `Infinity`, `NaN`,
		`"\x"`, `"\u12"`, `"\u12G4"`, `"\uABCD"`, "\"\x01\"", "\"\t\"", "\"\x7f\"", `"\`, `"abc`, `"\"`,
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\xff\"}",
		"\ufeff{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\x00",
		`{"jsonrpc":"2.0","id":1,"method":"ping"} {}`,
		`{"jsonrpc":"2.0","id":1,"method":"ping"}{"jsonrpc":"2.0","id":2,"method":"ping"}`,
		`{"jsonrpc":"2.0 ","id":1,"method":"ping"}`,
		`{"jsonrpc":"2.\u0030","id":1,"method":"ping"}`,
		`{"jsonrpc" : "2.0" , "id" : 1 , "method" : "ping" }`,
		`{"jsonrpc":"2.0","id":1,"method":""}`,
		`{"jsonrpc":"2.0","id":1,"method":null}`,
		`{"jsonrpc":"2.0","id":1,"method":"\u0000"}`,
		`{"jsonrpc":"2.0","id":1,"method":["x"]}`,
		`{"jsonrpc":"2.0","method":"x","result":1}`,
		`{"jsonrpc":"2.0","id":{},"method":"x","Params":1}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{"q":[` + strings.Repeat("1,", 1000) + `1]}}}`,
	}
	// Every prefix of a few messages: each cut is a different syntax error.
	for _, s := range []string{call, `[{"a":[1,-2.5e+3,true,null,"\u00e9\n"]},{"b":{}}]`} {
		for i := range len(s) {
			list = append(list, s[:i])
		}
	}
	return list
}

// TestDecodeEquivalence: the one-pass decoder and the reference agree on
// every hostile body: admitted or not, the error and every decoded field.
func TestDecodeEquivalence(t *testing.T) {
	for _, s := range hostile() {
		if msg := differ([]byte(s)); msg != "" {
			t.Errorf("%.120q: %s", s, msg)
		}
	}
}

// FuzzDecodeEquivalence: the same, on whatever the fuzzer makes of the
// battery.
func FuzzDecodeEquivalence(f *testing.F) {
	for _, s := range hostile() {
		if len(s) < 4096 {
			f.Add([]byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if msg := differ(data); msg != "" {
			t.Fatalf("%q: %s", data, msg)
		}
	})
}

// differ describes how Decode and refDecode disagree on body, or "".
func differ(body []byte) string {
	want, werr := refDecode(slices.Clone(body))
	got, gerr := Decode(body)
	if (werr == nil) != (gerr == nil) {
		return fmt.Sprintf("error %v, reference %v", gerr, werr)
	}
	if werr != nil {
		return differErr(body, gerr.(*Error), werr.(*Error))
	}
	if got.Batch != want.Batch || len(got.Messages) != len(want.Messages) || len(got.Errors) != len(want.Errors) {
		return fmt.Sprintf("got %+v, reference %+v", got, want)
	}
	for i := range want.Messages {
		g, w := got.Messages[i], want.Messages[i]
		if (g == nil) != (w == nil) {
			return fmt.Sprintf("message %d: %+v, reference %+v", i, g, w)
		}
		if w != nil {
			if msg := differQuery(g); msg != "" {
				return fmt.Sprintf("message %d: %s", i, msg)
			}
			if g.Kind != w.Kind || g.Method != w.Method || g.Name != w.Name || g.HasName != w.HasName ||
				g.ProtocolVersion != w.ProtocolVersion || !sameRaw(g.ID, w.ID) || !sameRaw(g.Params, w.Params) ||
				!bytes.Equal(g.Raw, w.Raw) {
				return fmt.Sprintf("message %d: %+v, reference %+v", i, g, w)
			}
		}
		if (got.Errors[i] == nil) != (want.Errors[i] == nil) {
			return fmt.Sprintf("error %d: %v, reference %v", i, got.Errors[i], want.Errors[i])
		}
		if want.Errors[i] != nil {
			if msg := differErr(want.Messages[i].rawOr(body), got.Errors[i], want.Errors[i]); msg != "" {
				return fmt.Sprintf("error %d: %s", i, msg)
			}
		}
	}
	return ""
}

func (m *Message) rawOr(b []byte) []byte {
	if m != nil {
		return m.Raw
	}
	return b
}

func sameRaw(a, b []byte) bool { return (a == nil) == (b == nil) && bytes.Equal(a, b) }

// differErr compares two errors. The reference names a misspelt member
// by map order when a message has several: any of its answers will do.
func differErr(body []byte, g, w *Error) string {
	if g.Code != w.Code || !sameRaw(g.ID, w.ID) {
		return fmt.Sprintf("error %d %q id %s, reference %d %q id %s", g.Code, g.Message, g.ID, w.Code, w.Message, w.ID)
	}
	if g.Message == w.Message {
		return ""
	}
	if strings.Contains(w.Message, "member names are case-sensitive") {
		for range 200 {
			_, err := refDecode(body)
			var e *Error
			if err != nil {
				e = err.(*Error)
			} else if b, _ := refDecode(body); b != nil {
				for _, be := range b.Errors {
					if be != nil && strings.Contains(be.Message, "case-sensitive") && be.Message == g.Message {
						return ""
					}
				}
			}
			if e != nil && e.Message == g.Message {
				return ""
			}
		}
	}
	return fmt.Sprintf("message %q, reference %q", g.Message, w.Message)
}

// differQuery checks Message.Query against what the query log read before
// the decoder noted it: params decoded by encoding/json into
// {arguments: {query any}}, a string query counting.
func differQuery(m *Message) string {
	var p struct {
		Arguments struct {
			Query any `json:"query"`
		} `json:"arguments"`
	}
	var want string
	wantOK := false
	if m.Params != nil && json.Unmarshal(m.Params, &p) == nil {
		want, wantOK = p.Arguments.Query.(string)
	}
	got, gotOK := String(m.Query)
	if got != want || gotOK != wantOK {
		return fmt.Sprintf("query %q %v (raw %s), encoding/json %q %v", got, gotOK, m.Query, want, wantOK)
	}
	return ""
}
