package caddymcp

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/jsonrpc"
)

// admit runs the HTTP-level checks of the MCP transports on a request for
// one of the MCP endpoints (after the Origin check), before mcp-go sees it:
// allowed methods, MCP-Protocol-Version, Content-Type and Accept of POSTs,
// the body cap, and the one strict JSON-RPC decoder. It answers rejected
// requests itself (right status, JSON-RPC error body) and returns ok=false.
// A 2025-03-26 batch is answered here too, message by message.
//
// Otherwise it returns the writer to serve with (it frames JSON answers as
// an event stream for clients that accept only that) and, for a POST, the
// decoded message, whose body r.Body still holds byte for byte.
func (h *Handler) admit(w http.ResponseWriter, r *http.Request) (http.ResponseWriter, *jsonrpc.Message, bool) {
	streamable := h.streamable != nil && r.URL.Path == h.Endpoint
	if !h.methodAllowed(w, r, streamable) {
		return nil, nil, false
	}
	if v := r.Header.Get(mcp.HeaderProtocolVersion); v != "" && !mcp.IsValidProtocolVersion(v) {
		// MUST since 2025-06-18; mcp-go checks only some requests, in plain text.
		writeRPCError(w, http.StatusBadRequest, &jsonrpc.Error{Code: jsonrpc.CodeInvalidRequest,
			Message: "unsupported " + mcp.HeaderProtocolVersion + " " + quote(v) + "; supported: " + strings.Join(mcp.ValidProtocolVersions, ", ")})
		return nil, nil, false
	}
	if r.Method != http.MethodPost {
		return w, nil, true
	}
	if !jsonContent(r.Header.Get("Content-Type")) {
		writeRPCError(w, http.StatusUnsupportedMediaType, &jsonrpc.Error{Code: jsonrpc.CodeInvalidRequest,
			Message: "Content-Type must be application/json, not " + quote(r.Header.Get("Content-Type"))})
		return nil, nil, false
	}
	if streamable {
		json, sse := accepts(r.Header.Values("Accept"))
		switch {
		case !json && !sse:
			writeRPCError(w, http.StatusNotAcceptable, &jsonrpc.Error{Code: jsonrpc.CodeInvalidRequest,
				Message: "Accept must include application/json and text/event-stream, not " + quote(r.Header.Get("Accept"))})
			return nil, nil, false
		case !json:
			// Anthropic's connector proxy sends only text/event-stream:
			// honour it rather than refuse it.
			w = &sseFramer{ResponseWriter: w}
		}
	}
	body, pre, ok := h.readBody(w, r)
	if !ok {
		return nil, nil, false
	}
	// Decoded once per request: by the mcp matcher if one read the body
	// (pre), else here; everything downstream gets this decode.
	var decoded *jsonrpc.Body
	var err error
	if pre != nil {
		decoded, err = pre.decoded, pre.err
	} else {
		decoded, err = decodeBody(body)
	}
	if err != nil {
		h.reject(r, RejectBadRequest)
		writeRPCError(w, http.StatusBadRequest, err.(*jsonrpc.Error))
		return nil, nil, false
	}
	if decoded.Batch {
		if h.batchAllowed(w, r, streamable, decoded) {
			h.serveBatch(w, r, decoded)
		}
		return nil, nil, false
	}
	msg := decoded.Messages[0]
	if e := jsonrpc.CheckHeaders(r.Header, msg); e != nil {
		h.reject(r, RejectBadRequest)
		writeRPCError(w, http.StatusBadRequest, e)
		return nil, nil, false
	}
	return w, msg, true
}

// The methods each endpoint serves: shared and read-only, so checking a
// request allocates nothing.
var (
	allowStreamable = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodDelete}
	allowSSE        = []string{http.MethodGet}
	allowMessage    = []string{http.MethodPost}
)

