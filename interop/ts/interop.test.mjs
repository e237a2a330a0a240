// Interop check: the official MCP TypeScript SDK talks to a running caddy-mcp
// over both transports. MCP_BASE_URL names the server (e.g. http://127.0.0.1:18080).
// The SDK validates structuredContent against each tool's outputSchema, so a
// shape mismatch fails here even when mcp-go's own client is lenient.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';

const base = process.env.MCP_BASE_URL;
if (!base) throw new Error('set MCP_BASE_URL');

const transports = {
  'streamable HTTP': () => new StreamableHTTPClientTransport(new URL('/mcp', base)),
  'legacy HTTP+SSE': () => new SSEClientTransport(new URL('/sse', base)),
};

for (const [name, make] of Object.entries(transports)) {
  test(`${name}: list tools, search, fetch, read a resource`, async () => {
    const client = new Client({ name: 'interop', version: '1.0.0' });
    await client.connect(make());
    try {
      const { tools } = await client.listTools();
      const names = tools.map((t) => t.name).sort();
      for (const want of ['fetch', 'read_page', 'search', 'search_docs']) {
        assert.ok(names.includes(want), `tool ${want} missing: ${names}`);
      }
      for (const t of tools) {
        assert.equal(t.annotations?.readOnlyHint, true, `${t.name} readOnlyHint`);
        assert.equal(t.annotations?.destructiveHint, false, `${t.name} destructiveHint`);
      }

      const found = await client.callTool({ name: 'search', arguments: { query: 'taxonomy templates' } });
      assert.notEqual(found.isError, true, JSON.stringify(found));
      assert.equal(found.content.length, 1);
      const { results } = JSON.parse(found.content[0].text);
      assert.ok(results.length > 0, 'no search results');
      for (const r of results) {
        assert.ok(r.id && r.title && r.url.startsWith('http'), JSON.stringify(r));
      }

      const page = await client.callTool({ name: 'fetch', arguments: { id: results[0].id } });
      assert.notEqual(page.isError, true, JSON.stringify(page));
      const doc = JSON.parse(page.content[0].text);
      assert.equal(doc.id, results[0].id);
      assert.ok(doc.text.length > 0 && doc.text.length <= 100000, `text length ${doc.text.length}`);
      assert.ok(doc.url.startsWith('http'));

      const bad = await client.callTool({ name: 'search_docs', arguments: { query: '' } });
      assert.equal(bad.isError, true, 'empty query must be a tool error');

      const toc = await client.readResource({ uri: 'docs://toc' });
      assert.ok(toc.contents[0].text.length > 0);
    } finally {
      await client.close();
    }
  });
}
