package sessiontoken

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func testSigner(t testing.TB) *Signer {
	t.Helper()
	s, err := NewSigner(bytes.Repeat([]byte{7}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testSession() Session {
	var id ID
	rand.Read(id[:])
	now := time.Unix(1_800_000_000, 0)
	return Session{ID: id, Protocol: "2025-06-18", Issued: now, Expires: now.Add(24 * time.Hour)}
}

func TestRoundTrip(t *testing.T) {
	s := testSigner(t)
	want := testSession()
	tok := s.Mint(want)
	if !strings.HasPrefix(tok, Prefix) {
		t.Fatalf("token %q lacks the prefix", tok)
	}
	for _, c := range tok {
		if c < 0x21 || c > 0x7e {
			t.Fatalf("token has %q: session ids must be visible ASCII", c)
		}
	}
	got, err := s.Verify(tok, want.Issued.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != want.ID || got.Protocol != want.Protocol || !got.Issued.Equal(want.Issued) || !got.Expires.Equal(want.Expires) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	t.Logf("token length %d: %s", len(tok), tok)
}

// TestTamperedOrForeign: any changed byte, and any other key, fails.
func TestTamperedOrForeign(t *testing.T) {
	s := testSigner(t)
	sess := testSession()
	now := sess.Issued
	tok := s.Mint(sess)
	raw, _ := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(tok, Prefix))
	for i := range raw {
		bad := bytes.Clone(raw)
		bad[i] ^= 1
		if _, err := s.Verify(Prefix+base64.RawURLEncoding.EncodeToString(bad), now); err == nil {
			t.Fatalf("flipping byte %d still verifies", i)
		}
	}
	other, _ := NewSigner(bytes.Repeat([]byte{8}, KeySize))
	if _, err := other.Verify(tok, now); !errors.Is(err, ErrSignature) {
		t.Fatalf("another key: err = %v, want ErrSignature", err)
	}
}

func TestExpired(t *testing.T) {
	s := testSigner(t)
	sess := testSession()
	tok := s.Mint(sess)
	if _, err := s.Verify(tok, sess.Expires.Add(-time.Second)); err != nil {
		t.Fatalf("a second before expiry: %v", err)
	}
	if _, err := s.Verify(tok, sess.Expires); !errors.Is(err, ErrExpired) {
		t.Fatalf("at expiry: err = %v, want ErrExpired", err)
	}
}

func TestMalformed(t *testing.T) {
	s := testSigner(t)
	sess := testSession()
	sess.Protocol = strings.Repeat("x", maxProtocol+5)
	long := s.Mint(sess)
	if got, err := s.Verify(long, sess.Issued); err != nil || len(got.Protocol) != maxProtocol {
		t.Fatalf("longest valid token: %v", err)
	}
	for _, tok := range []string{
		"", Prefix, "mcp-session-" + "b3b7b0e2-6f1c-4c55-9b7b-3a1d4f0d2c11", // an old UUID id
		Prefix + "!!!!", Prefix + strings.Repeat("A", 10_000), long + "AA",
		Prefix + base64.RawURLEncoding.EncodeToString(make([]byte, fixedSize+macSize)), // version 0
	} {
		if _, err := s.Verify(tok, time.Time{}); !errors.Is(err, ErrMalformed) {
			t.Errorf("Verify(%.40q) = %v, want ErrMalformed", tok, err)
		}
	}
	if _, err := NewSigner(make([]byte, 16)); err == nil {
		t.Fatal("a 16-byte key was accepted")
	}
}

func FuzzVerify(f *testing.F) {
	s := testSigner(f)
	f.Add(s.Mint(testSession()))
	f.Add(Prefix + "AQ")
	f.Fuzz(func(t *testing.T, tok string) {
		if sess, err := s.Verify(tok, time.Time{}); err == nil && s.Mint(sess) != tok {
			t.Fatalf("%q verified but is not what Mint makes of its session", tok)
		}
	})
}

// BenchmarkValidate compares the per-request cost of checking a signed
// session id (decode + HMAC-SHA256 + constant-time compare) with the
// in-memory session table lookup it replaces (a sync.Map of 10k ids).
func BenchmarkValidate(b *testing.B) {
	s := testSigner(b)
	sess := testSession()
	tok := s.Mint(sess)
	now := sess.Issued
	b.Run("signed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Verify(tok, now); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("signed+revocation_check", func(b *testing.B) {
		r := NewRevocations(nil, 0)
		b.ReportAllocs()
		for b.Loop() {
			got, err := s.Verify(tok, now)
			if err != nil || r.Revoked(got.ID) {
				b.Fatal(err)
			}
		}
	})
	b.Run("syncmap", func(b *testing.B) {
		var m sync.Map
		ids := make([]string, 10_000)
		for i := range ids {
			ids[i] = s.Mint(testSession())
			m.Store(ids[i], new(struct{ lastSeen int64 }))
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, ok := m.Load(ids[i%len(ids)]); !ok {
				b.Fatal("missing")
			}
			i++
		}
	})
}

// TestDerive: a derived signer is deterministic per scope (every instance
// derives the same one) and tokens do not cross scopes.
func TestDerive(t *testing.T) {
	a1, a2 := testSigner(t).Derive("site a"), testSigner(t).Derive("site a")
	b := testSigner(t).Derive("site b")
	sess := testSession()
	tok := a1.Mint(sess)
	if _, err := a2.Verify(tok, sess.Issued); err != nil {
		t.Fatalf("same scope, another instance: %v", err)
	}
	if _, err := b.Verify(tok, sess.Issued); !errors.Is(err, ErrSignature) {
		t.Fatalf("another scope: err = %v, want ErrSignature", err)
	}
	if _, err := testSigner(t).Verify(tok, sess.Issued); !errors.Is(err, ErrSignature) {
		t.Fatalf("the underived key: err = %v, want ErrSignature", err)
	}
}
