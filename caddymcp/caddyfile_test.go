package caddymcp

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
)

// findMCP returns the mcp handler objects in an adapted config, in order,
// and the handler names of the route they are in.
func findMCP(t *testing.T, v any, out *[]map[string]any, order *[]string) {
	switch x := v.(type) {
	case map[string]any:
		if x["handler"] == "mcp" {
			*out = append(*out, x)
		}
		if hs, ok := x["handle"].([]any); ok {
			for _, h := range hs {
				if m, ok := h.(map[string]any); ok {
					if name, ok := m["handler"].(string); ok {
						*order = append(*order, name)
					}
				}
			}
		}
		for _, e := range x {
			findMCP(t, e, out, order)
		}
	case []any:
		for _, e := range x {
			findMCP(t, e, out, order)
		}
	}
}

// adaptMCP adapts a site with the given mcp block (and extra directives)
// and returns the mcp handler JSON.
func adaptMCP(t *testing.T, site string) (string, []string, error) {
	t.Helper()
	cfg, _, err := adaptCaddyfile(":8080 {\n" + site + "\n}\n")
	if err != nil {
		return "", nil, err
	}
	var v any
	if err := json.Unmarshal(cfg, &v); err != nil {
		t.Fatal(err)
	}
	var found []map[string]any
	var order []string
	findMCP(t, v, &found, &order)
	if len(found) != 1 {
		t.Fatalf("%d mcp handlers in %s", len(found), cfg)
	}
	delete(found[0], "handler")
	b, _ := json.Marshal(found[0])
	return string(b), order, nil
}

