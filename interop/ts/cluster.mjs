// Cluster check: the official MCP TypeScript SDK through a load-balancing
// edge in front of several caddy-mcp backends (internal/clustertest runs it
// with MCP_BASE_URL set to the edge and NODE_EXTRA_CA_CERTS to its CA).
// Backends name themselves in an X-Backend response header; a recording
// fetch logs which one answered each request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';

const base = process.env.MCP_BASE_URL;
if (!base) throw new Error('set MCP_BASE_URL');

function recordingFetch(log) {
  return async (url, init) => {
    const res = await fetch(url, init);
    log.push({ method: init?.method ?? 'GET', path: new URL(url).pathname, backend: res.headers.get('x-backend') });
    return res;
  };
}

const transports = {
  'streamable HTTP': (f) => new StreamableHTTPClientTransport(new URL('/mcp', base), { fetch: f }),
  'legacy HTTP+SSE': (f) => new SSEClientTransport(new URL('/sse', base), { fetch: f }),
};

for (const [name, make] of Object.entries(transports)) {
  test(`${name} through the edge: search, fetch, paginate search_docs`, async () => {
    const log = [];
    const client = new Client({ name: 'cluster', version: '1.0.0' });
    await client.connect(make(recordingFetch(log)));
    try {
      const found = await client.callTool({ name: 'search', arguments: { query: 'multilingual features' } });
      assert.notEqual(found.isError, true, JSON.stringify(found));
      const { results } = JSON.parse(found.content[0].text);
      assert.ok(results.length > 0, 'no search results');
      const page = await client.callTool({ name: 'fetch', arguments: { id: results[0].id } });
      assert.notEqual(page.isError, true, JSON.stringify(page));
      assert.equal(JSON.parse(page.content[0].text).id, results[0].id);

      const seen = new Set();
      let args = { query: 'template', limit: 3 };
      for (let i = 0; i < 3; i++) {
        const r = await client.callTool({ name: 'search_docs', arguments: args });
        assert.notEqual(r.isError, true, JSON.stringify(r));
        const s = r.structuredContent;
        assert.equal(s.index_changed ?? false, false, `page ${i + 1}: cursor from another backend flagged`);
        assert.equal(s.offset, 3 * i);
        for (const h of s.results) {
          assert.ok(!seen.has(h.id), `page ${i + 1} repeats ${h.id}`);
          seen.add(h.id);
        }
        args = { ...args, cursor: s.next_cursor };
      }
    } finally {
      await client.close();
    }
    const posts = log.filter((e) => e.method === 'POST');
    const backends = new Set(posts.map((e) => e.backend));
    console.log(`${name}: backend per POST: ${posts.map((e) => e.backend).join(' ')}`);
    assert.ok(!backends.has(null), 'a response without X-Backend');
    if (name.startsWith('legacy')) {
      const stream = log.find((e) => e.method === 'GET' && e.path === '/sse');
      assert.equal(backends.size, 1, `SSE POSTs spread over ${[...backends]}`);
      assert.ok(backends.has(stream.backend), `stream on ${stream.backend}, POSTs on ${[...backends]}`);
    } else {
      assert.ok(backends.size >= 2, `every POST of the session landed on ${[...backends]}`);
    }
  });
}
