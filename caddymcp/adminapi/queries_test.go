package adminapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/querylog"
)

func TestQueries(t *testing.T) {
	l, release := querylog.Acquire("adm-test")
	defer release()
	l.Record("search_docs", "missing page", 0)
	l.Record("search_docs", "missing page", 0)
	l.Record("search", "rare", 1)

	get := func(url string) (int, []querylog.Entry) {
		rec := httptest.NewRecorder()
		if err := (Admin{}).handleQueries(rec, httptest.NewRequest(http.MethodGet, url, nil)); err != nil {
			t.Fatalf("%s: %v", url, err)
		}
		var out []querylog.Entry
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s: %v: %s", url, err, rec.Body)
		}
		return rec.Code, out
	}
	_, list := get("/mcp/queries?server=adm-test")
	if len(list) != 2 || list[0].Query != "missing page" || list[0].Count != 2 {
		t.Fatalf("list = %+v", list)
	}
	if _, list := get("/mcp/queries?server=adm-test&limit=1"); len(list) != 1 {
		t.Fatalf("limit=1: %+v", list)
	}
	if _, list := get("/mcp/queries?server=nobody"); list == nil || len(list) != 0 {
		t.Fatalf("unknown server: want [], got %+v", list)
	}
	if err := (Admin{}).handleQueries(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/mcp/queries?limit=x", nil)); err == nil {
		t.Fatal("limit=x: want an error")
	}
	if err := (Admin{}).handleQueries(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/mcp/queries", nil)); err == nil {
		t.Fatal("POST: want 405")
	}
}
