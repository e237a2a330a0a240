package caddymcp

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"sync"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

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
	m := hmac.New(sha256.New, sessionKey)
	m.Write([]byte(id))
	return hex.EncodeToString(m.Sum(nil)[:6])
}

// logField adds f to the request's access-log entry.
func logField(r *http.Request, f zap.Field) {
	if extra, ok := r.Context().Value(caddyhttp.ExtraLogFieldsCtxKey).(*caddyhttp.ExtraLogFields); ok {
		extra.Set(f)
	}
}

// noteRequest logs what a request asks for (msg is the POST's message as
// the front door decoded it; nil for other requests) and returns the
// request with a callNote in its context, where tool calls leave their
// outcome; the returned flush copies that into the log entry once the
// answer is written.
func (h *Handler) noteRequest(r *http.Request, msg *jsonrpc.Message) (*http.Request, func()) {
	if h.off {
		return r, func() {}
	}
	if id := r.Header.Get("Mcp-Session-Id"); id != "" {
		logField(r, zap.String(fieldSession, sessionHash(id)))
	} else if id := r.URL.Query().Get("sessionId"); id != "" {
		logField(r, zap.String(fieldSession, sessionHash(id)))
	}
	if msg == nil {
		return r, func() {}
	}
	if msg.Method != "" {
		logField(r, zap.String(fieldMethod, clip(msg.Method, maxLoggedName)))
	}
	if tool := msg.Tool(); tool != "" {
		logField(r, zap.String(fieldTool, clip(tool, maxLoggedName)))
		if h.LogQueries {
			var p struct {
				Arguments struct {
					Query any `json:"query"`
				} `json:"arguments"`
			}
			if json.Unmarshal(msg.Params, &p) == nil {
				if q, ok := p.Arguments.Query.(string); ok && q != "" {
					logField(r, zap.String(fieldQuery, clip(q, maxLoggedQuery)))
				}
			}
		}
	}
	note := new(callNote)
	r = r.WithContext(context.WithValue(r.Context(), callNoteKey{}, note))
	return r, func() { note.flush(r) }
}

// callNote carries a tool call's outcome from the tool handler back to the
// request that made it. Over the legacy SSE transport the call runs after
// the POST was answered: flush has then already run, and the late outcome
// is dropped rather than racing with the log write.
type callNote struct {
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
	defer n.mu.Unlock()
	n.flushed = true
	if n.counted {
		logField(r, zap.Int(fieldResults, n.results))
	}
	if n.err != "" {
		logField(r, zap.String(fieldError, n.err))
	}
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
