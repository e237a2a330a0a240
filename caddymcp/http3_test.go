package caddymcp

import (
	"net/http"
	"testing"

	"github.com/quic-go/quic-go/http3"
)

// TestProtocolsHTTP3 serves every revision over HTTP/3 with quic-go's
// client. It proves pitfall 4: mcp-go sets `Connection: keep-alive` on event
// streams, which is illegal in HTTP/3; quic-go's client rejects such a
// response, so without the header stripping in streamWriter the SSE and
// streamable GET streams fail here.
func TestProtocolsHTTP3(t *testing.T) {
	s := startSite(t, true, "mcp {\n\t\tsource INDEX\n\t}", "")
	tr := &http3.Transport{TLSClientConfig: s.tlsConfig(t)}
	t.Cleanup(func() { tr.Close() })
	hc := &http.Client{Transport: tr}

	resp, err := hc.Get(s.base + "/hello.txt")
	if err != nil {
		t.Fatalf("HTTP/3 GET: %v", err)
	}
	resp.Body.Close()
	if resp.ProtoMajor != 3 {
		t.Fatalf("protocol %s, want HTTP/3", resp.Proto)
	}
	runAllRevisions(t, s, hc)
}
