package mcptools

import (
	"context"
	"errors"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// notFound is a resource-not-found error carrying a hint for the model. It
// wraps server.ErrResourceNotFound for callers' OnError hooks; by itself
// that does not set the JSON-RPC code (see markNotFound).
type notFound string

func (e notFound) Error() string { return string(e) }
func (e notFound) Unwrap() error { return server.ErrResourceNotFound }

// Parsed resource templates, matched the way mcp-go matches them.
var (
	pageTemplate = mcp.NewResourceTemplate(PageTemplate, "page").URITemplate
	tocTemplate  = mcp.NewResourceTemplate(TOCPartTemplate, "toc-part").URITemplate
)

// markNotFound makes a read of a docs:// URI that names no page (or no
// table-of-contents part) answer the protocol's "resource not found"
// error instead of an internal error.
//
// mcp-go v1.2.1 reports every error a resource handler returns as -32603
// (server/handler_errors.go: only URL-elicitation errors get another code;
// no error type or sentinel maps to -32002). It sends the not-found code
// only when no resource or template matches the URI. BeforeReadResource
// hooks get the request by pointer before it is dispatched, so this hook
// rewrites a URI that names nothing to the URI plus the reason in
// parentheses: the space matches no template, and mcp-go answers -32002
// (-32602 to 2026-07-28 clients, as that revision specifies) with a
// message that carries the reason. The handlers keep their own checks for
// an index swapped in between. Callers' OnError/AfterReadResource hooks see
// the rewritten URI.
func (st *state) markNotFound(_ context.Context, _ any, r *mcp.ReadResourceRequest) {
	if r == nil || !strings.HasPrefix(r.Params.URI, "docs://") {
		return
	}
	v, ok := st.snapshot()
	if !ok {
		return // the handlers answer "not ready"
	}
	c := v.indexCache
	uri := r.Params.URI
	var err error
	switch {
	case pageTemplate.Regexp().MatchString(uri):
		_, err = pageAt(c, templateVar(pageTemplate, uri, "path"))
	case tocTemplate.Regexp().MatchString(uri):
		_, _, err = tocPart(c, templateVar(tocTemplate, uri, "part"))
	}
	if nf := notFound(""); errors.As(err, &nf) {
		r.Params.URI = uri + " (" + string(nf) + ")"
	}
}

// templateVar returns variable name of uri matched against tpl, as the
// handlers receive it.
func templateVar(tpl *mcp.URITemplate, uri, name string) string {
	req := mcp.ReadResourceRequest{}
	req.Params.Arguments = map[string]any{}
	for k, v := range tpl.Match(uri) {
		req.Params.Arguments[k] = v.V
	}
	return templateArg(req, name)
}
