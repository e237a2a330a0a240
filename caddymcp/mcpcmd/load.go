package mcpcmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sort"
	"strings"

	"github.com/caddyserver/caddy/v2/caddyconfig"
	_ "github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile" // the caddyfile adapter

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// maxRemoteBytes bounds a remote source body, as the server's default
// max_source_size does.
const maxRemoteBytes = 50 << 20

func specsFromLocations(locs []string) []source.Spec {
	specs := make([]source.Spec, len(locs))
	for i, l := range locs {
		specs[i] = source.Spec{Location: l}
	}
	return specs
}

// specsFromConfig returns the sources of the first mcp handler in a config
// file, adapting it to JSON first unless it is JSON.
func specsFromConfig(name, adapter string, body []byte) ([]source.Spec, error) {
	if adapter == "" && !strings.EqualFold(filepath.Ext(name), ".json") {
		adapter = "caddyfile"
	}
	if adapter != "" {
		a := caddyconfig.GetAdapter(adapter)
		if a == nil {
			return nil, fmt.Errorf("unknown config adapter %q", adapter)
		}
		var err error
		body, _, err = a.Adapt(body, map[string]any{"filename": name})
		if err != nil {
			return nil, fmt.Errorf("adapting %s: %v", name, err)
		}
	}
	var cfg any
	if err := json.Unmarshal(body, &cfg); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	h := firstMCPHandler(cfg)
	if h == nil {
		return nil, fmt.Errorf("%s: no mcp handler in the config", name)
	}
	var withSources struct {
		Sources []source.Spec `json:"sources"`
	}
	raw, _ := json.Marshal(h)
	if err := json.Unmarshal(raw, &withSources); err != nil || len(withSources.Sources) == 0 {
		return nil, fmt.Errorf("%s: the mcp handler has no sources", name)
	}
	return withSources.Sources, nil
}

// firstMCPHandler walks a JSON config depth-first for {"handler": "mcp"}.
func firstMCPHandler(v any) map[string]any {
	switch v := v.(type) {
	case map[string]any:
		if v["handler"] == "mcp" {
			return v
		}
		// Walk keys in a fixed order, so "first" is stable.
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if h := firstMCPHandler(v[k]); h != nil {
				return h
			}
		}
	case []any:
		for _, e := range v {
			if h := firstMCPHandler(e); h != nil {
				return h
			}
		}
	}
	return nil
}

// loadOne loads one source: local ones with the server's loaders, remote
// ones fetched once (no conditional requests) and parsed the same way.
func loadOne(ctx context.Context, spec source.Spec) ([]source.Page, error) {
	if !source.IsRemote(spec.Location) {
		return source.LoadSpec(ctx, spec)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, spec.Location, nil)
	if err != nil {
		return nil, fmt.Errorf("source %s: %v", spec, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("source %s: %v", spec, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("source %s: HTTP %s", spec, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxRemoteBytes+1))
	if err != nil {
		return nil, fmt.Errorf("source %s: %v", spec, err)
	}
	if len(body) > maxRemoteBytes {
		return nil, fmt.Errorf("source %s: larger than %d MiB", spec, maxRemoteBytes>>20)
	}
	return source.Parse(strings.NewReader(string(body)), spec)
}

// loaded is one source's pages or the reason it failed.
type loaded struct {
	spec  source.Spec
	pages []source.Page
	err   error
}

// loadAll loads every source, keeping going after a failure so a report
// names all of them.
func loadAll(ctx context.Context, specs []source.Spec) []loaded {
	out := make([]loaded, len(specs))
	for i, s := range specs {
		pages, err := loadOne(ctx, s)
		if err == nil && len(pages) == 0 {
			err = errors.New("no pages")
		}
		out[i] = loaded{spec: s, pages: pages, err: err}
	}
	return out
}

// merged is the pages of all loaded sources, the first source winning an
// id, as the server's index does.
func merged(list []loaded) []source.Page {
	var all []source.Page
	seen := map[string]bool{}
	for _, l := range list {
		for _, p := range l.pages {
			if !seen[p.ID] {
				seen[p.ID] = true
				all = append(all, p)
			}
		}
	}
	return all
}
