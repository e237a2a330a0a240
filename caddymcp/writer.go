package caddymcp

import (
	"net/http"
)

// streamWriter adapts the ResponseWriter Caddy hands us for mcp-go's
// streaming transports.
//
// Caddy wraps writers (idle-timeout writer, encode's compressing writer,
// ...) in types that do not implement http.Flusher directly, while mcp-go
// type-asserts http.Flusher: without this wrapper the legacy SSE GET answers
// 500 "Streaming unsupported" and the streamable GET answers 405. Flush goes
// through http.NewResponseController, which follows Unwrap chains.
//
// It also removes hop-by-hop headers mcp-go sets (Connection, Keep-Alive):
// they are illegal in HTTP/2 and HTTP/3, and quic-go clients reject an
// HTTP/3 response that carries them. X-Accel-Buffering: no asks buffering
// proxies in front of Caddy (nginx and friends) to pass events through.
type streamWriter struct {
	http.ResponseWriter
	wroteHeader bool
}

// WriteHeader strips hop-by-hop headers, then sends the header.
func (w *streamWriter) WriteHeader(code int) {
	if !w.wroteHeader && code >= 200 {
		w.wroteHeader = true
		h := w.Header()
		h.Del("Connection")
		h.Del("Keep-Alive")
		h.Set("X-Accel-Buffering", "no")
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write sends the header first, so it is cleaned like an explicit one.
func (w *streamWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Flush pushes buffered bytes to the client through whatever wrappers sit
// below us. Errors are dropped: http.Flusher has no way to report them, and a
// broken connection shows up as a failed Write or a cancelled context.
func (w *streamWriter) Flush() {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController and Caddy reach the wrapped writer.
func (w *streamWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Interface guard: mcp-go needs a Flusher.
var _ http.Flusher = (*streamWriter)(nil)
