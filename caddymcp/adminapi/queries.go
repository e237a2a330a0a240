package adminapi

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/caddyserver/caddy/v2"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/querylog"
)

// handleQueries answers GET /mcp/queries[?server=NAME][&limit=N] with the
// searches that found zero or few results, most frequent first, as a JSON
// array of querylog.Entry. Only servers with `query_log` on keep them; the
// list is empty otherwise.
func (Admin) handleQueries(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return methodNotAllowed(w, http.MethodGet)
	}
	list := querylog.All(r.URL.Query().Get("server"))
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return caddy.APIError{HTTPStatus: http.StatusBadRequest, Err: fmt.Errorf("limit: want a positive integer, got %q", v)}
		}
		list = list[:min(n, len(list))]
	}
	if list == nil {
		list = []querylog.Entry{}
	}
	return writeJSON(w, list)
}
