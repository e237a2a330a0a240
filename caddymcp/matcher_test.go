package caddymcp

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	_ "github.com/mholt/caddy-ratelimit" // test-only: per-tool limits through the matcher
)

// TestMatcherUnit: method and tool, case-sensitive, with the handler's
// decoder; the body stays intact for the handler.
func TestMatcherUnit(t *testing.T) {
	search := &MatchMCP{Methods: []string{"tools/call"}, Tools: []string{"search"}}
	anyCall := &MatchMCP{Tools: []string{"fetch"}}
	list := &MatchMCP{Methods: []string{"tools/list"}, MaxRequestBody: 256}
	for _, m := range []*MatchMCP{search, anyCall, list} {
		if err := m.Provision(caddy.Context{}); err != nil {
			t.Fatal(err)
		}
	}
	call := func(name string) string {
		return `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"` + name + `","arguments":{"query":"x"}}}`
	}
	for _, tc := range []struct {
		name string
		m    *MatchMCP
		body string
		hdr  map[string]string
		want bool
	}{
		{"search", search, call("search"), nil, true},
		{"fetch is not search", search, call("fetch"), nil, false},
		{"tool implies tools/call", anyCall, call("fetch"), nil, true},
		{"tools/list", list, listBody, nil, true},
		{"METHOD is not a method", list, `{"jsonrpc":"2.0","id":5,"METHOD":"tools/list"}`, nil, false},
		{"case-sensitive method", list, `{"jsonrpc":"2.0","id":5,"method":"Tools/List"}`, nil, false},
		{"NAME is not a name", search, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"NAME":"search"}}`, nil, false},
		{"duplicate name", search, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"fetch","name":"search"}}`, nil, false},
		{"batch with a match", search, "[" + ping + "," + call("search") + "]", nil, true},
		{"over the cap", list, `{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{"pad":"` + strings.Repeat("x", 300) + `"}}`, nil, false},
		{"modern headers agree", search, modernCall, modernHdr("tools/call", "search"), true},
		{"modern Mcp-Name disagrees", search, modernCall, modernHdr("tools/call", "fetch"), false},
		{"response", search, `{"jsonrpc":"2.0","id":1,"result":{}}`, nil, false},
	} {
		r := httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader(tc.body))
		for k, v := range tc.hdr {
			r.Header.Set(k, v)
		}
		got, err := tc.m.MatchWithError(r)
		if err != nil || got != tc.want {
			t.Errorf("%s: match %v (%v), want %v", tc.name, got, err, tc.want)
		}
		rest, _ := io.ReadAll(r.Body)
		if !bytes.Equal(rest, []byte(tc.body)) {
			t.Errorf("%s: body not restored: %q", tc.name, rest)
		}
	}
	if ok, _ := search.MatchWithError(httptest.NewRequest(http.MethodGet, "/mcp", nil)); ok {
		t.Error("GET matched")
	}
}

// TestMatcherCaddyfile: both forms parse; a tool without tools/call is a
// config error.
func TestMatcherCaddyfile(t *testing.T) {
	var m MatchMCP
	if err := m.UnmarshalCaddyfile(caddyfile.NewTestDispenser("mcp tools/call search fetch")); err != nil {
		t.Fatal(err)
	}
	if strings.Join(m.Methods, ",") != "tools/call" || strings.Join(m.Tools, ",") != "search,fetch" {
		t.Fatalf("%+v", m)
	}
	m = MatchMCP{}
	if err := m.UnmarshalCaddyfile(caddyfile.NewTestDispenser("mcp {\n method initialize tools/list\n tool x\n max_request_body 64KiB\n}")); err != nil {
		t.Fatal(err)
	}
	if len(m.Methods) != 2 || m.MaxRequestBody != 64<<10 || m.Validate() == nil {
		t.Fatalf("%+v, validate %v", m, m.Validate())
	}
	if err := (&MatchMCP{}).UnmarshalCaddyfile(caddyfile.NewTestDispenser("mcp {\n bogus\n}")); err == nil {
		t.Fatal("unknown option accepted")
	}
}

// TestMatcherRateLimit: caddy-ratelimit with the mcp matcher limits
// tools/call per client while initialize and tools/list go untouched, and
// the limited calls never reach the handler's body (the body read by the
// matcher is intact for the calls that pass).
func TestMatcherRateLimit(t *testing.T) {
	body := `rate_limit {
		zone tool_calls {
			match {
				mcp tools/call
			}
			key    {client_ip}
			events 2
			window 1m
		}
	}`
	s := startSite(t, false, "mcp {\n\t\tsource INDEX\n\t}", body)
	hc := s.httpClient(t)
	id := openSession(t, hc, s.base, "2025-06-18")
	hdr := map[string]string{"Mcp-Session-Id": id, "MCP-Protocol-Version": "2025-06-18"}
	call := `{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"search","arguments":{"query":"gizmo"}}}`
	for i := range 2 {
		resp, b := post(t, hc, s.base+"/mcp", call, hdr)
		if resp.StatusCode != 200 || !strings.Contains(string(b), "Gizmos") {
			t.Fatalf("call %d: %d %s", i, resp.StatusCode, b)
		}
	}
	resp, b := post(t, hc, s.base+"/mcp", call, hdr)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("third call: %d %s, want 429 with Retry-After", resp.StatusCode, b)
	}
	// A case variant must not slip past the limit to be run as tools/call.
	resp, _ = post(t, hc, s.base+"/mcp", strings.Replace(call, `"method"`, `"METHOD"`, 1), hdr)
	if resp.StatusCode == 200 {
		t.Fatal("METHOD variant was served past the limit")
	}
	for i := range 5 {
		if resp, b := post(t, hc, s.base+"/mcp", listBody, hdr); resp.StatusCode != 200 || !strings.Contains(string(b), `"search"`) {
			t.Fatalf("tools/list %d: %d %s", i, resp.StatusCode, b)
		}
		if resp, b := post(t, hc, s.base+"/mcp", initBody, nil); resp.StatusCode != 200 {
			t.Fatalf("initialize %d: %d %s", i, resp.StatusCode, b)
		}
	}
}