func TestCaddyfileGood(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"bare", `mcp {
			source ./public/index.json
		}`, `{"sources":[{"location":"./public/index.json"}]}`},
		{"everything", `mcp {
			source ./public/index.json
			source ./docs https://docs.example.com/
			source {
				kind llms_txt
				location https://example.com/llms.txt
			}
			source ./site {
				kind site_root
				base_url https://example.com/
			}
			name "Example Docs"
			instructions "Search the Example docs first."
			public_url https://docs.example.com/mcp
			endpoint /api/mcp
			sse /events /events/message
			allowed_origins https://chatgpt.com https://claude.ai
			allowed_origins http://localhost:6274
			max_request_body 2MB
			session_idle_timeout 10m
			max_sessions 500
			max_sessions_per_client 8
			keepalive 20s
			refresh 1h
			watch off
			reload 5m
			fetch_timeout 10s
			max_source_size 10MiB
			llms_txt off
		}`, `{"allowed_origins":["https://chatgpt.com","https://claude.ai","http://localhost:6274"],` +
			`"disable_llms_txt":true,"endpoint":"/api/mcp","fetch_timeout":10000000000,` +
			`"instructions":"Search the Example docs first.","keepalive":20000000000,` +
			`"max_request_body":2000000,"max_sessions":500,"max_sessions_per_client":8,"max_source_size":10485760,"message_endpoint":"/events/message","name":"Example Docs",` +
			`"public_url":"https://docs.example.com/mcp","refresh":3600000000000,"reload":300000000000,"session_idle_timeout":600000000000,` +
			`"sources":[{"location":"./public/index.json"},{"base_url":"https://docs.example.com/","location":"./docs"},` +
			`{"kind":"llms_txt","location":"https://example.com/llms.txt"},{"base_url":"https://example.com/","kind":"site_root","location":"./site"}],` +
			`"sse_endpoint":"/events","watch":-1}`},
		{"transports off", `mcp {
			source index.json
			endpoint off
			sse /s
		}`, `{"disable_streamable":true,"sources":[{"location":"index.json"}],"sse_endpoint":"/s"}`},
		{"sse off keepalive off", `mcp {
			source index.json
			sse off
			keepalive off
			max_request_body 512KiB
		}`, `{"disable_sse":true,"keepalive":-1,"max_request_body":524288,"sources":[{"location":"index.json"}]}`},
		{"freshness defaults spelled out", `mcp {
			source index.json
			reload off
			llms_txt on
			max_source_size 50MB
		}`, `{"max_source_size":50000000,"sources":[{"location":"index.json"}]}`},
		{"llms_txt off frees its paths", `mcp {
			source index.json
			endpoint /llms.txt
			llms_txt off
		}`, `{"disable_llms_txt":true,"endpoint":"/llms.txt","sources":[{"location":"index.json"}]}`},
		{"path matcher that covers an endpoint", `mcp /MCP* {
			source index.json
		}`, `{"sources":[{"location":"index.json"}]}`},
		{"named matcher", `@local remote_ip 127.0.0.1
		mcp @local {
			source index.json
		}`, `{"sources":[{"location":"index.json"}]}`},
		{"origin wildcard", `mcp {
			source index.json
			allowed_origins *
		}`, `{"allowed_origins":["*"],"sources":[{"location":"index.json"}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := adaptMCP(t, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestCaddyfileOrder: `mcp` needs no route block or order option and runs
// after encode/basic_auth and before respond/file_server.
func TestCaddyfileOrder(t *testing.T) {
	_, order, err := adaptMCP(t, `
		file_server
		respond /x 200
		mcp {
			source index.json
		}
		encode gzip
	`)
	if err != nil {
		t.Fatal(err)
	}
	idx := map[string]int{}
	for i, h := range order {
		if _, ok := idx[h]; !ok {
			idx[h] = i
		}
	}
	if !(idx["encode"] < idx["mcp"] && idx["mcp"] < idx["static_response"] && idx["mcp"] < idx["file_server"]) {
		t.Fatalf("handler order %v", order)
	}
}

func TestCaddyfileErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"no source", `mcp`, "source: at least one source is required"},
		{"empty block", "mcp {\n}", "source: at least one source is required"},
		{"argument", `mcp ./index.json`, `unexpected argument "./index.json"; options go in a block: mcp { source <location> }`},
		{"unknown", "mcp {\nsource a\nbogus 1\n}", `unknown subdirective "bogus" (options: source, name,`},
		{"path matcher as prefix", "mcp /docs/* {\nsource a\n}", "the path matcher \"/docs/*\" lets none of the MCP endpoints (/mcp, /sse, /message) through, so nothing would be served; " +
			"the endpoint paths are not relative to the matcher: to serve MCP under /docs/, write `handle_path /docs/* { mcp { ... } }`"},
		{"path matcher misses custom paths", "mcp /mcp {\nsource a\nendpoint /api\nsse off\n}", `the path matcher "/mcp" lets none of the MCP endpoints (/api) through`},
		{"typo", "mcp {\nsorce a\n}", `unknown subdirective "sorce"; did you mean "source"?`},
		{"dashes", "mcp {\nsource a\nmax-request-body 1MB\n}", `unknown subdirective "max-request-body"; did you mean "max_request_body"?`},
		{"no underscore", "mcp {\nsource a\nallowedorigins *\n}", `did you mean "allowed_origins"?`},
		{"source ftp", "mcp {\nsource ftp://example.com/index.json\n}", `source auto:index.json: unsupported URL scheme "ftp" (want http://, https:// or a local path)`},
		{"source file URL", "mcp {\nsource file:///srv/docs/index.json\n}", `unsupported URL scheme "file"`},
		{"body in bytes", "mcp {\nsource a\nmax_request_body 10\n}", "max_request_body: 10 bytes is too small for MCP messages"},
		{"max_sessions zero", "mcp {\nsource a\nmax_sessions 0\n}", `max_sessions: "0" is not a positive number`},
		{"max_sessions_per_client word", "mcp {\nsource a\nmax_sessions_per_client many\n}", `max_sessions_per_client: "many" is not a positive number`},
		{"source no args", "mcp {\nsource\n}", "source: a location is required"},
		{"source too many", "mcp {\nsource a b c\n}", "source: want `source <location> [<base_url>]`, got 3 arguments"},
		{"source bad kind", "mcp {\nsource a {\nkind pdf\n}\n}", `source pdf:a: unknown kind "pdf" (want one of index_json, markdown, site_root, llms_txt)`},
		{"source bad option", "mcp {\nsource a {\nroot x\n}\n}", `source: unknown option "root" (want kind, location, base_url or follow_redirects)`},
		{"source bad base_url", "mcp {\nsource ./docs docs.example.com\n}", `source auto:docs: base_url: "docs.example.com" must be an absolute http:// or https:// URL`},
		{"name twice", "mcp {\nsource a\nname x\nname y\n}", "name: specified more than once"},
		{"name missing", "mcp {\nsource a\nname\n}", "name: want exactly one value, got 0"},
		{"endpoint relative", "mcp {\nsource a\nendpoint mcp\n}", `endpoint: path "mcp" must start with '/'`},
		{"endpoint wildcard", "mcp {\nsource a\nendpoint /mcp*\n}", `endpoint: path "/mcp*" must be a plain path (no query, fragment or wildcard)`},
		{"sse relative", "mcp {\nsource a\nsse sse\n}", `sse: path "sse" must start with '/'`},
		{"sse too many", "mcp {\nsource a\nsse /a /b /c\n}", "sse: want `sse <sse_path> [<message_path>]` or `sse off`, got 3 arguments"},
		{"dup paths", "mcp {\nsource a\nendpoint /sse\n}", `sse: path "/sse" is already used by endpoint`},
		{"dup sse paths", "mcp {\nsource a\nsse /x /x\n}", `sse message: path "/x" is already used by sse`},
		{"message clashes", "mcp {\nsource a\nendpoint /message\n}", `sse message: path "/message" is already used by endpoint`},
		{"both off", "mcp {\nsource a\nendpoint off\nsse off\n}", "endpoint, sse: both transports are off; nothing to serve"},
		{"bad origin", "mcp {\nsource a\nallowed_origins chatgpt.com\n}", `allowed_origins: "chatgpt.com" is not a valid origin: scheme must be http or https`},
		{"origin path", "mcp {\nsource a\nallowed_origins https://chatgpt.com/x\n}", `allowed_origins: "https://chatgpt.com/x" is not a valid origin: want scheme://host[:port]`},
		{"no origins", "mcp {\nsource a\nallowed_origins\n}", "allowed_origins: at least one origin is required"},
		{"bad size", "mcp {\nsource a\nmax_request_body lots\n}", `max_request_body: "lots" is not a valid size (e.g. 1MB, 512KiB)`},
		{"zero size", "mcp {\nsource a\nmax_request_body 0\n}", `max_request_body: "0" is not a valid size (e.g. 1MB, 512KiB)`},
		{"bad duration", "mcp {\nsource a\nsession_idle_timeout soon\n}", `session_idle_timeout: "soon" is not a valid positive duration (e.g. 30m, 25s)`},
		{"negative duration", "mcp {\nsource a\nkeepalive -5s\n}", `keepalive: "-5s" is not a valid positive duration (e.g. 30m, 25s)`},
		{"bad source size", "mcp {\nsource a\nmax_source_size huge\n}", `max_source_size: "huge" is not a valid size (e.g. 1MB, 512KiB)`},
		{"zero source size", "mcp {\nsource a\nmax_source_size 0\n}", `max_source_size: "0" is not a valid size (e.g. 1MB, 512KiB)`},
		{"source size twice", "mcp {\nsource a\nmax_source_size 1MB\nmax_source_size 2MB\n}", "max_source_size: specified more than once"},
		{"fetch_timeout off", "mcp {\nsource a\nfetch_timeout off\n}", `fetch_timeout: "off" is not a valid positive duration (e.g. 30m, 25s)`},
		{"fetch_timeout zero", "mcp {\nsource a\nfetch_timeout 0s\n}", `fetch_timeout: "0s" is not a valid positive duration (e.g. 30m, 25s)`},
		{"fetch_timeout missing", "mcp {\nsource a\nfetch_timeout\n}", "fetch_timeout: want exactly one value, got 0"},
		{"bad reload", "mcp {\nsource a\nreload sometimes\n}", `reload: "sometimes" is not a valid positive duration (e.g. 30m, 25s)`},
		{"negative reload", "mcp {\nsource a\nreload -1m\n}", `reload: "-1m" is not a valid positive duration (e.g. 30m, 25s)`},
		{"bad llms_txt", "mcp {\nsource a\nllms_txt yes\n}", `llms_txt: want on or off, got "yes"`},
		{"endpoint on llms.txt", "mcp {\nsource a\nendpoint /llms.txt\n}", "endpoint: path \"/llms.txt\" is also served as llms.txt; pick another path or set `llms_txt off`"},
		{"sse on llms-full.txt", "mcp {\nsource a\nsse /sse /llms-full.txt\n}", `sse message: path "/llms-full.txt" is also served as llms.txt`},
		{"bad public_url", "mcp {\nsource a\npublic_url /mcp\n}", `public_url: "/mcp" must be an absolute http:// or https:// URL`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := adaptMCP(t, tc.in)
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

// TestJSONValidate: JSON configs get the same checks (Validate), and a
// config with defaults only needs sources.
func TestJSONValidate(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{}`, "source: at least one source is required"},
		{`{"sources":[{"location":""}]}`, "location is required"},
		{`{"sources":[{"location":"a"}],"endpoint":"mcp"}`, `endpoint: path "mcp" must start with '/'`},
		{`{"sources":[{"location":"a"}],"allowed_origins":["ftp://x"]}`, "allowed_origins"},
		{`{"sources":[{"location":"a"}],"max_request_body":-1}`, "max_request_body: must not be negative"},
		{`{"sources":[{"location":"a"}],"max_request_body":512}`, "max_request_body: 512 bytes is too small"},
		{`{"sources":[{"location":"s3://bucket/index.json"}]}`, `unsupported URL scheme "s3"`},
		{`{"sources":[{"location":"a"}],"session_idle_timeout":"-1s"}`, "session_idle_timeout: must not be negative"},
		{`{"sources":[{"location":"a"}],"disable_sse":true,"disable_streamable":true}`, "both transports are off"},
		{`{"sources":[{"location":"a"}],"message_endpoint":"/mcp"}`, `sse message: path "/mcp" is already used by endpoint`},
		{`{"sources":[{"location":"a"}],"fetch_timeout":"-1s"}`, "fetch_timeout: must not be negative"},
		{`{"sources":[{"location":"a"}],"max_source_size":-5}`, "max_source_size: must not be negative"},
		{`{"sources":[{"location":"a"}],"endpoint":"/llms.txt"}`, `endpoint: path "/llms.txt" is also served as llms.txt`},
		{`{"sources":[{"location":"a"}],"endpoint":"/llms.txt","disable_llms_txt":true}`, ""},
		{`{"sources":[{"location":"a"}],"reload":"-1s","fetch_timeout":"5s","max_source_size":1024}`, ""},
		{`{"sources":[{"location":"a"}]}`, ""},
	} {
		var h Handler
		if err := json.Unmarshal([]byte(tc.in), &h); err != nil {
			t.Fatal(err)
		}
		err := h.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.in, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want %q", tc.in, err, tc.want)
		}
	}
}

// TestJSONConfigLoad: a config with a bad option fails caddy.Load with the
// option named (Provision checks before loading anything).
func TestJSONConfigLoad(t *testing.T) {
	cfg := `{"admin":{"disabled":true},"apps":{"http":{"servers":{"s":{"listen":["127.0.0.1:0"],
		"routes":[{"handle":[{"handler":"mcp","sources":[{"location":"x"}],"sse_endpoint":"events"}]}]}}}}}`
	err := caddy.Load([]byte(cfg), true)
	_ = caddy.Stop()
	if err == nil || !strings.Contains(err.Error(), `sse: path "events" must start with '/'`) {
		t.Fatalf("load error %v", err)
	}
}
