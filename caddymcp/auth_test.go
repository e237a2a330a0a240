package caddymcp

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"golang.org/x/crypto/bcrypt"
)

// mcp-go validates no credentials, so these tests prove the README's claim
// that Caddy's own auth handlers compose in front of `mcp` for every
// endpoint, including the legacy SSE message POSTs.

// basicHeader is an Authorization header value for HTTP basic auth.
func basicHeader(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// runBothWithHeaders runs initialize + tools on both transports, sending
// hdr with every request.
func runBothWithHeaders(t *testing.T, hc *http.Client, base string, hdr map[string]string) {
	t.Run("streamable", func(t *testing.T) {
		ctx := testCtx(t)
		c := newStreamableClient(t, ctx, base+"/mcp", hc, "2025-06-18", transport.WithHTTPHeaders(hdr))
		initialize(t, ctx, c, "2025-06-18")
		exercise(t, ctx, c)
	})
	t.Run("sse", func(t *testing.T) {
		ctx := testCtx(t)
		c := newSSEClient(t, ctx, base+"/sse", hc, transport.WithHeaders(hdr))
		initialize(t, ctx, c, "2024-11-05")
		exercise(t, ctx, c)
	})
}

// wantStatus sends req (after applying hdr) and checks the status code.
// The timeout ends the body read if an unguarded event stream answers.
func wantStatus(t *testing.T, hc *http.Client, req *http.Request, hdr map[string]string, want int) *http.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(req.Context(), 3*time.Second)
	defer cancel()
	resp, body := send(t, hc, req.WithContext(ctx), hdr)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d; body %q", req.Method, req.URL.Path, resp.StatusCode, want, body)
	}
	return resp
}

// openAuthedSSE opens an authenticated legacy SSE stream and returns the
// message URL from its endpoint event; the stream stays open until the
// test ends so the session stays valid.
func openAuthedSSE(t *testing.T, hc *http.Client, base string, hdr map[string]string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/sse", nil)
	req.Header.Set("Accept", "text/event-stream")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := hc.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /sse with credentials: status %d", resp.StatusCode)
	}
	endpoint := readEvent(t, bufio.NewReader(resp.Body))
	if !strings.Contains(endpoint, "sessionId=") {
		t.Fatalf("endpoint event %q has no sessionId", endpoint)
	}
	return base + endpoint
}

// TestAuthBasic: `basic_auth` (written after `mcp`, no route block: the
// directive order puts it first) guards /mcp, /sse and the SSE message
// POSTs, while a path outside the matcher stays public.
func TestAuthBasic(t *testing.T) {
	// MinCost keeps the test fast under -race; Caddy accepts any bcrypt cost.
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf("@mcp path /mcp /sse /message\n\tbasic_auth @mcp {\n\t\talice %s\n\t}", hash)
	s := startSite(t, false, "mcp {\n\t\tsource INDEX\n\t}", body)
	hc := s.httpClient(t)
	good := map[string]string{"Authorization": basicHeader("alice", "s3cret")}
	bad := map[string]string{"Authorization": basicHeader("alice", "wrong")}

	t.Run("rejected", func(t *testing.T) {
		for _, hdr := range []map[string]string{nil, bad} {
			req, _ := http.NewRequest(http.MethodPost, s.base+"/mcp", strings.NewReader(initBody))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			resp := wantStatus(t, hc, req, hdr, http.StatusUnauthorized)
			// What an MCP client sees: a Basic challenge, no RFC 9728
			// resource_metadata (that is for OAuth only).
			if got := resp.Header.Get("WWW-Authenticate"); got != `Basic realm="restricted"` {
				t.Fatalf("WWW-Authenticate = %q", got)
			}
			req, _ = http.NewRequest(http.MethodGet, s.base+"/sse", nil)
			req.Header.Set("Accept", "text/event-stream")
			wantStatus(t, hc, req, hdr, http.StatusUnauthorized)
		}
		req, _ := http.NewRequest(http.MethodGet, s.base+"/hello.txt", nil)
		wantStatus(t, hc, req, nil, http.StatusOK)
	})

	t.Run("mcp-go-client-without-credentials", func(t *testing.T) {
		ctx := testCtx(t)
		tr, err := transport.NewStreamableHTTP(s.base+"/mcp", transport.WithHTTPBasicClient(hc))
		if err != nil {
			t.Fatal(err)
		}
		c := client.NewClient(tr, client.WithProtocolVersion("2025-06-18"))
		if err := c.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_, err = c.Initialize(ctx, initRequest("2025-06-18"))
		var authErr *transport.AuthorizationRequiredError
		if !errors.As(err, &authErr) {
			t.Fatalf("initialize without credentials: %v (%T), want AuthorizationRequiredError", err, err)
		}
		if authErr.ResourceMetadataURL != "" {
			t.Fatalf("unexpected resource metadata URL %q", authErr.ResourceMetadataURL)
		}

		str, err := transport.NewSSE(s.base+"/sse", transport.WithHTTPClient(hc))
		if err != nil {
			t.Fatal(err)
		}
		sc := client.NewClient(str)
		err = sc.Start(ctx)
		if err == nil {
			sc.Close()
		}
		if !errors.As(err, &authErr) {
			t.Fatalf("SSE start without credentials: %v (%T), want AuthorizationRequiredError", err, err)
		}
	})

	t.Run("streamable-session-needs-credentials", func(t *testing.T) {
		resp, _ := post(t, hc, s.base+"/mcp", initBody, good)
		sid := resp.Header.Get("Mcp-Session-Id")
		if resp.StatusCode != http.StatusOK || sid == "" {
			t.Fatalf("initialize with credentials: status %d, session %q", resp.StatusCode, sid)
		}
		list := `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`
		resp, _ = post(t, hc, s.base+"/mcp", list, map[string]string{"Mcp-Session-Id": sid, "Mcp-Protocol-Version": "2025-06-18"})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("tools/list on a live session without credentials: status %d, want 401", resp.StatusCode)
		}
	})

	t.Run("sse-message-needs-credentials", func(t *testing.T) {
		msgURL := openAuthedSSE(t, hc, s.base, good)
		ping := `{"jsonrpc":"2.0","id":1,"method":"ping"}`
		for _, c := range []struct {
			hdr  map[string]string
			want int
		}{{nil, http.StatusUnauthorized}, {bad, http.StatusUnauthorized}, {good, http.StatusAccepted}} {
			req, _ := http.NewRequest(http.MethodPost, msgURL, strings.NewReader(ping))
			req.Header.Set("Content-Type", "application/json")
			wantStatus(t, hc, req, c.hdr, c.want)
		}
	})

	t.Run("with-credentials", func(t *testing.T) { runBothWithHeaders(t, hc, s.base, good) })
}

