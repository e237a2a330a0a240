package caddymcp

import (
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"golang.org/x/crypto/bcrypt"
)

// TestLLMSRebinding: a DNS-rebinding page reads nothing from a plain-HTTP
// `:port` site on loopback, llms paths included. Its same-origin GET has no
// Origin, only "Sec-Fetch-Site: same-origin" and the attacker's Host. (On
// 3a85611 /llms-full.txt answered 200 to all of these.)
func TestLLMSRebinding(t *testing.T) {
	s := newSiteDir(t)
	s.port = freePort(t)
	s.base = fmt.Sprintf("http://127.0.0.1:%d", s.port)
	load(t, s.globalOptions("")+fmt.Sprintf("http://:%d {\n\tbind 127.0.0.1\n\tmcp {\n\t\tsource %s\n\t}\n}\n", s.port, s.index))
	t.Cleanup(func() { _ = caddy.Stop() })
	hc := s.httpClient(t)
	evil := fmt.Sprintf("evil.example:%d", s.port)
	for _, tc := range []struct {
		path string
		hdr  map[string]string
		want int
	}{
		{"/llms-full.txt", map[string]string{"Host": evil, "Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors"}, 403},
		{"/llms.txt", map[string]string{"Host": evil, "Sec-Fetch-Site": "same-origin"}, 403},
		{"/llms-full.txt", map[string]string{"Host": evil, "Sec-Fetch-Site": "same-site"}, 403},
		{"/llms-full.txt", map[string]string{"Host": evil, "Origin": "http://" + evil}, 403},
		{"/llms.txt", map[string]string{"Origin": "https://evil.example"}, 403},
		{"/sse", map[string]string{"Host": evil, "Sec-Fetch-Site": "same-origin"}, 403},
		// Served: loopback names, a person's navigation, non-browser clients.
		{"/llms-full.txt", map[string]string{"Host": fmt.Sprintf("localhost:%d", s.port), "Sec-Fetch-Site": "same-origin"}, 200},
		{"/llms-full.txt", map[string]string{"Sec-Fetch-Site": "same-origin"}, 200},
		{"/llms-full.txt", map[string]string{"Host": evil, "Sec-Fetch-Site": "none", "Sec-Fetch-Mode": "navigate"}, 200},
		{"/llms-full.txt", map[string]string{"Host": "docs.example.com"}, 200},
	} {
		req, _ := http.NewRequest(http.MethodGet, s.base+tc.path, nil)
		for k, v := range tc.hdr {
			if k == "Host" {
				req.Host = v
			} else {
				req.Header.Set(k, v)
			}
		}
		resp, body := sendBounded(t, hc, req) // a wrongly opened /sse stream must not hang
		if resp.StatusCode != tc.want {
			t.Errorf("GET %s %v: %d, want %d (%.100s)", tc.path, tc.hdr, resp.StatusCode, tc.want, body)
		}
	}
	runBothTransports(t, hc, s.base)
}

// TestAuthReadmeExample: the README's auth example, as written, guards the
// llms paths too (/llms-full.txt is the whole index). The README of
// 3a85611 matched only /mcp /sse /message.
func TestAuthReadmeExample(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*(@mcp path [^\n]*)\n\s*basic_auth @mcp`).FindSubmatch(readme)
	if m == nil {
		t.Fatal("README has no `@mcp path ...` + `basic_auth @mcp` example")
	}
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	s := startSite(t, false, "mcp {\n\t\tsource INDEX\n\t}", fmt.Sprintf("%s\n\tbasic_auth @mcp {\n\t\talice %s\n\t}", m[1], hash))
	hc := s.httpClient(t)
	good := map[string]string{"Authorization": basicHeader("alice", "s3cret")}
	for _, path := range []string{"/llms.txt", "/llms-full.txt", "/sse"} {
		req, _ := http.NewRequest(http.MethodGet, s.base+path, nil)
		if resp, _ := send(t, hc, req, nil); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s without credentials: %d, want 401", path, resp.StatusCode)
		}
	}
	for _, path := range []string{"/mcp", "/message?sessionId=x"} {
		if resp, _ := post(t, hc, s.base+path, initBody, nil); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("POST %s without credentials: %d, want 401", path, resp.StatusCode)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, s.base+"/llms-full.txt", nil)
	if resp, body := send(t, hc, req, good); resp.StatusCode != 200 || !strings.Contains(string(body), "Gizmos") {
		t.Errorf("GET /llms-full.txt with credentials: %d %.100s", resp.StatusCode, body)
	}
}
