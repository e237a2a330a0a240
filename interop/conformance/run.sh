#!/usr/bin/env bash
# Runs the official MCP conformance suite (server scenarios, active suite)
# against a running caddy-mcp and fails only on scenarios that are not in
# expected-failures.yml, or on entries there that have started to pass.
#
# Usage: interop/conformance/run.sh [URL]    (default http://127.0.0.1:18082/mcp)
# Needs `npm ci` in this directory first; the pinned `node` package supplies
# the Node >= 22 that the suite requires, whatever node is on PATH.
set -euo pipefail
cd "$(dirname "$0")"
url="${1:-http://127.0.0.1:18082/mcp}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

status=0
# --no: never download; the suite must come from the lockfile.
npm exec --no -- conformance server --url "$url" \
	--expected-failures expected-failures.yml -o "$out/results" >"$out/log" 2>&1 || status=$?
# The CLI's "Total:" line counts checks before the baseline is applied; say so,
# and close with per-scenario counts: failing baseline entries count as
# skipped, passing ones (stale) and unlisted failures as failed.
# Print from the summary on (the whole log if the CLI died before it).
if grep -q '^=== SUMMARY ===$' "$out/log"; then
	sed -n '/^=== SUMMARY ===$/,$p' "$out/log"
else
	cat "$out/log"
fi | sed 's/^Total: /Total checks, baseline not applied: /'

awk '
	FNR == NR { if ($1 == "-") expected[$2] = 1; next }
	# A listed scenario that passes is a failure too: the baseline is stale.
	/^✓ / { name = $2; sub(/:$/, "", name); if (name in expected) failed++; else passed++ }
	/^✗ / { name = $2; sub(/:$/, "", name); if (name in expected) skipped++; else failed++ }
	END { printf "conformance: %d passed, %d failed, %d skipped\n", passed, failed, skipped }
' expected-failures.yml "$out/log"
if [ "$status" -ne 0 ]; then
	echo "Failed checks (scenario: check: message):"
	npm exec --no -- node -e '
		const fs = require("fs"), path = require("path");
		for (const d of fs.readdirSync(process.argv[1])) {
			const name = d.replace(/^server-/, "").replace(/-\d{4}-\d\d-\d\dT.*$/, "");
			for (const c of JSON.parse(fs.readFileSync(path.join(process.argv[1], d, "checks.json"))))
				if (c.status === "FAILURE" || c.status === "WARNING")
					console.log(`  ${name}: ${c.id}: ${c.errorMessage ?? ""}`);
		}' "$out/results" || true
fi
exit "$status"
