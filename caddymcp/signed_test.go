package caddymcp

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/certmagic"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/sessiontoken"
)

const signedInit = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`

// rawMCP posts one message to /mcp with session id (if any) and returns the
// status and the session id header of the answer.
func rawMCP(t *testing.T, hc *http.Client, base, method, id, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, base+"/mcp", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if id != "" {
		req.Header.Set("Mcp-Session-Id", id)
		req.Header.Set("MCP-Protocol-Version", "2025-03-26")
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Mcp-Session-Id")
}

const toolsList = `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`

// TestSignedSessionSurvivesRestart: a streamable session id is signed with
// a key kept in Caddy's storage, so a new process (or another instance) on
// the same storage accepts it; the id carries the negotiated revision.
// Before signed ids, a restart answered 404.
func TestSignedSessionSurvivesRestart(t *testing.T) {
	s := startSite(t, false, "mcp {\n\t\tsource INDEX\n\t}", "")
	hc := s.httpClient(t)
	status, id := rawMCP(t, hc, s.base, http.MethodPost, "", signedInit)
	if status != http.StatusOK || !strings.HasPrefix(id, sessiontoken.Prefix) {
		t.Fatalf("initialize: %d, id %q", status, id)
	}
	keyFile := filepath.Join(s.storage, filepath.FromSlash(sessiontoken.KeyName))
	key, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatalf("signing key not in storage: %v", err)
	}
	// Verified with the site's key, derived from the stored one.
	k, _ := sessiontoken.LoadOrCreateKey(t.Context(), s.certmagicStorage(), sessiontoken.KeyName)
	signer, _ := sessiontoken.NewSigner(k)
	var tableKey string
	sessionPool.Range(func(key, _ any) bool { tableKey = key.(string); return false })
	sess, err := signer.Derive(tableKey).Verify(id, time.Now())
	if err != nil || sess.Protocol != "2025-03-26" || sess.Expires.Sub(sess.Issued) != signedSessionLifetime {
		t.Fatalf("token %+v (%v): want revision 2025-03-26 and a %v lifetime", sess, err, signedSessionLifetime)
	}

	// A new Caddy run (a new config, its handler and table are new) on the
	// same storage.
	if err := caddy.Stop(); err != nil {
		t.Fatal(err)
	}
	s.port = freePort(t)
	load(t, s.caddyfile(false, "mcp {\n\t\tsource "+s.index+"\n\t}", ""))
	hc = s.httpClient(t)
	if status, _ := rawMCP(t, hc, s.base, http.MethodPost, id, toolsList); status != http.StatusOK {
		t.Fatalf("after a restart on the same storage: %d, want 200", status)
	}
	if after, _ := os.ReadFile(keyFile); !bytes.Equal(after, key) {
		t.Fatal("the restart replaced the signing key")
	}
}

// TestSignedSessionRefused: forged, foreign and deleted ids get 404.
func TestSignedSessionRefused(t *testing.T) {
	s := startSite(t, false, "mcp {\n\t\tsource INDEX\n\t}", "")
	hc := s.httpClient(t)
	_, id := rawMCP(t, hc, s.base, http.MethodPost, "", signedInit)
	other, _ := sessiontoken.NewSigner(bytes.Repeat([]byte{1}, sessiontoken.KeySize))
	now := time.Now()
	foreign := other.Mint(sessiontoken.Session{Issued: now, Expires: now.Add(time.Hour)})
	for name, bad := range map[string]string{
		"unsigned uuid": sessionPrefix + "6f1c4c55-9b7b-3a1d-4f0d-2c11b3b7b0e2",
		"other key":     foreign,
		"tampered":      id[:len(id)-2] + map[bool]string{true: "AA", false: "BB"}[!strings.HasSuffix(id, "AA")],
	} {
		if status, _ := rawMCP(t, hc, s.base, http.MethodPost, bad, toolsList); status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", name, status)
		}
	}
	if status, _ := rawMCP(t, hc, s.base, http.MethodPost, id, toolsList); status != http.StatusOK {
		t.Fatalf("the genuine id: %d", status)
	}
	if status, _ := rawMCP(t, hc, s.base, http.MethodDelete, id, ""); status != http.StatusOK {
		t.Fatalf("DELETE: %d", status)
	}
	if status, _ := rawMCP(t, hc, s.base, http.MethodPost, id, toolsList); status != http.StatusNotFound {
		t.Fatalf("after DELETE: %d, want 404", status)
	}
	// The revocation is in storage for the other instances.
	keys, _ := s.certmagicStorage().List(t.Context(), sessiontoken.RevokedPrefix, false)
	if len(keys) != 1 {
		t.Fatalf("revocation records: %v, want 1", keys)
	}
}

// certmagicStorage is the site's storage as certmagic sees it.
func (s *site) certmagicStorage() *certmagic.FileStorage {
	return &certmagic.FileStorage{Path: s.storage}
}

// sessionHeld reports whether any session table holds an entry for id
// (without rebuilding one from a signed id, as a request would).
func sessionHeld(id string) bool {
	held := false
	sessionPool.Range(func(_, v any) bool {
		held = v.(*sessionTable).held(id) != nil
		return !held
	})
	return held
}
