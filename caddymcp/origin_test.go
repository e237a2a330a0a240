package caddymcp

import (
	"crypto/tls"
	"net/http/httptest"
	"testing"
)

func TestNormalizeOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"https://ChatGPT.com":       "https://chatgpt.com",
		"https://claude.ai:443":     "https://claude.ai",
		"http://localhost:6274":     "http://localhost:6274",
		"http://example.com:80/":    "http://example.com",
		"http://[::1]:8080":         "http://[::1]:8080",
		"chatgpt.com":               "",
		"https://a.example/path":    "",
		"https://u:p@a.example":     "",
		"ftp://a.example":           "",
		"null":                      "",
		"https://a.example?x=1":     "",
		"https://a.example#frag":    "",
		"https://":                  "",
		"https://a.example:8443/":   "https://a.example:8443",
		"HTTP://LOCALHOST:3000":     "http://localhost:3000",
		"https://[2001:db8::1]":     "https://[2001:db8::1]",
		"https://[2001:db8::1]:443": "https://[2001:db8::1]",
	} {
		got, err := normalizeOrigin(in)
		if (err != nil) != (want == "") || got != want {
			t.Errorf("normalizeOrigin(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestOriginPolicy(t *testing.T) {
	p, err := newOriginPolicy([]string{"https://chatgpt.com", "http://localhost:6274"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		host, origin string
		tls          bool
		want         bool
	}{
		{"docs.example.com", "", true, true},
		{"docs.example.com", "https://chatgpt.com", true, true},
		{"docs.example.com", "http://localhost:6274", false, true},
		{"docs.example.com", "https://docs.example.com", true, true}, // same host, default port
		{"docs.example.com:8443", "https://docs.example.com:8443", true, true},
		{"docs.example.com:8443", "https://docs.example.com", true, false}, // other port
		{"docs.example.com", "https://docs.example.com:8443", true, false},
		{"docs.example.com", "https://evil.example", true, false},
		{"docs.example.com", "https://docs.example.com.evil.example", true, false},
		{"docs.example.com", "null", true, false},
		{"[::1]:8080", "http://[::1]:8080", false, true},
		{"127.0.0.1:8080", "http://127.0.0.1:8080", false, true},
		{"localhost:8080", "http://localhost:8080", false, true},
		{"localhost:8080", "http://localhost:6275", false, false},
		// DNS rebinding: a page on evil.example rebound to this server
		// sends a matching Host and Origin over plain HTTP. Same-host only
		// counts over TLS or on loopback names; list other origins.
		{"evil.example:8080", "http://evil.example:8080", false, false},
		{"docs.example.com", "http://docs.example.com", false, false},
	} {
		r := httptest.NewRequest("POST", "/mcp", nil)
		r.Host = tc.host
		if tc.tls {
			r.TLS = &tls.ConnectionState{}
		}
		if tc.origin != "" {
			r.Header.Set("Origin", tc.origin)
		}
		if got := p.allow(r); got != tc.want {
			t.Errorf("Host %q Origin %q: allow = %v, want %v", tc.host, tc.origin, got, tc.want)
		}
	}
	any, _ := newOriginPolicy([]string{"*"})
	r := httptest.NewRequest("POST", "/mcp", nil)
	r.Header.Set("Origin", "https://anything.example")
	if !any.allow(r) {
		t.Error(`"*" did not allow an origin`)
	}
}
