package jsonrpc

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestDecodeRejects: every row is a message encoding/json (and so mcp-go)
// would read differently from a case-sensitive reader, or one the spec
// forbids; each must be refused with the right code.
func TestDecodeRejects(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		code       int
	}{
		{"empty", ``, CodeParseError},
		{"truncated", `{"jsonrpc":"2.0","id":1,"method":`, CodeParseError},
		{"trailing data", `{"jsonrpc":"2.0","id":1,"method":"ping"} {}`, CodeParseError},
		{"two values", `{"jsonrpc":"2.0","id":1,"method":"ping"}{"jsonrpc":"2.0","id":2,"method":"ping"}`, CodeParseError},
		{"bad utf8", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\xff\"}", CodeParseError},
		{"BOM", "\ufeff{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", CodeParseError},
		{"null", `null`, CodeInvalidRequest},
		{"number", `1`, CodeInvalidRequest},
		{"string", `"ping"`, CodeInvalidRequest},
		{"empty batch", `[]`, CodeInvalidRequest},
		{"METHOD", `{"jsonrpc":"2.0","id":5,"METHOD":"tools/list"}`, CodeInvalidRequest},
		{"Method", `{"jsonrpc":"2.0","id":5,"Method":"tools/list"}`, CodeInvalidRequest},
		{"JSONRPC", `{"JSONRPC":"2.0","id":5,"method":"tools/list"}`, CodeInvalidRequest},
		{"Id", `{"jsonrpc":"2.0","Id":5,"method":"tools/list"}`, CodeInvalidRequest},
		{"PARAMS", `{"jsonrpc":"2.0","id":5,"method":"tools/call","PARAMS":{"name":"search"}}`, CodeInvalidRequest},
		{"long s", `{"jsonrpc":"2.0","id":5,"method":"tools/call","paramſ":{"name":"search"}}`, CodeInvalidRequest},
		{"kelvin", `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"search","arguments":{"K":1,"k":2}}}`, CodeInvalidRequest},
		{"params NAME", `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"NAME":"fetch"}}`, CodeInvalidRequest},
		{"dup method", `{"jsonrpc":"2.0","id":5,"method":"ping","method":"tools/call"}`, CodeInvalidRequest},
		{"case dup method", `{"jsonrpc":"2.0","id":5,"method":"ping","mEthod":"tools/call"}`, CodeInvalidRequest},
		{"dup name", `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"search","name":"fetch"}}`, CodeInvalidRequest},
		{"dup deep", `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"search","arguments":{"query":"a","Query":"b"}}}`, CodeInvalidRequest},
		{"no jsonrpc", `{"id":1,"method":"ping"}`, CodeInvalidRequest},
		{"jsonrpc 1.0", `{"jsonrpc":"1.0","id":1,"method":"ping"}`, CodeInvalidRequest},
		{"jsonrpc number", `{"jsonrpc":2.0,"id":1,"method":"ping"}`, CodeInvalidRequest},
		{"id object", `{"jsonrpc":"2.0","id":{},"method":"ping"}`, CodeInvalidRequest},
		{"id array", `{"jsonrpc":"2.0","id":[1],"method":"ping"}`, CodeInvalidRequest},
		{"id bool", `{"jsonrpc":"2.0","id":true,"method":"ping"}`, CodeInvalidRequest},
		{"id fraction", `{"jsonrpc":"2.0","id":1.5,"method":"ping"}`, CodeInvalidRequest},
		{"id exponent", `{"jsonrpc":"2.0","id":1e3,"method":"ping"}`, CodeInvalidRequest},
		{"id null", `{"jsonrpc":"2.0","id":null,"method":"ping"}`, CodeInvalidRequest},
		{"id huge", `{"jsonrpc":"2.0","id":9007199254740993,"method":"ping"}`, CodeInvalidRequest},
		{"method number", `{"jsonrpc":"2.0","id":1,"method":1}`, CodeInvalidRequest},
		{"method empty", `{"jsonrpc":"2.0","id":1,"method":""}`, CodeInvalidRequest},
		{"no method", `{"jsonrpc":"2.0","id":1}`, CodeInvalidRequest},
		{"result and error", `{"jsonrpc":"2.0","id":1,"result":{},"error":{}}`, CodeInvalidRequest},
		{"request with result", `{"jsonrpc":"2.0","id":1,"method":"ping","result":{}}`, CodeInvalidRequest},
		{"params array", `{"jsonrpc":"2.0","id":1,"method":"ping","params":[1]}`, CodeInvalidRequest},
		{"name not string", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":7}}`, CodeInvalidRequest},
		{"too many", "[" + strings.Repeat(`{"jsonrpc":"2.0","method":"notifications/initialized"},`, MaxBatch) + `{"jsonrpc":"2.0","method":"x"}]`, CodeInvalidRequest},
		{"deep", strings.Repeat("[", 20000) + strings.Repeat("]", 20000), CodeParseError},
	} {
		_, err := Decode([]byte(tc.body))
		e, ok := err.(*Error)
		if !ok || e.Code != tc.code {
			t.Errorf("%s: got %v, want code %d", tc.name, err, tc.code)
		}
	}
}

