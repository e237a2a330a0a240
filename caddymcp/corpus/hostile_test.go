package corpus

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/loader"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// scripted is a loader whose loads a test scripts: pages, or a panic.
type scripted struct {
	spec  source.Spec
	panic atomic.Bool
	n     atomic.Int32
}

func (s *scripted) Spec() source.Spec { return s.spec }
func (s *scripted) Kind() source.Kind { return source.KindIndexJSON }
func (s *scripted) Name() string      { return "index_json:scripted" }
func (s *scripted) Remote() bool      { return false }
func (s *scripted) Load(context.Context) (loader.Result, error) {
	if s.panic.Load() {
		panic("hostile document")
	}
	i := s.n.Add(1)
	return loader.Result{Pages: []source.Page{{ID: "x/" + string(rune('a'+i)), Title: "Page", URL: "https://x/", Sections: []source.Section{{Text: "text"}}}}}, nil
}

// TestPanickingLoadKeepsIndex (issue 9 item 8): a load that panics on a
// hostile document is an error of that source; the last good index stays.
func TestPanickingLoadKeepsIndex(t *testing.T) {
	ld := &scripted{spec: source.Spec{Location: "scripted"}}
	core, logs := observer.New(zapcore.DebugLevel)
	c, err := Open(context.Background(), Options{
		Specs: []source.Spec{ld.spec}, Logger: zap.New(core), Watch: Off, Refresh: Off,
		resolve: func(source.Spec, loader.Options) (loader.Loader, error) { return ld, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	before := c.Index()
	ld.panic.Store(true)
	st, err := c.Reindex(context.Background())
	if err == nil || !strings.Contains(err.Error(), "internal error: hostile document") {
		t.Fatalf("reindex err = %v", err)
	}
	if c.Index() != before || st.Sources[0].LastResult != ResultError || st.Sources[0].Pages != 1 {
		t.Fatalf("last good index not kept: %+v", st.Sources[0])
	}
	if logs.FilterMessageSnippet("keeping the last good pages").Len() != 1 {
		t.Errorf("panic not logged: %v", logs.All())
	}
}

// TestPanickingBuildKeepsIndex: a build that panics is recovered and
// logged; the last good index stays.
func TestPanickingBuildKeepsIndex(t *testing.T) {
	ld := &scripted{spec: source.Spec{Location: "scripted"}}
	core, logs := observer.New(zapcore.DebugLevel)
	var boom atomic.Bool
	c, err := Open(context.Background(), Options{
		Specs: []source.Spec{ld.spec}, Logger: zap.New(core), Watch: Off, Refresh: Off,
		resolve: func(source.Spec, loader.Options) (loader.Loader, error) { return ld, nil },
		build: func(p []source.Page) *search.Index {
			if boom.Load() {
				panic("index bug")
			}
			return search.Build(p)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	before, builds := c.Index(), c.Builds()
	boom.Store(true)
	if _, err := c.Reindex(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c.Index() != before || c.Builds() != builds {
		t.Fatal("a panicking build replaced the index")
	}
	if logs.FilterMessageSnippet("keeping the last good index").Len() != 1 {
		t.Errorf("build panic not logged: %v", logs.All())
	}
}

// TestParseDeadlineKeepsPages: a source that outlasts the parse deadline
// fails like a bad fetch; its last good pages stay.
func TestParseDeadlineKeepsPages(t *testing.T) {
	s := newSite(t, indexJSON(3, "a"))
	// 50ms: the 3-page body parses in microseconds even on a cold, loaded
	// machine (1ms was seen to fail there); the ~10 MB one takes far longer.
	c := openRemote(t, s, func(o *Options) { o.ParseTimeout = 50 * time.Millisecond })
	var big strings.Builder
	big.WriteString("[")
	for i := range 20000 {
		if i > 0 {
			big.WriteString(",")
		}
		b, _ := json.Marshal(map[string]string{"title": "T", "permalink": "https://d/p" + string(rune('a'+i%26)) + "/" + strings.Repeat("x", i%50), "contents": strings.Repeat("Heading\nSome words here.\n\n", 20)})
		big.Write(b)
	}
	big.WriteString("]")
	s.set([]byte(big.String()), `"v2"`)
	expectKept(t, c, 3, 1, "deadline")
}

// TestStatusAndLogsRedacted (issue 9 item 6): a remote location with user
// info and a token in its query appears nowhere in status or logs, and a
// local one shows its base name only.
func TestStatusAndLogsRedacted(t *testing.T) {
	s := newSite(t, indexJSON(2, "a"))
	u, _ := url.Parse(s.url("/index.json?access_token=T0KEN"))
	u.User = url.UserPassword("user", "pa55")
	dir := t.TempDir()
	writeFile(t, dir+"/guide.md", []byte("# Guide\n\ntext\n"), 0)
	core, logs := observer.New(zapcore.DebugLevel)
	c, err := Open(context.Background(), Options{
		Specs:  []source.Spec{{Location: u.String()}, {Location: dir, BaseURL: "https://d.test/"}},
		Logger: zap.New(core), Refresh: Off, Watch: Off,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s.setMode("500")
	c.Reindex(context.Background())
	st, _ := json.Marshal(c.Status())
	var all strings.Builder
	all.Write(st)
	for _, e := range logs.All() {
		all.WriteString(e.Message)
		for k, v := range e.ContextMap() {
			all.WriteString(k + "=" + strings.ReplaceAll(strings.TrimSpace(toString(v)), "\n", " "))
		}
	}
	for _, bad := range []string{"pa55", "T0KEN", "access_token", dir} {
		if strings.Contains(all.String(), bad) {
			t.Errorf("status or logs leak %q:\n%s", bad, all.String())
		}
	}
	if ss := c.Status().Sources; ss[1].Location != source.PublicLocation(dir) || ss[1].Kind != "site_root" || ss[0].LastError == "" {
		t.Errorf("sources %+v", ss)
	}
}

func toString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestStatusKindIsLoaderKind: docs.txt and guide.html remote sources are
// reported as what they are read as (llms_txt, html), not index_json.
func TestStatusKindIsLoaderKind(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/docs.txt", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("# Guide\n\ntext\n")) })
	mux.HandleFunc("/guide.html", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<html><head><title>Guide</title></head><body><main><p>hello</p></main></body></html>"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c, err := Open(context.Background(), Options{
		Specs:   []source.Spec{{Location: srv.URL + "/docs.txt"}, {Location: srv.URL + "/guide.html"}},
		Refresh: Off, Watch: Off,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	st := c.Status()
	if st.Sources[0].Kind != "llms_txt" || st.Sources[1].Kind != "html" {
		t.Errorf("kinds %q %q, want llms_txt html", st.Sources[0].Kind, st.Sources[1].Kind)
	}
}

// blocking is a loader whose loads wait for release (after the first).
type blocking struct {
	scripted
	started, release chan struct{}
}

func (b *blocking) Load(ctx context.Context) (loader.Result, error) {
	if b.n.Load() > 0 {
		b.started <- struct{}{}
		<-b.release
	}
	return b.scripted.Load(ctx)
}

// TestReindexGivesUpWhileParsing: a Reindex waiting behind a long load
// returns when its caller gives up, instead of pinning the admin request.
func TestReindexGivesUpWhileParsing(t *testing.T) {
	ld := &blocking{scripted: scripted{spec: source.Spec{Location: "slow"}}, started: make(chan struct{}), release: make(chan struct{})}
	c, err := Open(context.Background(), Options{
		Specs: []source.Spec{ld.spec}, Watch: Off, Refresh: Off,
		resolve: func(source.Spec, loader.Options) (loader.Loader, error) { return ld, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	first := make(chan error, 1)
	go func() { _, err := c.Reindex(context.Background()); first <- err }()
	<-ld.started
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	second := make(chan error, 1)
	go func() { _, err := c.Reindex(ctx); second <- err }()
	select {
	case err := <-second:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("second reindex: %v, want the caller's deadline", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("second reindex still waiting for the first one's load")
	}
	close(ld.release)
	select {
	case err := <-first:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("first reindex never finished")
	}
}
