package caddymcp

import (
	"net/http"
	"time"
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
//
// On event streams (writeTimeout > 0) each event must be written within
// writeTimeout: Write arms a write deadline and Flush clears it, so a client
// that stops reading (or reads too slowly) is cut off, while an idle stream
// carries no deadline (on HTTP/2 an armed deadline resets the stream even
// with no write in flight).
type streamWriter struct {
	http.ResponseWriter
	wroteHeader  bool
	writeTimeout time.Duration
	armed        bool // a write deadline is set
	failed       bool // a flush failed: the client is gone or too slow
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
	if w.writeTimeout > 0 && !w.armed {
		// Unsupported (e.g. HTTP/3 today): the queue bounds still hold.
		w.armed = http.NewResponseController(w.ResponseWriter).SetWriteDeadline(time.Now().Add(w.writeTimeout)) == nil
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
	rc := http.NewResponseController(w.ResponseWriter)
	if err := rc.Flush(); err != nil {
		w.failed = true
	} else if w.armed {
		w.armed = rc.SetWriteDeadline(time.Time{}) != nil
	}
}

// clearDeadline removes a write deadline left armed (the stream ends after
// a failed write): the connection may serve further requests.
func (w *streamWriter) clearDeadline() {
	if w.armed {
		_ = http.NewResponseController(w.ResponseWriter).SetWriteDeadline(time.Time{})
		w.armed = false
	}
}

// Unwrap lets http.ResponseController and Caddy reach the wrapped writer.
func (w *streamWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Interface guard: mcp-go needs a Flusher.
var _ http.Flusher = (*streamWriter)(nil)
