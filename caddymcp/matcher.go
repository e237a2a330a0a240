package caddymcp

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"slices"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/dustin/go-humanize"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/jsonrpc"
)

func init() {
	caddy.RegisterModule(MatchMCP{})
}

// MatchMCP matches MCP requests by JSON-RPC method and tool, so that stock
// Caddy modules (rate limits, auth, logging) can apply per tool although
// every call is `POST /mcp`:
//
//	@search mcp tools/call search
//	@calls mcp {
//		method tools/call
//		tool search fetch
//	}
//
// It reads the body with the handler's decoder (member names are
// case-sensitive, duplicates refused: it sees what mcp-go executes) up to
// max_request_body, and puts it back for the handler. Bodies the handler
// would refuse (malformed, too large, disagreeing Mcp-Method/Mcp-Name
// headers) match nothing; the handler answers them. A 2025-03-26 batch
// matches when any of its messages does, so a limit or a denial cannot be
// dodged by batching; don't grant access with a negated match.
type MatchMCP struct {
	// Methods are the JSON-RPC methods to match (exact, case-sensitive),
	// e.g. tools/call, initialize. Empty: any method (or tools/call when
	// Tools is set).
	Methods []string `json:"methods,omitempty"`

	// Tools are the tool names to match in tools/call requests. Empty:
	// any tool.
	Tools []string `json:"tools,omitempty"`

	// MaxRequestBody is the most body bytes read, as the handler's
	// max_request_body (keep them equal). Default: 1 MiB.
	MaxRequestBody int64 `json:"max_request_body,omitempty"`
}

// CaddyModule returns the Caddy module information.
func (MatchMCP) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.matchers.mcp",
		New: func() caddy.Module { return new(MatchMCP) },
	}
}

// Provision applies defaults.
func (m *MatchMCP) Provision(caddy.Context) error {
	if m.MaxRequestBody <= 0 {
		m.MaxRequestBody = DefaultMaxRequestBody
	}
	if len(m.Tools) > 0 && len(m.Methods) == 0 {
		m.Methods = []string{string(mcp.MethodToolsCall)}
	}
	return nil
}

// Validate checks the configuration.
func (m *MatchMCP) Validate() error {
	if len(m.Tools) > 0 && !slices.Contains(m.Methods, string(mcp.MethodToolsCall)) {
		return errors.New("mcp matcher: tools are only called by tools/call; add it to the methods")
	}
	return nil
}

// Match implements caddyhttp.RequestMatcher.
func (m *MatchMCP) Match(r *http.Request) bool {
	ok, _ := m.MatchWithError(r)
	return ok
}

