package caddymcp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/mark3labs/mcp-go/mcp"
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
	var serve http.Handler
	stream := false // a request that may stay open: a GET event stream
	switch {
	case h.streamable != nil && r.URL.Path == h.Endpoint:
		serve = h.streamable
		stream = r.Method == http.MethodGet
	case h.sse != nil && r.URL.Path == h.SSEEndpoint:
		serve = h.sse.SSEHandler()
		stream = true
	case h.sse != nil && r.URL.Path == h.MessageEndpoint:
		serve = h.sse.MessageHandler()
	default:
		return next.ServeHTTP(w, r)
	}

	sw := &streamWriter{ResponseWriter: w}
	if h.refused(sw, r) {
		return nil
	}
	out, _, ok := h.admit(sw, r) // frontdoor.go: methods, headers, body, strict JSON-RPC
	if !ok {
		return nil
	}

	if stream {
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		// End the stream when Caddy shuts down or this config is unloaded.
		stopWatch := context.AfterFunc(h.stopStreams, cancel)
		defer stopWatch()
		if serve != h.streamable {
			// Legacy SSE: let the session id generator link the new session
			// to this stream, so idle sessions can be ended.
			slot := &sseSlot{cancel: cancel}
			ctx = context.WithValue(ctx, sseSlotKey{}, slot)
			defer func() {
				if slot.id != "" {
					h.sseSess.remove(slot.id)
				}
			}()
		} else if id := r.Header.Get("Mcp-Session-Id"); id != "" {
			defer streamOpened(id)()
		}
		r = r.WithContext(ctx)
	} else if r.URL.Path == h.MessageEndpoint {
		// An unknown or idled-out session gets 404, as on the streamable
		// endpoint (mcp-go would say 400), so clients know to reconnect.
		if id := r.URL.Query().Get("sessionId"); id != "" && !h.sseSess.touch(id) {
			writeJSONRPCError(sw, http.StatusNotFound, mcp.INVALID_PARAMS,
				"unknown or expired session "+strconv.Quote(id)+"; open a new event stream at "+h.SSEEndpoint)
			return nil
		}
	}

	serve.ServeHTTP(out, r)
	return nil
}

// readBody reads the whole request body, bounded by MaxRequestBody, and
// replaces r.Body with it. mcp-go reads bodies whole and unbounded, and
// turns a read error into a 400 parse error; we answer 413 instead.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) bool {
	if r.ContentLength > h.MaxRequestBody {
		h.tooLarge(w)
		return false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.MaxRequestBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		h.tooLarge(w)
		return false
	case err != nil:
		writeJSONRPCError(w, http.StatusBadRequest, mcp.PARSE_ERROR, "reading request body: "+err.Error())
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	return true
}

func (h *Handler) tooLarge(w http.ResponseWriter) {
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
