package search_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/search/evalset"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// persistPages is the Hugo corpus plus pages that reach the codec's odd
// corners: other languages (stemmer pointers), tags, fixed-zone and local
// times, a page without sections, an empty-but-not-nil slice.
func persistPages(t testing.TB) []source.Page {
	pages := loadHugo(t)
	extra := []source.Page{
		{ID: "x.test/fr/page", Title: "Les serveurs mandataires", URL: "https://x.test/fr/page", Path: "fr/page", Lang: "fr",
			Tags: []string{"proxy", "réseau"}, LastMod: time.Date(2024, 3, 1, 10, 0, 0, 5, time.FixedZone("", 2*3600)),
			Sections: []source.Section{{Text: "Configurer les serveurs mandataires inverses."}}},
		{ID: "x.test/zz/page", Title: "Ohne Stemmer", URL: "https://x.test/zz/page", Path: "zz/page", Lang: "de",
			Tags: []string{}, LastMod: time.Date(2023, 1, 1, 0, 0, 0, 0, time.Local),
			Sections: []source.Section{{Text: "Keine Wortstämme."}, {Heading: "Zwei", Anchor: "zwei", Level: 2, Text: "zweiter Abschnitt"}}},
		{ID: "x.test/empty", Title: "Only a title", URL: "https://x.test/empty", Path: "empty",
			LastMod: time.Date(2022, 5, 6, 7, 8, 9, 0, time.FixedZone("CEST", 7200))},
	}
	return append(pages, extra...)
}

func encode(t testing.TB, ix *search.Index) []byte {
	t.Helper()
	var buf bytes.Buffer
	n, err := ix.WriteTo(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(buf.Len()) {
		t.Fatalf("WriteTo reported %d bytes, wrote %d", n, buf.Len())
	}
	return buf.Bytes()
}

// TestPersistRoundTrip proves the decoded index is the built one: equal in
// every field, unexported ones included (so a field added to Index that the
// codec missed fails here), and answering every judged query identically.
func TestPersistRoundTrip(t *testing.T) {
	orig := search.Build(persistPages(t))
	data := encode(t, orig)
	got, err := search.ReadIndex(data)
	if err != nil {
		t.Fatal(err)
	}
	// Compared before either is searched: the query scratch pool is runtime
	// state that the round trip leaves empty.
	if !reflect.DeepEqual(orig, got) {
		t.Fatal("decoded index differs from the built one")
	}
	// Encoding the decoded index again gives a file of the same size (map
	// order may differ, so not the same bytes).
	if again := encode(t, got); len(again) != len(data) {
		t.Fatalf("re-encoded size %d, first %d", len(again), len(data))
	}
	files, _ := filepath.Glob("../../testdata/queries/*.json")
	n := 0
	for _, f := range files {
		set, err := evalset.Load(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, q := range set.Queries {
			queries := []search.Query{{Text: q.Q}}
			if i%4 == 0 {
				queries = append(queries, search.Query{Text: q.Q, Limit: 5, Offset: 3, NoSnippets: true, Explain: true})
			}
			for _, query := range queries {
				a, b := resultKey(orig.Search(query)), resultKey(got.Search(query))
				if a != b {
					t.Fatalf("%q: results differ\nbuilt:   %s\ndecoded: %s", q.Q, a, b)
				}
				n++
			}
		}
	}
	if n < 150 {
		t.Fatalf("only %d queries compared", n)
	}
	t.Logf("%d pages, %d bytes, %d queries identical", orig.Len(), len(data), n)
}

// resultKey is everything a result says, with pages by ID (the two indexes
// hold equal pages at different addresses).
func resultKey(r search.Result) string {
	s := fmt.Sprintf("total %d fuzzy %v corrected %v", r.Total, r.Fuzzy, r.Corrected)
	for _, h := range r.Hits {
		h2 := h
		h2.Page, h2.Explain = nil, nil
		s += fmt.Sprintf("\n%s %+v", h.Page.ID, h2)
		if h.Explain != nil {
			s += fmt.Sprintf(" explain %+v", *h.Explain)
		}
	}
	return s
}

// TestPersistDetectsDamage: a flipped byte anywhere, a truncated file and a
// file from another engine version are all refused with the right error,
// never decoded into an index.
func TestPersistDetectsDamage(t *testing.T) {
	data := encode(t, search.Build(persistPages(t)))
	mutate := func(f func([]byte) []byte) []byte { return f(bytes.Clone(data)) }
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"magic", mutate(func(b []byte) []byte { b[3] ^= 1; return b }), search.ErrCorruptIndex},
		{"engine version", mutate(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[20:], search.EngineVersion+1); return b }), search.ErrStaleIndex},
		{"schema hash", mutate(func(b []byte) []byte { b[27] ^= 0x40; return b }), search.ErrStaleIndex},
		{"empty", nil, search.ErrCorruptIndex},
		{"header only", data[:40], search.ErrCorruptIndex},
		{"trailer flipped", mutate(func(b []byte) []byte { b[len(b)-1] ^= 0x80; return b }), search.ErrCorruptIndex},
		{"appended byte", append(bytes.Clone(data), 0), search.ErrCorruptIndex},
	}
	for _, frac := range []int{1, 10, 50, 90, 99} {
		pos := 32 + (len(data)-44)*frac/100
		cases = append(cases,
			struct {
				name string
				data []byte
				want error
			}{fmt.Sprintf("payload byte %d flipped", pos), mutate(func(b []byte) []byte { b[pos] ^= 0x10; return b }), search.ErrCorruptIndex},
			struct {
				name string
				data []byte
				want error
			}{fmt.Sprintf("truncated to %d", pos), data[:pos], search.ErrCorruptIndex})
	}
	for _, c := range cases {
		ix, err := search.ReadIndex(c.data)
		if ix != nil || !errors.Is(err, c.want) {
			t.Errorf("%s: got index %v, error %v; want error %v", c.name, ix != nil, err, c.want)
		}
	}
}