// MatchWithError implements caddyhttp.RequestMatcherWithError.
func (m *MatchMCP) MatchWithError(r *http.Request) (bool, error) {
	if r.Method != http.MethodPost || r.Body == nil || r.Body == http.NoBody {
		return false, nil
	}
	db, ok := r.Body.(*decodedBody)
	if !ok || !db.unread() {
		body, err := io.ReadAll(io.LimitReader(r.Body, m.MaxRequestBody+1))
		if err != nil || int64(len(body)) > m.MaxRequestBody {
			// Put back what was read, ahead of the rest.
			r.Body = readCloser{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
			return false, nil
		}
		// All of it was read: keep the decode with it for the matchers
		// and the handler after this one.
		db = newDecodedBody(body, r.Body)
		r.Body = db
	}
	if int64(len(db.body)) > m.MaxRequestBody || db.err != nil {
		return false, nil // another matcher, with a larger limit, read it
	}
	for _, msg := range db.decoded.Messages {
		if msg != nil && jsonrpc.CheckHeaders(r.Header, msg) == nil && m.matches(msg) {
			return true, nil
		}
	}
	return false, nil
}

func (m *MatchMCP) matches(msg *jsonrpc.Message) bool {
	if msg.Kind == jsonrpc.KindResponse {
		return false
	}
	if len(m.Methods) > 0 && !slices.Contains(m.Methods, msg.Method) {
		return false
	}
	return len(m.Tools) == 0 || (msg.Method == string(mcp.MethodToolsCall) && msg.HasName && slices.Contains(m.Tools, msg.Name))
}

// decodedBody is a request body read to the end and decoded by an mcp
// matcher. It reads as the original did, and carries the bytes and their
// decode, so later matchers and the handler's front door do not decode
// the body again: a body is decoded once per request.
type decodedBody struct {
	r       bytes.Reader  // over body
	rest    io.ReadCloser // the original body, at EOF
	body    []byte
	decoded *jsonrpc.Body // or err
	err     error
}

// decodeBody is jsonrpc.Decode, a variable so tests can count decodes.
var decodeBody = jsonrpc.Decode

// newDecodedBody decodes body, all of what rest held.
func newDecodedBody(body []byte, rest io.ReadCloser) *decodedBody {
	db := &decodedBody{rest: rest, body: body}
	db.r.Reset(body)
	db.decoded, db.err = decodeBody(body)
	return db
}

// decodedMessage is the body of one message of a batch: its own bytes,
// which decode to the message alone (no second decode).
func decodedMessage(m *jsonrpc.Message) *decodedBody {
	db := &decodedBody{rest: http.NoBody, body: m.Raw,
		decoded: &jsonrpc.Body{Messages: []*jsonrpc.Message{m}, Errors: []*jsonrpc.Error{nil}}}
	db.r.Reset(m.Raw)
	return db
}

func (db *decodedBody) Read(p []byte) (int, error) {
	if db.r.Len() > 0 {
		return db.r.Read(p)
	}
	return db.rest.Read(p)
}

func (db *decodedBody) Close() error { return db.rest.Close() }

// unread reports whether nothing was read from db yet: reading it would
// give exactly db.body, decoded as db.decoded.
func (db *decodedBody) unread() bool { return db.r.Len() == len(db.body) }

// readCloser reads the restored body and closes the original.
type readCloser struct {
	io.Reader
	io.Closer
}

// UnmarshalCaddyfile sets up the matcher from Caddyfile tokens:
//
//	mcp [<method> [<tool>...]]
//	mcp {
//		method <method>...
//		tool <tool>...
//		max_request_body <size>
//	}
func (m *MatchMCP) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	for d.Next() {
		args := d.RemainingArgs()
		if len(args) > 0 {
			m.Methods = append(m.Methods, args[0])
			m.Tools = append(m.Tools, args[1:]...)
		}
		for d.NextBlock(0) {
			switch d.Val() {
			case "method":
				if !d.NextArg() {
					return d.ArgErr()
				}
				m.Methods = append(m.Methods, append([]string{d.Val()}, d.RemainingArgs()...)...)
			case "tool":
				if !d.NextArg() {
					return d.ArgErr()
				}
				m.Tools = append(m.Tools, append([]string{d.Val()}, d.RemainingArgs()...)...)
			case "max_request_body":
				if !d.NextArg() {
					return d.ArgErr()
				}
				n, err := humanize.ParseBytes(d.Val())
				if err != nil || n == 0 || n > 1<<40 {
					return d.Errf("max_request_body: %q is not a valid size (e.g. 1MB, 512KiB)", d.Val())
				}
				m.MaxRequestBody = int64(n)
			default:
				return d.Errf("unknown mcp matcher option %q (want method, tool or max_request_body)", d.Val())
			}
		}
	}
	return nil
}

// Interface guards
var (
	_ caddy.Provisioner                 = (*MatchMCP)(nil)
	_ caddy.Validator                   = (*MatchMCP)(nil)
	_ caddyhttp.RequestMatcherWithError = (*MatchMCP)(nil)
	_ caddyfile.Unmarshaler             = (*MatchMCP)(nil)
)
