package caddymcp

import (
	"bytes"
	"encoding/json"

	"go.uber.org/zap"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
)

// landingCSS is the page's only style; the CSP allows it by its hash, so
// it is literal template text (never data) and must not change per request.
const landingCSS = `
body{font:16px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f;background:#fff}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
code,pre{font:14px/1.4 ui-monospace,monospace}pre{background:#f4f4f6;padding:.6rem .8rem;overflow-x:auto;border-radius:6px}
.muted{color:#666}.err{color:#a00}table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.2rem .5rem .2rem 0;vertical-align:top}
form{display:flex;gap:.5rem}input[type=search]{flex:1;font-size:1rem;padding:.4rem}button{font-size:1rem;padding:.4rem 1rem}
ol.hits li{margin:.6rem 0}mark{background:#fff3a0}
`

const landingHTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{.Name}} · documentation MCP server</title>
<style>` + landingCSS + `</style></head>
<body>
<h1>{{.Name}}</h1>
<p class="muted">A documentation search server for AI assistants (Model Context Protocol).
Connect a client below, or search the index here.</p>
{{with .Instructions}}<p>{{.}}</p>{{end}}

<h2>Search</h2>
<form method="get" role="search">
<input type="search" name="q" value="{{.Query}}" placeholder="Search the documentation" aria-label="Search the documentation">
<button type="submit">Search</button>
</form>
{{if .Searched}}
<p id="summary">{{.Total}} result{{if ne .Total 1}}s{{end}} for “{{.Query}}”.</p>
<ol class="hits">{{range .Hits}}
<li><a href="{{.URL}}">{{.Title}}</a><br><span class="muted">{{range .Snippet}}{{if .Mark}}<mark>{{.Text}}</mark>{{else}}{{.Text}}{{end}}{{end}}</span></li>{{end}}
</ol>
{{end}}

<h2>What is indexed</h2>
<p id="indexed">{{.Pages}} pages, {{.Sections}} sections{{with .IndexedAt}}; index built {{.}}{{end}}.</p>
<table><tr><th>Source</th><th>Kind</th><th>Pages</th><th>Last refresh</th></tr>
{{range .Sources}}<tr><td><code>{{.Location}}</code></td><td>{{.Kind}}</td><td>{{.Pages}}</td><td>{{.LastSuccess}}{{with .LastError}} <span class="err">({{.}})</span>{{end}}</td></tr>
{{end}}</table>

<h2>Connect a client</h2>
{{if .Streamable}}<p>Server URL (streamable HTTP): <code id="url">{{.URL}}</code>{{if .SSE}}; legacy HTTP+SSE: <code>{{.SSEURL}}</code>{{end}}</p>
<h3>Claude Code</h3>
<pre>{{.ClaudeCode}}</pre>
<h3>ChatGPT</h3>
<p>Settings → Apps → Advanced settings: turn on <em>Developer mode</em>. Then Settings → Apps →
<em>Create app</em>: MCP Server URL <code>{{.URL}}</code>, Authentication: <em>No authentication</em>
(ChatGPT needs an HTTPS URL reachable from the internet).</p>
<h3>VS Code (<code>.vscode/mcp.json</code>)</h3>
<pre>{{.VSCode}}</pre>
<h3>Cursor (<code>~/.cursor/mcp.json</code> or <code>.cursor/mcp.json</code>)</h3>
<pre>{{.Cursor}}</pre>
<h3>Gemini CLI</h3>
<pre>{{.GeminiCmd}}</pre>
<p>or in <code>~/.gemini/settings.json</code> (<code>httpUrl</code> is streamable HTTP; <code>url</code> would mean SSE):</p>
<pre>{{.Gemini}}</pre>
{{else}}<p>Legacy HTTP+SSE endpoint: <code>{{.SSEURL}}</code></p>{{end}}
</body></html>
`

// quoteJSON is s as a JSON string.
func quoteJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// jsonSnippet indents a JSON snippet for display.
func jsonSnippet(s string) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(s), "", "  "); err != nil {
		return s
	}
	return buf.String()
}

func zapError(err error) zap.Field { return zap.Error(err) }

// sectionsOf is the section count of ix; works on nil metrics too.
func (m *metrics) sectionsOf(ix *search.Index) int {
	if m == nil {
		var s sectionCount
		return s.of(ix)
	}
	return m.sections.of(ix)
}
