package adminapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/caddyserver/caddy/v2"
	_ "github.com/caddyserver/caddy/v2/modules/filestorage"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/corpus"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// remote serves an index.json whose page count the test changes.
type remote struct {
	mu    sync.Mutex
	pages int
	fail  bool
}

func (s *remote) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	n, fail := s.pages, s.fail
	s.mu.Unlock()
	if fail {
		http.Error(w, "down", http.StatusBadGateway)
		return
	}
	var parts []string
	for i := range n {
		parts = append(parts, fmt.Sprintf(`{"title":"T%d","permalink":"https://d.test/p%d/","contents":"text %d"}`, i, i, i))
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, n))
	io.WriteString(w, "["+strings.Join(parts, ",")+"]")
}

func (s *remote) set(n int, fail bool) {
	s.mu.Lock()
	s.pages, s.fail = n, fail
	s.mu.Unlock()
}

// TestAdminEndpoints runs a real Caddy with only its admin API on a free
// loopback port: the module must be picked up from the registry, list the
// open corpora and refresh them on POST.
func TestAdminEndpoints(t *testing.T) {
	site := &remote{pages: 2}
	srv := httptest.NewServer(site)
	defer srv.Close()
	c, err := corpus.Open(context.Background(), corpus.Options{
		Name:    "admin-test",
		Specs:   []source.Spec{{Location: srv.URL + "/index.json"}},
		Refresh: corpus.Off,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	addr := freeAddr(t)
	cfg := fmt.Sprintf(`{"admin":{"listen":"tcp/%s","config":{"persist":false}},
		"storage":{"module":"file_system","root":%q}}`, addr, t.TempDir())
	if err := caddy.Load([]byte(cfg), true); err != nil {
		t.Fatal(err)
	}
	defer caddy.Stop()
	base := "http://" + addr

	call := func(method, path string, wantCode int) []corpus.Status {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != wantCode {
			t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, body, wantCode)
		}
		if wantCode != http.StatusOK {
			return nil
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("content type %q", ct)
		}
		var out []corpus.Status
		if err := json.Unmarshal(body, &out); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		return out
	}
	find := func(list []corpus.Status) corpus.Status {
		t.Helper()
		for _, st := range list {
			if st.Name == "admin-test" {
				return st
			}
		}
		t.Fatalf("admin-test not in %+v", list)
		return corpus.Status{}
	}

	st := find(call("GET", "/mcp/sources", 200))
	if st.Pages != 2 || st.Builds != 1 || len(st.Sources) != 1 || st.Sources[0].Pages != 2 ||
		st.Sources[0].ETag != `"2"` || st.Sources[0].LastSuccess.IsZero() || st.IndexedAt.IsZero() {
		t.Fatalf("sources: %+v", st)
	}

	site.set(5, false)
	st = find(call("POST", "/mcp/reindex?corpus=admin-test", 200))
	if st.Pages != 5 || st.Builds != 2 || st.Sources[0].LastResult != corpus.ResultUpdated {
		t.Fatalf("after reindex: %+v", st)
	}
	if c.Index().Len() != 5 {
		t.Fatalf("corpus has %d pages", c.Index().Len())
	}

	site.set(9, true)
	st = find(call("POST", "/mcp/reindex", 200))
	if st.Pages != 5 || !strings.Contains(st.Sources[0].LastError, "502") {
		t.Fatalf("failed reindex: %+v", st)
	}
	if got := find(call("GET", "/mcp/sources?corpus=admin-test", 200)); got.Sources[0].LastError == "" {
		t.Fatal("error not visible in GET")
	}

	call("GET", "/mcp/sources?corpus=nope", http.StatusNotFound)
	call("POST", "/mcp/reindex?corpus=nope", http.StatusNotFound)
	call("GET", "/mcp/reindex", http.StatusMethodNotAllowed)
	call("DELETE", "/mcp/sources", http.StatusMethodNotAllowed)

	c.Close()
	for _, st := range call("GET", "/mcp/sources", 200) {
		if st.Name == "admin-test" {
			t.Fatal("closed corpus still listed")
		}
	}
}
