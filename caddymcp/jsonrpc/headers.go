package jsonrpc

import (
	"fmt"
	"net/http"

	"github.com/mark3labs/mcp-go/mcp"
)

// CodeHeaderMismatch is MCP's error for standard headers that are missing
// or disagree with the body.
const CodeHeaderMismatch = mcp.HEADER_MISMATCH

// Modern reports whether m was sent under protocol revision 2026-07-28 or
// later, by its MCP-Protocol-Version header or its params._meta.
func Modern(h http.Header, m *Message) bool {
	return mcp.IsModernProtocol(h.Get(mcp.HeaderProtocolVersion)) || mcp.IsModernProtocol(m.ProtocolVersion)
}

// CheckHeaders checks that a 2026-07-28 request's Mcp-Method and Mcp-Name
// headers are present and agree with its body, so that a router acting on
// the headers and the server acting on the body see one request. Older
// revisions define no such headers: nil. A notification sent without
// either header passes (mcp-go's own client sends none on notifications, and
// mcp-go checks requests only); one whose headers disagree does not.
func CheckHeaders(h http.Header, m *Message) *Error {
	if m.Kind != KindRequest && m.Kind != KindNotification || !Modern(h, m) {
		return nil
	}
	mismatch := func(format string, args ...any) *Error {
		return &Error{Code: CodeHeaderMismatch, ID: m.ID, Message: fmt.Sprintf(format, args...)}
	}
	if m.Kind == KindNotification && h.Get(mcp.HeaderMethod) == "" && h.Get(mcp.HeaderName) == "" {
		return nil // mcp-go's client sends no standard headers on notifications
	}
	if got := h.Get(mcp.HeaderMethod); got != m.Method {
		return mismatch("header %s %q does not match the body's method %q", mcp.HeaderMethod, got, m.Method)
	}
	if !mcp.MethodRequiresNameHeader(mcp.MCPMethod(m.Method)) {
		return nil
	}
	got, ok := mcp.DecodeHeaderValue(h.Get(mcp.HeaderName))
	if !ok || h.Get(mcp.HeaderName) == "" || !m.HasName || got != m.Name {
		return mismatch("header %s %q does not match the body's %q", mcp.HeaderName, h.Get(mcp.HeaderName), m.Name)
	}
	return nil
}
