package caddymcp

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"net/http"
	"sync"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/jsonrpc"
)

// Access-log fields added to Caddy's request log (through its extra log
// fields, so they appear wherever the `log` directive writes).
const (
	fieldMethod  = "mcp.method"  // JSON-RPC method, "batch" for a batch
	fieldTool    = "mcp.tool"    // tool name of a tools/call
	fieldSession = "mcp.session" // keyed hash of the session id
	fieldResults = "mcp.results" // results a search tool found
	fieldError   = "mcp.error"   // why the request or call failed
	fieldQuery   = "mcp.query"   // search text, only with log_queries
)

// Client-chosen strings are clipped before they are logged.
const (
	maxLoggedName  = 64
	maxLoggedQuery = 200
)

// sessionKey keys the session hash: ids never reach the logs, and the
// short hashes cannot be turned back into ids (nor matched across
// restarts, which is the price of not storing a key).
var sessionKey = func() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return k
}()

// sessionHash is a short, non-reversible tag for a session id, enough to
// follow one session through the log.
func sessionHash(id string) string {
	m := hashers.Get().(hash.Hash)
	defer hashers.Put(m)
	m.Reset()
	m.Write([]byte(id))
	var sum [sha256.Size]byte
	return hex.EncodeToString(m.Sum(sum[:0])[:6])
}

// hashers pools keyed hashers: one per request would cost ~1 KiB.
var hashers = sync.Pool{New: func() any { return hmac.New(sha256.New, sessionKey) }}

// logField adds f to the request's access-log entry.
func logField(r *http.Request, f zap.Field) {
	if extra, ok := r.Context().Value(caddyhttp.ExtraLogFieldsCtxKey).(*caddyhttp.ExtraLogFields); ok {
		extra.Set(f)
	}
}

// noteRequest notes what a request asks for (msg is the POST's message as
// the front door decoded it; nil for other requests) and returns the
// request with the note in its context, where tool calls leave their
// outcome; the returned flush adds it all to the log entry once the
// answer is written: in one field (zap.Inline), since every Add of
// Caddy's extra log fields costs an allocation.
func (h *Handler) noteRequest(r *http.Request, msg *jsonrpc.Message) (*http.Request, func()) {
	if h.off {
		return r, func() {}
	}
	session := r.Header.Get("Mcp-Session-Id")
	if session == "" {
		session = r.URL.Query().Get("sessionId")
	}
	if session != "" {
		session = sessionHash(session)
	}
	if msg == nil {
		if session != "" {
			logField(r, zap.String(fieldSession, session))
		}
		return r, func() {}
	}
	note := &callNote{session: session, method: clip(msg.Method, maxLoggedName)}
	if tool := msg.Tool(); tool != "" {
		note.tool = clip(tool, maxLoggedName)
		if h.LogQueries {
			// The front door's decode noted the query: no second pass.
			if q, ok := jsonrpc.String(msg.Query); ok {
				note.query = clip(q, maxLoggedQuery)
			}
		}
	}
	r = r.WithContext(context.WithValue(r.Context(), callNoteKey{}, note))
	return r, func() { note.flush(r) }
}

// callNote is what the access log says about one MCP message. Tool calls
// add their outcome from the tool handler. Over the legacy SSE transport
// the call runs after the POST was answered: flush has then already run,
// and the late outcome is dropped rather than racing with the log write.
type callNote struct {
	session, method, tool, query string // set before the call, read-only after

	mu      sync.Mutex
	flushed bool
	results int
	counted bool
	err     string
}

type callNoteKey struct{}

func noteFrom(ctx context.Context) *callNote {
	n, _ := ctx.Value(callNoteKey{}).(*callNote)
	return n
}

func (n *callNote) set(results int, counted bool, errText string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.flushed {
		return
	}
	if counted {
		n.results += results
		n.counted = true
	}
	if errText != "" {
		n.err = errText
	}
}

func (n *callNote) flush(r *http.Request) {
	n.mu.Lock()
	n.flushed = true
	n.mu.Unlock()
	logField(r, zap.Inline(n))
}

// MarshalLogObject writes the note's fields (zapcore.ObjectMarshaler).
func (n *callNote) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, f := range []struct{ key, val string }{
		{fieldSession, n.session}, {fieldMethod, n.method}, {fieldTool, n.tool}, {fieldQuery, n.query}, {fieldError, n.err},
	} {
		if f.val != "" {
			enc.AddString(f.key, f.val)
		}
	}
	if n.counted {
		enc.AddInt(fieldResults, n.results)
	}
	return nil
}

// clip cuts s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