// bearerServer is a forward_auth target: 2xx for "Bearer good", 401 with a
// Bearer challenge without a token, 403 for any other token. It records
// what Caddy forwarded.
type bearerServer struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string // X-Forwarded-Method + X-Forwarded-Uri of each check
}

func newBearerServer(t *testing.T) *bearerServer {
	b := &bearerServer{}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		b.seen = append(b.seen, r.Header.Get("X-Forwarded-Method")+" "+r.Header.Get("X-Forwarded-Uri"))
		b.mu.Unlock()
		switch r.Header.Get("Authorization") {
		case "Bearer good":
			w.WriteHeader(http.StatusOK)
		case "":
			w.Header().Set("WWW-Authenticate", `Bearer realm="docs"`)
			http.Error(w, "token required", http.StatusUnauthorized)
		default:
			http.Error(w, "bad token", http.StatusForbidden)
		}
	}))
	t.Cleanup(b.Close)
	return b
}

// checked reports whether the auth server saw a check for method+uri prefix.
func (b *bearerServer) checked(prefix string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, s := range b.seen {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

// TestAuthForward: `forward_auth` to a bearer-token server guards both
// transports; the auth server's 401/403 reach the client unchanged.
func TestAuthForward(t *testing.T) {
	auth := newBearerServer(t)
	addr := strings.TrimPrefix(auth.URL, "http://")
	body := fmt.Sprintf("forward_auth %s {\n\t\turi /check\n\t}", addr)
	s := startSite(t, false, "mcp {\n\t\tsource INDEX\n\t}", body)
	hc := s.httpClient(t)

	t.Run("rejected", func(t *testing.T) {
		resp, b := post(t, hc, s.base+"/mcp", initBody, nil)
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != `Bearer realm="docs"` {
			t.Fatalf("no token: status %d, WWW-Authenticate %q, body %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), b)
		}
		resp, b = post(t, hc, s.base+"/mcp", initBody, map[string]string{"Authorization": "Bearer evil"})
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(b), "bad token") {
			t.Fatalf("wrong token: status %d, body %q", resp.StatusCode, b)
		}
		req, _ := http.NewRequest(http.MethodGet, s.base+"/sse", nil)
		wantStatus(t, hc, req, map[string]string{"Authorization": "Bearer evil"}, http.StatusForbidden)
	})

	t.Run("sse-message-needs-token", func(t *testing.T) {
		good := map[string]string{"Authorization": "Bearer good"}
		msgURL := openAuthedSSE(t, hc, s.base, good)
		req, _ := http.NewRequest(http.MethodPost, msgURL, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
		req.Header.Set("Content-Type", "application/json")
		wantStatus(t, hc, req, nil, http.StatusUnauthorized)
	})

	t.Run("with-token", func(t *testing.T) {
		runBothWithHeaders(t, hc, s.base, map[string]string{"Authorization": "Bearer good"})
	})

	for _, want := range []string{"POST /mcp", "GET /sse", "POST /message?sessionId="} {
		if !auth.checked(want) {
			t.Errorf("auth server never checked %q", want)
		}
	}
}

// initRequest is an initialize request for rev.
func initRequest(rev string) mcp.InitializeRequest {
	req := mcp.InitializeRequest{}
	req.Params.ProtocolVersion = rev
	req.Params.ClientInfo = mcp.Implementation{Name: "caddymcp-auth-test", Version: "1"}
	return req
}
