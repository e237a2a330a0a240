package mcpcmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/caddyserver/caddy/v2/caddyconfig"
	_ "github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile" // the caddyfile adapter

	"github.com/caddy-mcp/caddy-mcp/caddymcp/loader"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

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

// loadOne loads one source with the server's loaders (local and remote:
// the same kinds, limits and fetch policy).
func loadOne(ctx context.Context, spec source.Spec) (name string, pages []source.Page, err error) {
	l, err := loader.Resolve(spec, loader.Options{})
	if err != nil {
		return spec.String(), nil, err
	}
	res, err := l.Load(ctx)
	return l.Name(), res.Pages, err
}

// loaded is one source's pages or the reason it failed.
type loaded struct {
	name  string // the source's public name, with its resolved kind
	pages []source.Page
	err   error
}

// loadAll loads every source, keeping going after a failure so a report
// names all of them.
func loadAll(ctx context.Context, specs []source.Spec) []loaded {
	out := make([]loaded, len(specs))
	for i, s := range specs {
		name, pages, err := loadOne(ctx, s)
		if err == nil && len(pages) == 0 {
			err = errors.New("no pages")
		}
		out[i] = loaded{name: name, pages: pages, err: err}
	}
	return out
}

// merged is the pages of all loaded sources, the first source winning an
// id, as the server's index does.
func merged(list []loaded) []source.Page {
	lists := make([][]source.Page, len(list))
	for i, l := range list {
		lists[i] = l.pages
	}
	return source.Merge(lists...)
}