// TestDecodeAccepts: what real clients send is admitted and read right.
func TestDecodeAccepts(t *testing.T) {
	for _, tc := range []struct {
		body, method, name, tool string
		kind                     Kind
	}{
		{`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{"query":"x","Name":"y"}}}`, "tools/call", "search", "search", KindRequest},
		{` {"jsonrpc":"2.0","id":"a-1","method":"resources/read","params":{"uri":"docs://status"}} `, "resources/read", "docs://status", "", KindRequest},
		{`{"jsonrpc":"2.0","method":"notifications/initialized"}`, "notifications/initialized", "", "", KindNotification},
		{`{"jsonrpc":"2.0","id":-9007199254740991,"method":"ping","params":null}`, "ping", "", "", KindRequest},
		{`{"jsonrpc":"2.0","id":3,"result":{}}`, "", "", "", KindResponse},
		{`{"jsonrpc":"2.0","id":null,"error":{"code":-1,"message":"x"}}`, "", "", "", KindResponse},
		{`{"jsonrpc":"2.0","id":1,"method":"x","extension":1}`, "x", "", "", KindRequest},
	} {
		b, err := Decode([]byte(tc.body))
		if err != nil {
			t.Errorf("%s: %v", tc.body, err)
			continue
		}
		m := b.Messages[0]
		if b.Batch || m.Method != tc.method || m.Name != tc.name || m.Tool() != tc.tool || m.Kind != tc.kind {
			t.Errorf("%s: got %+v", tc.body, m)
		}
	}
}

// TestDecodeBatch: a batch is read message by message, bad ones get their
// own error with their id when it could be read.
func TestDecodeBatch(t *testing.T) {
	b, err := Decode([]byte(`[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"Method":"x"},7,{"jsonrpc":"2.0","method":"notifications/initialized"}]`))
	if err != nil {
		t.Fatal(err)
	}
	if !b.Batch || len(b.Messages) != 4 || b.Messages[0] == nil || b.Errors[0] != nil || b.Messages[3] == nil {
		t.Fatalf("%+v", b)
	}
	if b.Errors[1] == nil || string(b.Errors[1].ID) != "2" || b.Errors[2] == nil || b.Errors[2].ID != nil {
		t.Fatalf("errors: %+v %+v", b.Errors[1], b.Errors[2])
	}
	var resp struct {
		ID    int                `json:"id"`
		Error struct{ Code int } `json:"error"`
	}
	if err := json.Unmarshal(b.Errors[1].Response(), &resp); err != nil || resp.ID != 2 || resp.Error.Code != CodeInvalidRequest {
		t.Fatalf("response %s", b.Errors[1].Response())
	}
}

