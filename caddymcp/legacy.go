package caddymcp

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"go.uber.org/zap"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/jsonrpc"
)

// The legacy HTTP+SSE transport (protocol revision 2024-11-05) is served
// here on top of mcp-go's MCPServer rather than by mcp-go's SSEServer,
// which queues each POST's response from a goroutine of its own that waits,
// without limit, for room on the stream: a client that never reads its
// stream could make the server hold any number of goroutines and responses.
// Here a POST is handled on its own request goroutine, its response goes
// to the session's bounded eventQueue, and the stream's handler writes the
// queue out.

// legacySession is the mcp-go ClientSession of one HTTP+SSE stream.
type legacySession struct {
	sess   *session
	srv    *server.MCPServer
	ctx    context.Context // the stream's; ends when the stream does
	queue  *eventQueue
	notes  chan mcp.JSONRPCNotification // mcp-go sends without blocking
	inited atomic.Bool
	level  atomic.Value // mcp.LoggingLevel
}

func (s *legacySession) SessionID() string { return s.sess.id }
func (s *legacySession) NotificationChannel() chan<- mcp.JSONRPCNotification {
	return s.notes
}
func (s *legacySession) Initialize()                        { s.inited.Store(true) }
func (s *legacySession) Initialized() bool                  { return s.inited.Load() }
func (s *legacySession) SetLogLevel(level mcp.LoggingLevel) { s.level.Store(level) }
func (s *legacySession) GetLogLevel() mcp.LoggingLevel {
	if l, ok := s.level.Load().(mcp.LoggingLevel); ok {
		return l
	}
	return mcp.LoggingLevelError
}

