package search_test

import (
	"bytes"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

func TestTmpScale(t *testing.T) {
	path := os.Getenv("SCALE")
	if path == "" {
		t.Skip()
	}
	f, _ := os.Open(path)
	t0 := time.Now()
	pages, err := source.ParseIndexJSON(f, source.Spec{Kind: source.KindIndexJSON, Location: path})
	if err != nil {
		t.Fatal(err)
	}
	t1 := time.Now()
	ix := search.Build(pages)
	t2 := time.Now()
	var buf bytes.Buffer
	ix.WriteTo(&buf)
	t3 := time.Now()
	os.WriteFile("/tmp/speed/ix.bin", buf.Bytes(), 0o644)
	pages, ix = nil, nil
	buf = bytes.Buffer{}
	runtime.GC()
	t4 := time.Now()
	data, _ := os.ReadFile("/tmp/speed/ix.bin")
	t5 := time.Now()
	ix2, err := search.ReadIndex(data)
	t6 := time.Now()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("parse %v build %v encode %v size %d read %v decode %v pages %d", t1.Sub(t0), t2.Sub(t1), t3.Sub(t2), len(data), t5.Sub(t4), t6.Sub(t5), ix2.Len())
}

func BenchmarkTmpDecode(b *testing.B) {
	for b.Loop() {
		data, _ := os.ReadFile("/tmp/speed/ix.bin")
		if _, err := search.ReadIndex(data); err != nil {
			b.Fatal(err)
		}
	}
}
