package caddymcp

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
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

// peeked is what the access log needs from a JSON-RPC request body.
type peeked struct {
	Method string `json:"method"`
	Params struct {
		Name      string `json:"name"`
		Arguments struct {
			Query string `json:"query"`
		} `json:"arguments"`
	} `json:"params"`
}

// noteRequest logs what a POST asks for and returns the request with a
// callNote in its context, where tool calls leave their outcome; flush
// copies that into the log entry once the answer is written. body is the
// request body already read by readBody.
func (h *Handler) noteRequest(r *http.Request) (*http.Request, func()) {
	if h.off {
		return r, func() {}
	}
	if id := r.Header.Get("Mcp-Session-Id"); id != "" {
		logField(r, zap.String(fieldSession, sessionHash(id)))
	} else if id := r.URL.Query().Get("sessionId"); id != "" {
		logField(r, zap.String(fieldSession, sessionHash(id)))
	}
	if r.Method != http.MethodPost {
		return r, func() {}
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return r, func() {}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) > 0 && t[0] == '[' {
		logField(r, zap.String(fieldMethod, "batch"))
	} else {
		var msg peeked
		err := json.Unmarshal(body, &msg)
		var typeErr *json.UnmarshalTypeError
		if err != nil && !errors.As(err, &typeErr) {
			// mcp-go answers it with a parse error.
			h.reject(RejectBadRequest)
			logField(r, zap.String(fieldError, "parse error"))
			return r, func() {}
		}
		if msg.Method != "" {
			logField(r, zap.String(fieldMethod, clip(msg.Method, maxLoggedName)))
		}
		if msg.Params.Name != "" && msg.Method == "tools/call" {
			logField(r, zap.String(fieldTool, clip(msg.Params.Name, maxLoggedName)))
			if h.LogQueries && msg.Params.Arguments.Query != "" {
				logField(r, zap.String(fieldQuery, clip(msg.Params.Arguments.Query, maxLoggedQuery)))
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