// methodAllowed answers 405 (with Allow, as HTTP requires) for methods the
// endpoint does not serve; mcp-go would say 404 or 400. OPTIONS is answered
// here unless CORS is configured (then mcp-go answers preflights).
func (h *Handler) methodAllowed(w http.ResponseWriter, r *http.Request, streamable bool) bool {
	allow := allowMessage
	switch {
	case streamable:
		allow = allowStreamable
	case r.URL.Path == h.SSEEndpoint:
		allow = allowSSE
	}
	if slices.Contains(allow, r.Method) || (r.Method == http.MethodOptions && len(h.AllowedOrigins) > 0) {
		return true
	}
	// Clip: the lists are shared, append must copy.
	w.Header().Set("Allow", strings.Join(append(slices.Clip(allow), http.MethodOptions), ", "))
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return false
	}
	writeRPCError(w, http.StatusMethodNotAllowed, &jsonrpc.Error{Code: jsonrpc.CodeInvalidRequest,
		Message: "method " + r.Method + " not allowed on " + r.URL.Path + "; allowed: " + strings.Join(allow, ", ")})
	return false
}

// batchAllowed applies the revision rules: JSON-RPC batches exist only in
// 2025-03-26 (where servers MUST accept them; the revision's clients send
// no MCP-Protocol-Version header) and never on the HTTP+SSE transport, and
// initialize must not be batched.
func (h *Handler) batchAllowed(w http.ResponseWriter, r *http.Request, streamable bool, b *jsonrpc.Body) bool {
	refuse := func(msg string) bool {
		writeRPCError(w, http.StatusBadRequest, &jsonrpc.Error{Code: jsonrpc.CodeInvalidRequest, Message: msg})
		return false
	}
	if !streamable {
		return refuse("JSON-RPC batches are not supported on the HTTP+SSE transport; send one message per request")
	}
	if v := r.Header.Get(mcp.HeaderProtocolVersion); v != "" && v != mcp.ProtocolVersion20250326 {
		return refuse("JSON-RPC batches exist only in protocol revision 2025-03-26, not " + v + "; send one message per request")
	}
	for _, m := range b.Messages {
		if m != nil && m.Method == string(mcp.MethodInitialize) {
			return refuse("initialize must not be part of a JSON-RPC batch")
		}
	}
	return true
}

// serveBatch dispatches each message of a batch through the handler as its
// own request (mcp-go takes one message per request; this keeps every
// check and limit per message) and answers with the array of responses,
// or 202 when there are none. An HTTP error for one message (unknown
// session, ...) is the answer for the whole batch.
func (h *Handler) serveBatch(w http.ResponseWriter, r *http.Request, b *jsonrpc.Body) {
	var out [][]byte
	for i, m := range b.Messages {
		if m == nil {
			out = append(out, b.Errors[i].Response())
			continue
		}
		sub := r.Clone(r.Context())
		sub.Body = decodedMessage(m) // its decode handed on
		sub.ContentLength = int64(len(m.Raw))
		sub.Header.Set("Accept", "application/json, text/event-stream")
		rec := &recorder{header: make(http.Header)}
		_ = h.ServeHTTP(rec, sub, caddyhttp.HandlerFunc(func(http.ResponseWriter, *http.Request) error { return nil }))
		if rec.status >= 400 {
			copyHeader(w.Header(), rec.header)
			w.WriteHeader(rec.status)
			_, _ = w.Write(rec.body.Bytes())
			return
		}
		out = append(out, rec.messages()...)
	}
	if len(out) == 0 {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append(append([]byte{'['}, bytes.Join(out, []byte{','})...), ']', '\n'))
}

// recorder collects the answer to one message of a batch. It is no
// http.Flusher, so mcp-go answers in one piece.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (rec *recorder) Header() http.Header { return rec.header }
func (rec *recorder) WriteHeader(code int) {
	if rec.status == 0 {
		rec.status = code
	}
}
func (rec *recorder) Write(p []byte) (int, error) {
	rec.WriteHeader(http.StatusOK)
	return rec.body.Write(p)
}

// messages returns the JSON-RPC messages of a recorded answer: a JSON body,
// or the data of each event if mcp-go chose an event stream.
func (rec *recorder) messages() [][]byte {
	body := bytes.TrimSpace(rec.body.Bytes())
	if len(body) == 0 || rec.status == http.StatusAccepted {
		return nil
	}
	if mt, _, _ := mime.ParseMediaType(rec.header.Get("Content-Type")); mt != "text/event-stream" {
		return [][]byte{body}
	}
	var msgs [][]byte
	for line := range bytes.Lines(body) {
		if data, ok := bytes.CutPrefix(bytes.TrimRight(line, "\r\n"), []byte("data:")); ok && json.Valid(data) {
			msgs = append(msgs, bytes.TrimSpace(data))
		}
	}
	return msgs
}