// serveSSE opens a legacy event stream: a new session, announced by an
// `endpoint` event, whose responses and notifications it carries until the
// client goes away, the session ends (idle expiry, eviction) or Caddy stops.
func (h *Handler) serveSSE(w *streamWriter, r *http.Request) {
	sess, err := h.sessions.open(kindLegacy, clientKey(r), "", time.Now())
	if err != nil {
		h.reject(r, RejectSessionLimit)
		refuseSession(w, err)
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stopWatch := context.AfterFunc(h.stopStreams, cancel)
	defer stopWatch()
	ls := &legacySession{sess: sess, srv: h.mcp, ctx: ctx, queue: newEventQueue(&h.sessions.queued),
		notes: make(chan mcp.JSONRPCNotification, maxQueuedEvents)}
	sess.mu.Lock()
	sess.legacy = ls
	sess.mu.Unlock()
	defer h.sessions.remove(sess, "stream closed")
	defer ls.queue.close()
	if !sess.attachStream(cancel) {
		return // evicted already
	}
	if err := h.mcp.RegisterSession(ctx, ls); err != nil {
		writeJSONRPCError(w, http.StatusInternalServerError, mcp.INTERNAL_ERROR, "registering session: "+err.Error())
		return
	}
	defer h.mcp.UnregisterSession(context.WithoutCancel(ctx), sess.id)

	hdr := w.Header()
	hdr.Set("Content-Type", "text/event-stream")
	hdr.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	w.writeTimeout = streamWriteTimeout
	defer w.clearDeadline()
	// A path on the host the client connected to, with any prefix Caddy
	// stripped (handle_path) put back, so the POSTs come back here.
	endpoint := strings.TrimSuffix(strippedPrefix(r), "/") + h.MessageEndpoint + "?sessionId=" + sess.id
	if !writeEvent(w, "endpoint", []byte(endpoint)) {
		return
	}

	var tick <-chan time.Time
	if ka := time.Duration(h.KeepAlive); ka > 0 {
		t := time.NewTicker(ka)
		defer t.Stop()
		tick = t.C
	}
	var pingID int64
	for {
		select {
		case <-ctx.Done():
			return
		case <-ls.queue.wake:
			for ev := ls.queue.pop(); ev != nil; ev = ls.queue.pop() {
				ok := writeEvent(w, "message", ev)
				ls.queue.sent(ev)
				if !ok {
					return
				}
			}
		case n := <-ls.notes:
			b, err := json.Marshal(n)
			if err == nil && !writeEvent(w, "message", b) {
				return
			}
		case <-tick:
			pingID++
			ping := `{"jsonrpc":"2.0","id":"ping-` + strconv.FormatInt(pingID, 10) + `","method":"ping"}`
			if !writeEvent(w, "message", []byte(ping)) {
				return
			}
		}
	}
}

// writeEvent writes and flushes one SSE event; false when the client is
// gone or too slow (the write deadline passed).
func writeEvent(w *streamWriter, event string, data []byte) bool {
	buf := make([]byte, 0, len(event)+len(data)+16)
	buf = append(buf, "event: "...)
	buf = append(buf, event...)
	buf = append(buf, "\ndata: "...)
	buf = append(buf, data...)
	buf = append(buf, "\n\n"...)
	if _, err := w.Write(buf); err != nil {
		return false
	}
	w.Flush()
	return !w.failed
}

// serveMessage handles a POST to the message endpoint: the message is
// handled at once, its response queued on the session's stream, and the
// POST answered 202. A session whose queue is full gets 429. msg is the
// front door's decode of the body.
func (h *Handler) serveMessage(w http.ResponseWriter, r *http.Request, msg *jsonrpc.Message) {
	id := r.URL.Query().Get("sessionId")
	if id == "" {
		writeJSONRPCError(w, http.StatusBadRequest, mcp.INVALID_PARAMS,
			"missing sessionId; open an event stream at "+h.SSEEndpoint+" first")
		return
	}
	now := time.Now()
	sess, err := h.sessions.resolve(id, now)
	var ls *legacySession
	if err == nil {
		sess.mu.Lock()
		ls = sess.legacy
		sess.mu.Unlock()
	}
	if ls == nil {
		// An unknown or idled-out session gets 404, as on the streamable
		// endpoint, so clients know to reconnect.
		writeJSONRPCError(w, http.StatusNotFound, mcp.INVALID_PARAMS,
			"unknown or expired session "+strconv.Quote(id)+"; open a new event stream at "+h.SSEEndpoint)
		return
	}
	sess.touch(now)
	if !ls.queue.reserve() {
		h.reject(r, RejectQueueFull)
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		writeJSONRPCError(w, http.StatusTooManyRequests, mcp.INVALID_REQUEST,
			"too many responses waiting on this session's event stream; read the stream before sending more")
		return
	}
	sess.inflight.Add(1)
	defer sess.inflight.Add(-1)

	var raw json.RawMessage
	if msg != nil {
		// The front door decoded it: the message's bytes, as
		// json.Unmarshal into a RawMessage would give them.
		raw = bytes.TrimRight(msg.Raw, " \t\r\n")
	} else {
		body, _ := io.ReadAll(r.Body) // already read and bounded by ServeHTTP
		if err := json.Unmarshal(body, &raw); err != nil {
			ls.queue.release()
			writeJSONRPCError(w, http.StatusBadRequest, mcp.PARSE_ERROR, "parse error: "+err.Error())
			return
		}
	}
	// The call ends with the session's stream: its answer could go nowhere.
	ctx, cancel := context.WithCancel(ls.srv.WithContext(r.Context(), ls))
	defer cancel()
	defer context.AfterFunc(ls.ctx, cancel)()

	resp := ls.srv.HandleMessage(ctx, raw)
	if resp == nil {
		ls.queue.release()
		w.WriteHeader(http.StatusAccepted)
		return
	}
	b, err := json.Marshal(resp)
	if err != nil {
		ls.queue.release()
		writeJSONRPCError(w, http.StatusInternalServerError, mcp.INTERNAL_ERROR, "encoding response: "+err.Error())
		return
	}
	if !ls.queue.push(b) {
		h.logger.Warn("closing legacy SSE session: its client does not read the event stream",
			zap.Int("session_limit_bytes", maxQueuedBytes), zap.Int("site_limit_bytes", maxQueuedBytesTotal))
		h.sessions.remove(sess, "outbound queue full")
		h.reject(r, RejectQueueFull)
		writeJSONRPCError(w, http.StatusTooManyRequests, mcp.INVALID_REQUEST,
			"session closed: more than "+humanBytes(maxQueuedBytes)+" of responses unread on its event stream")
		return
	}
	w.WriteHeader(http.StatusAccepted)
}
