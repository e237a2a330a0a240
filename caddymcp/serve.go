package caddymcp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/jsonrpc"
)

// Paths of the llms.txt files rendered from the index.
const (
	LLMSTxtPath     = "/llms.txt"
	LLMSFullTxtPath = "/llms-full.txt"
)

// ServeHTTP answers requests for the MCP endpoints and llms.txt files and
// passes the others on.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	// llms.txt holds the whole index: same Origin/Host policy as MCP.
	switch {
	case h.llms != nil && r.URL.Path == LLMSTxtPath:
		if !h.refused(w, r) {
			h.llms.ServeHTTP(w, r)
		}
		return nil
	case h.llmsFull != nil && r.URL.Path == LLMSFullTxtPath:
		if !h.refused(w, r) {
			h.llmsFull.ServeHTTP(w, r)
		}
		return nil
	}
	if h.wantsLanding(r) { // landing.go: the page for browsers
		if !h.refused(w, r) { // the same Origin/Host policy as llms.txt
			h.serveLanding(w, r)
		}
		return nil
	}
	switch {
	case h.streamable != nil && r.URL.Path == h.Endpoint:
	case !h.DisableSSE && (r.URL.Path == h.SSEEndpoint || r.URL.Path == h.MessageEndpoint):
	default:
		return next.ServeHTTP(w, r)
	}

	sw := &streamWriter{ResponseWriter: w}
	if h.refused(sw, r) {
		return nil
	}
	if r.URL.Path != h.Endpoint { // mcp-go answers CORS on the streamable endpoint
		if h.cors.preflight(sw, r) {
			return nil
		}
		h.cors.apply(sw, r)
	}
	out, msg, ok := h.admit(sw, r) // frontdoor.go: methods, headers, body, strict JSON-RPC
	if !ok {
		return nil
	}
	r, flushLog := h.noteRequest(r, msg) // logfields.go
	defer flushLog()
	switch r.URL.Path {
	case h.Endpoint:
		h.serveStreamable(out, sw, r, msg)
	case h.SSEEndpoint:
		h.serveSSE(sw, r)
	default:
		h.serveMessage(out, r, msg)
	}
	return nil
}

// serveStreamable serves the streamable HTTP endpoint through mcp-go, with
// the session rules mcp-go leaves out: new sessions are admitted against
// the limits, GET and DELETE need a live session, a session has at most one
// GET stream, and that stream ends with the session.
//
// w is what the front door hands on (it may frame JSON as an event stream),
// sw the stream writer below it; msg is the decoded POST message.
func (h *Handler) serveStreamable(w http.ResponseWriter, sw *streamWriter, r *http.Request, msg *jsonrpc.Message) {
	id := r.Header.Get("Mcp-Session-Id")
	// Revision 2026-07-28 has no sessions: mcp-go serves it as it is.
	modern := mcp.IsModernProtocol(r.Header.Get("MCP-Protocol-Version")) ||
		(msg != nil && mcp.IsModernProtocol(msg.ProtocolVersion))
	now := time.Now()
	switch r.Method {
	case http.MethodGet, http.MethodDelete:
		if modern {
			break
		}
		if id == "" {
			writeJSONRPCError(w, http.StatusBadRequest, mcp.INVALID_REQUEST,
				"missing Mcp-Session-Id header; send initialize first")
			return
		}
		sess, err := h.sessions.resolve(id, now)
		if err != nil {
			writeJSONRPCError(w, http.StatusNotFound, mcp.INVALID_REQUEST,
				"unknown, expired or deleted session; send initialize without Mcp-Session-Id to start a new one")
			return
		}
		sess.touch(now)
		if r.Method == http.MethodGet {
			h.serveStreamableGET(sw, r, sess)
			return
		}
	case http.MethodPost:
		if modern {
			break
		}
		if msg != nil && msg.Method == string(mcp.MethodInitialize) {
			// Admitted here, as mcp-go's Generate cannot refuse; dropped
			// again if mcp-go does not hand the id out.
			sess, err := h.sessions.open(kindStreamable, clientKey(r), initProtocol(msg.Params), now)
			if err != nil {
				h.reject(r, RejectSessionLimit)
				refuseSession(w, err)
				return
			}
			h.streamable.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), admittedKey{}, sess)))
			if w.Header().Get("Mcp-Session-Id") != sess.id {
				h.sessions.remove(sess, "initialize failed")
			}
			return
		}
		if id == "" && msg != nil && msg.Kind != jsonrpc.KindResponse {
			// The spec's SHOULD for servers that require sessions (mcp-go
			// would say 404, which tells the client its session is gone).
			writeJSONRPCError(w, http.StatusBadRequest, mcp.INVALID_REQUEST,
				"missing Mcp-Session-Id header; send initialize first")
			return
		}
		if sess, err := h.sessions.resolve(id, now); err == nil {
			// A busy session is not evicted. (mcp-go validates the id.)
			sess.inflight.Add(1)
			defer sess.inflight.Add(-1)
		}
	}
	h.streamable.ServeHTTP(w, r)
}

// serveStreamableGET opens the session's standalone event stream, which
// ends when the client goes away, the session ends or Caddy stops.
func (h *Handler) serveStreamableGET(w *streamWriter, r *http.Request, sess *session) {
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	defer context.AfterFunc(h.stopStreams, cancel)()
	if !sess.attachStream(cancel) {
		writeJSONRPCError(w, http.StatusConflict, mcp.INVALID_REQUEST,
			"this session already has an open event stream")
		return
	}
	defer sess.detachStream()
	w.writeTimeout = streamWriteTimeout
	defer w.clearDeadline()
	h.streamable.ServeHTTP(w, r.WithContext(ctx))
}

// readBody reads the whole request body, bounded by MaxRequestBody, and
// replaces r.Body with it, returning the bytes. mcp-go reads bodies whole
// and unbounded, and turns a read error into a 400 parse error; we answer
// 413 instead. A body an mcp matcher already read whole is taken as it is
// (the same bytes reading would give), with the matcher's decode.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *decodedBody, bool) {
	if r.ContentLength > h.MaxRequestBody {
		h.tooLarge(w, r)
		return nil, nil, false
	}
	var body []byte
	db, _ := r.Body.(*decodedBody)
	if db != nil && db.unread() && int64(len(db.body)) <= h.MaxRequestBody {
		body = db.body
	} else {
		db = nil
		var err error
		body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, h.MaxRequestBody))
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			h.tooLarge(w, r)
			return nil, nil, false
		case err != nil:
			writeJSONRPCError(w, http.StatusBadRequest, mcp.PARSE_ERROR, "reading request body: "+err.Error())
			return nil, nil, false
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	return body, db, true
}

func (h *Handler) tooLarge(w http.ResponseWriter, r *http.Request) {
	h.reject(r, RejectBodySize)
	// Tell net/http not to keep reading an oversized body for reuse.
	w.Header().Set("Connection", "close")
	writeJSONRPCError(w, http.StatusRequestEntityTooLarge, mcp.INVALID_REQUEST,
		"request body larger than "+humanBytes(h.MaxRequestBody))
}

// writeJSONRPCError answers with a JSON-RPC error object (id null), so MCP
// clients can show the reason rather than a bare HTTP status.
func writeJSONRPCError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Del("Content-Length")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"jsonrpc": "2.0",
		"id":      nil,
		"error":   map[string]any{"code": code, "message": msg},
	})
}

// humanBytes formats a size for error messages.
func humanBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