func copyHeader(dst, src http.Header) {
	for k, v := range src {
		dst[k] = v
	}
}

// sseFramer sends a JSON answer as one `message` event, for clients whose
// Accept allows text/event-stream but not application/json. Not being an
// http.Flusher, it keeps mcp-go from streaming, so every 200 answer is one
// JSON value that json.Encoder ends with the only newline it holds.
type sseFramer struct {
	http.ResponseWriter
	wrote, framing bool
}

func (f *sseFramer) WriteHeader(code int) {
	if f.wrote {
		return
	}
	f.wrote = true
	if mt, _, _ := mime.ParseMediaType(f.Header().Get("Content-Type")); code == http.StatusOK && mt == "application/json" {
		f.framing = true
		f.Header().Set("Content-Type", "text/event-stream")
		f.Header().Set("Cache-Control", "no-cache")
		f.Header().Del("Content-Length")
		f.ResponseWriter.WriteHeader(code)
		_, _ = io.WriteString(f.ResponseWriter, "event: message\ndata: ")
		return
	}
	f.ResponseWriter.WriteHeader(code)
}

func (f *sseFramer) Write(p []byte) (int, error) {
	f.WriteHeader(http.StatusOK)
	if !f.framing {
		return f.ResponseWriter.Write(p)
	}
	// A newline inside the data would end the event early: JSON has none
	// but the encoder's last, which becomes the event's blank line.
	if _, err := f.ResponseWriter.Write(bytes.ReplaceAll(p, []byte("\n"), []byte("\n\n"))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// jsonContent reports whether a Content-Type is JSON in UTF-8 (the only
// encoding MCP allows).
func jsonContent(ct string) bool {
	// What clients send, answered without mime.ParseMediaType's map:
	// the same answer (TestMediaFastPaths), on every POST.
	switch ct {
	case "application/json", "application/json; charset=utf-8", "application/json;charset=utf-8", "application/json; charset=UTF-8":
		return true
	}
	return parseJSONContent(ct)
}

// parseJSONContent is jsonContent for any Content-Type.
func parseJSONContent(ct string) bool {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return false
	}
	cs, ok := params["charset"]
	return !ok || strings.EqualFold(cs, "utf-8")
}

// accepts reports whether an Accept header allows JSON and event-stream
// answers. No header accepts anything (RFC 9110).
//
// The spec says clients MUST list both; we refuse only a POST that accepts
// neither. Clients listing one are served: JSON-only clients get JSON
// (mcp-go streams only when a notification arrives mid-call, which our
// tools do not send), event-stream-only ones get the answer as one event.
func accepts(values []string) (json, sse bool) {
	if len(values) == 1 {
		// What clients send, answered without parsing (TestMediaFastPaths).
		switch values[0] {
		case "application/json, text/event-stream", "text/event-stream, application/json",
			"application/json,text/event-stream", "text/event-stream,application/json", "*/*":
			return true, true
		case "application/json":
			return true, false
		case "text/event-stream":
			return false, true
		}
	}
	return parseAccepts(values)
}

// parseAccepts is accepts for any Accept header.
func parseAccepts(values []string) (json, sse bool) {
	if len(values) == 0 {
		return true, true
	}
	for _, v := range values {
		for _, rng := range strings.Split(v, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(rng))
			if q, qerr := strconv.ParseFloat(params["q"], 64); err != nil || (qerr == nil && q <= 0) {
				continue // unparsable, or q=0: "not acceptable"
			}
			switch mt {
			case "*/*":
				json, sse = true, true
			case "application/json", "application/*":
				json = true
			case "text/event-stream", "text/*":
				sse = true
			}
		}
	}
	return json, sse
}

// writeRPCError answers with a JSON-RPC error response.
func writeRPCError(w http.ResponseWriter, status int, e *jsonrpc.Error) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Del("Content-Length")
	w.WriteHeader(status)
	_, _ = w.Write(append(e.Response(), '\n'))
}

// quote quotes a client-sent value for an error message, clipped.
func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return `"` + strings.ToValidUTF8(strings.Map(func(r rune) rune {
		if r < 0x20 || r == '"' || r == 0x7f {
			return '?'
		}
		return r
	}, s), "?") + `"`
}