// TestCheckHeaders: 2026-07-28 requests' Mcp-Method and Mcp-Name must
// agree with the body; older revisions are not held to headers they lack.
func TestCheckHeaders(t *testing.T) {
	call := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}`
	old := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search"}}`
	for _, tc := range []struct {
		body   string
		hdr    map[string]string
		wantOK bool
	}{
		{call, map[string]string{"Mcp-Method": "tools/call", "Mcp-Name": "search", "Mcp-Protocol-Version": "2026-07-28"}, true},
		{call, map[string]string{"Mcp-Method": "tools/call", "Mcp-Name": "=?base64?c2VhcmNo?=", "Mcp-Protocol-Version": "2026-07-28"}, true},
		{call, map[string]string{"Mcp-Method": "tools/call", "Mcp-Name": "fetch", "Mcp-Protocol-Version": "2026-07-28"}, false},
		{call, map[string]string{"Mcp-Method": "tools/list", "Mcp-Name": "search"}, false},
		{call, map[string]string{"Mcp-Method": "tools/call"}, false},
		{call, nil, false},
		{old, map[string]string{"Mcp-Method": "tools/call", "Mcp-Name": "search", "Mcp-Protocol-Version": "2026-07-28"}, true},
		{old, map[string]string{"Mcp-Method": "tools/list", "Mcp-Protocol-Version": "2026-07-28"}, false},
		{old, map[string]string{"Mcp-Method": "tools/list", "Mcp-Protocol-Version": "2025-06-18"}, true},
		{`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}`, map[string]string{"Mcp-Protocol-Version": "2026-07-28"}, true},
		{`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}`, map[string]string{"Mcp-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call"}, false},
	} {
		b, err := Decode([]byte(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		h := http.Header{}
		for k, v := range tc.hdr {
			h.Set(k, v)
		}
		if e := CheckHeaders(h, b.Messages[0]); (e == nil) != tc.wantOK || (e != nil && e.Code != CodeHeaderMismatch) {
			t.Errorf("%s %v: %v", tc.body, tc.hdr, e)
		}
	}
}

// FuzzDecode: the decoder never panics, and whatever it admits, mcp-go's
// reading (encoding/json, case-insensitive, last duplicate wins) agrees on
// method, id and tool name.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{"query":"x"}}}`,
		`[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/initialized"}]`,
		`{"jsonrpc":"2.0","id":5,"METHOD":"tools/list"}`,
		`{"jsonrpc":"2.0","id":"x","method":"resources/read","params":{"uri":"docs://status"}}`,
		`{"jsonrpc":"2.0","id":1,"result":{}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Decode(data)
		if err != nil {
			return
		}
		for _, m := range b.Messages {
			if m == nil {
				continue
			}
			var seen struct {
				Method string          `json:"method"`
				ID     json.RawMessage `json:"id"`
				Params struct {
					Name string `json:"name"`
					URI  string `json:"uri"`
				} `json:"params"`
			}
			if err := json.Unmarshal(m.Raw, &seen); err != nil {
				t.Fatalf("admitted %q but encoding/json fails: %v", m.Raw, err)
			}
			if seen.Method != m.Method {
				t.Fatalf("method %q vs encoding/json %q in %q", m.Method, seen.Method, m.Raw)
			}
			if m.Kind == KindRequest && string(seen.ID) != string(m.ID) {
				t.Fatalf("id %s vs %s", m.ID, seen.ID)
			}
			if m.HasName && m.Name != seen.Params.Name && m.Name != seen.Params.URI {
				t.Fatalf("name %q vs %q/%q in %q", m.Name, seen.Params.Name, seen.Params.URI, m.Raw)
			}
		}
	})
}

// BenchmarkDecode: the strict decoder against the baseline of what mcp-go
// does anyway (one encoding/json pass into a struct), on a typical
// tools/call and on a 1 MiB worst case (an array of 256k numbers in the
// arguments: one token each for the duplicate walk).
func BenchmarkDecode(b *testing.B) {
	typical := []byte(`{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"name":"search","arguments":{"query":"configure reverse proxy headers","limit":10}}}`)
	worst := []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{"q":[` +
		strings.Repeat("1,", 256<<10) + `1]}}}`)
	var base struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      any             `json:"id"`
		Method  string          `json:"method"`
		Params  json.RawMessage `json:"params"`
	}
	for _, tc := range []struct {
		name string
		body []byte
	}{{"typical", typical}, {"worst1MiB", worst}} {
		b.Run(tc.name+"/encoding-json", func(b *testing.B) {
			b.SetBytes(int64(len(tc.body)))
			for b.Loop() {
				_ = json.Unmarshal(tc.body, &base)
			}
		})
		b.Run(tc.name+"/strict", func(b *testing.B) {
			b.SetBytes(int64(len(tc.body)))
			for b.Loop() {
				if _, err := Decode(tc.body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
