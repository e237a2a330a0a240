// Package adminapi adds the documentation index to Caddy's admin API
// (module admin.api.mcp): GET /mcp/sources lists every open corpus with its
// sources, page counts, refresh times and errors; POST /mcp/reindex refreshes
// now; GET /mcp/queries lists the searches that found little (query_log). A
// blank import of this package is enough: Caddy loads every registered
// admin.api.* module when it starts its admin endpoint.
package adminapi

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/corpus"
)

func init() {
	caddy.RegisterModule(Admin{})
}

// Admin is the admin.api.mcp module. It holds no state: corpora register
// themselves in the corpus package when opened.
type Admin struct{}

// CaddyModule returns the Caddy module information.
func (Admin) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "admin.api.mcp",
		New: func() caddy.Module { return new(Admin) },
	}
}

// Routes returns the /mcp/sources, /mcp/reindex and /mcp/queries admin
// routes.
func (a Admin) Routes() []caddy.AdminRoute {
	return []caddy.AdminRoute{
		{Pattern: "/mcp/sources", Handler: caddy.AdminHandlerFunc(a.handleSources)},
		{Pattern: "/mcp/reindex", Handler: caddy.AdminHandlerFunc(a.handleReindex)},
		{Pattern: "/mcp/queries", Handler: caddy.AdminHandlerFunc(a.handleQueries)},
	}
}

// handleSources answers GET /mcp/sources[?corpus=NAME] with a JSON array of
// corpus.Status.
func (Admin) handleSources(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return methodNotAllowed(w, http.MethodGet)
	}
	list, err := selectCorpora(r)
	if err != nil {
		return err
	}
	out := make([]corpus.Status, 0, len(list))
	for _, c := range list {
		out = append(out, c.Status())
	}
	return writeJSON(w, out)
}

// handleReindex answers POST /mcp/reindex[?corpus=NAME]: it refreshes the
// selected corpora (all by default) now and returns their new status. The
// answer is 200 even when a source failed: the failure is in that source's
// last_error, and its last good pages are still served.
func (Admin) handleReindex(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodPost {
		return methodNotAllowed(w, http.MethodPost)
	}
	list, err := selectCorpora(r)
	if err != nil {
		return err
	}
	out := make([]corpus.Status, 0, len(list))
	for _, c := range list {
		st, err := c.Reindex(r.Context())
		if err != nil {
			caddy.Log().Named("admin.api.mcp").Warn("reindex had failures",
				zap.String("corpus", c.Name()), zap.Error(err))
		}
		out = append(out, st)
	}
	return writeJSON(w, out)
}

// selectCorpora returns all open corpora, or those named by ?corpus=.
func selectCorpora(r *http.Request) ([]*corpus.Corpus, error) {
	name := r.URL.Query().Get("corpus")
	if name == "" {
		return corpus.All(), nil
	}
	list := corpus.Lookup(name)
	if len(list) == 0 {
		return nil, caddy.APIError{HTTPStatus: http.StatusNotFound, Err: fmt.Errorf("no corpus named %q", name)}
	}
	return list, nil
}

func methodNotAllowed(w http.ResponseWriter, allow string) error {
	w.Header().Set("Allow", allow)
	return caddy.APIError{HTTPStatus: http.StatusMethodNotAllowed, Err: fmt.Errorf("method not allowed; use %s", allow)}
}

func writeJSON(w http.ResponseWriter, v any) error {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(v); err != nil {
		return caddy.APIError{HTTPStatus: http.StatusInternalServerError, Err: err}
	}
	return nil
}

// Interface guard.
var _ caddy.AdminRouter = Admin{}
