#!/usr/bin/env bash
# docs/query-api.md, run as a reader runs it, against a real `pgotool serve`
# started here in $TEST_TMP with its keys in DATA/keys. The test sets what the
# page's first block lets a reader set (PGOTOOL_API, PGOTOOL_DATA; no
# DD_API_KEY/DD_APP_KEY, so that the page reads the keys file), puts the
# built pgotool on the PATH and a CPU profile in cpu.pprof, runs every ```sh
# block in order, and then checks what the page promises: the uploads'
# answers and ids, the list answer holding them, the gopgo zip of gzip CPU
# profiles that `pgotool edges` reads and its merge, the download of the
# upload as sent, and the error the page shows, byte for byte. It also
# checks that the page has a curl command for every endpoint of the route
# table that a person or a script calls. Needs curl, unzip and python3.
. "$(dirname "$0")/../cli/lib.sh" || exit 1
. "$PGO_SRC/tests/cli/serve-lib.sh" || exit 1
. "$PGO_SRC/tests/docs/doc-lib.sh" || exit 1
serve_require_tools
if ! command -v python3 >/dev/null 2>&1; then
	[ "${CI:-}" = "true" ] && { echo "FATAL: $test_name needs python3"; exit 1; }
	echo "SKIP: $test_name: python3 is not installed"
	exit 77
fi
watchdog 300

PAGE=$PGO_SRC/docs/query-api.md
[ -f "$PAGE" ] || { echo "FATAL: $PAGE is missing"; exit 1; }
cp "$PGO_SRC/examples/profiles/burn-1.pprof" cpu.pprof || { echo "FATAL: no example profile"; exit 1; }

mkdir data bin
ln -s "$PGOTOOL" bin/pgotool
export PATH="$TEST_TMP/bin:$PATH"
start_server store --data data || { fail "the server starts"; done_testing; }
pass "the store starts ($PORT) and makes data/keys"
STORE_PID=$PID
API=$(sed -n 's/^api-key: //p' data/keys)
APP=$(sed -n 's/^app-key: //p' data/keys)
check_sh "data/keys has the two lines the page reads" '[ -n "$API" ] && [ -n "$APP" ]'

# The page's first block: the reader's settings.
unset DD_API_KEY DD_APP_KEY PGOTOOL_API_KEY PGOTOOL_APP_KEY
export PGOTOOL_API=$URL PGOTOOL_DATA=data

doc_run "$PAGE"
OUT=$DOC_OUTPUT

# ---- what the page promises -------------------------------------------------

check "GET /info printed the agent's endpoints" grep -q '"endpoints":\[.*"/profiling/v1/input"' "$OUT"
PROFILE=$(json_str upload.json profile_id)
EVENT=$(json_str upload.json event_id)
check_sh "the upload's answer has its profile_id and event_id" '[ -n "$PROFILE" ] && [ -n "$EVENT" ]'
n_ids=$(grep -c '^{"profile_id":"[^"]*","event_id":"[^"]*"}$' "$OUT")
check "all three uploads (intake, agentless, Pyroscope) answered with their ids (got $n_ids)" [ "$n_ids" = 3 ]

# list: the three uploads, the first by its ids, with the tags the page sent.
if python3 - "$PROFILE" "$EVENT" <<'EOF'; then
import json, sys
profile, event = sys.argv[1], sys.argv[2]
data = json.load(open("list.json"))["data"]
assert len(data) == 3, f"{len(data)} entries, want 3"
mine = [d for d in data if d["attributes"]["id"] == profile]
assert mine and mine[0]["id"] == event, "the upload is not in the list by its ids"
a = mine[0]["attributes"]
assert a["service"] == "checkout", a["service"]
for t in ("env:prod", "version:1.4.2", "runtime:go", "pgo:true", "profile-id:" + profile):
    assert t in a["tags"], f"no tag {t}: {a['tags']}"
assert a["custom"]["metrics"]["core_cpu_cores"] > 0
assert any("host:web-2" in d["attributes"]["tags"] for d in data), "the agentless upload lacks its header's tag"
assert any("source:pyroscope" in d["attributes"]["tags"] for d in data), "the push is not listed"
cores = [d["attributes"]["custom"]["metrics"]["core_cpu_cores"] for d in data]
assert cores == sorted(cores, reverse=True), f"not by CPU cores, most first: {cores}"
EOF
	pass "list (now-72h to now): the three uploads, the first by its ids and tags, by CPU cores"
else
	fail "list (now-72h to now): the three uploads, the first by its ids and tags, by CPU cores"
	head -c 3000 list.json | say
fi

# gopgo: a zip of the three profiles, each a gzip CPU profile pgotool reads.
names=$(unzip -Z1 profiles.zip 2>/dev/null | sort | tr '\n' ' ')
check "gopgo: the zip has the three profiles (got: $names)" [ "$(unzip -Z1 profiles.zip 2>/dev/null | wc -l)" = 3 ]
unzip -p profiles.zip "$PROFILE" >entry.pprof 2>/dev/null
check "gopgo: one entry is the upload, named by its profile id" [ -s entry.pprof ]
check "gopgo: the entry is gzip" [ "$(magic entry.pprof)" = 1f8b ]
check "gopgo: pgotool edges reads the entry" valid_pprof entry.pprof
check "gopgo: the entry is the profile uploaded" cmp -s entry.pprof cpu.pprof
check "the page's merge wrote default.pgo" valid_pprof default.pgo
pgotool edges default.pgo >default.edges 2>&1
# Its first line is the format's header, the same for every profile: the
# first edge shows that this profile's map was printed.
check "the page printed the head of default.pgo's edge map" grep -qxF "$(sed -n 2p default.edges)" "$OUT"

# download: the upload's attachment, byte for byte.
check "download: the zip holds cpu.pprof" [ "$(unzip -Z1 upload.zip 2>/dev/null)" = cpu.pprof ]
unzip -p upload.zip cpu.pprof >downloaded.pprof 2>/dev/null
check "download: cpu.pprof as uploaded" cmp -s downloaded.pprof cpu.pprof

# The error the page shows is the store's, byte for byte.
awk '/^```text[ \t]*$/ { inside = 1; block = ""; next }
	inside && /^```[ \t]*$/ { inside = 0; if (block ~ /"errors"/) { printf "%s", block; exit } next }
	inside { block = block $0 "\n" }' "$PAGE" >shown-error.txt
check "the page shows a 400 and its error" grep -q '^400$' shown-error.txt
if [ -s shown-error.txt ] && python3 -c '
import sys
out, shown = open(sys.argv[1]).read(), open(sys.argv[2]).read()
sys.exit(0 if shown in out else 1)' "$OUT" shown-error.txt; then
	pass "the error the page shows is what the store answers"
else
	fail "the error the page shows is what the store answers"
	{ echo "shown:"; cat shown-error.txt; echo "answered:"; cat error.json; } | say
fi

# The query syntax error the page quotes.
quoted=$(grep -o '`list: filter.query: position [^`]*`' "$PAGE" | tr -d '`')
printf '{"filter":{"from":"now-1h","to":"now","query":"service:(alpha OR beta"}}' >perr.req
http perr POST /api/unstable/profiles/list -H "DD-API-KEY: $API" -H "DD-APPLICATION-KEY: $APP" \
	-H 'Content-Type: application/json' --data-binary @perr.req
if [ -n "$quoted" ] && [ "$CODE" = 400 ] && grep -qF "\"$quoted\"" perr.body; then
	pass "the query error the page quotes is the store's for service:(alpha OR beta"
else
	fail "the query error the page quotes ($quoted) is the store's for service:(alpha OR beta"
	show perr
fi

# The page covers every endpoint a person or a script calls, with curl.
blocks=$(doc_blocks "$PAGE")
for path in /info /profiling/v1/input /api/v2/profile /ingest /api/unstable/profiles/list \
	/api/unstable/profiles/gopgo /api/ui/profiling/profiles/; do
	check "a curl block calls $path" grep -q "curl .*\$PGOTOOL_API$path\|\"\$PGOTOOL_API$path" <<<"$blocks"
	check "the route table has $path" grep -qF "\"$path" "$PGO_SRC/src/server/router.c"
done

# Every request the page made got the status it expects.
for want in 'GET /info 200' 'POST /profiling/v1/input 200' 'POST /api/v2/profile 200' 'POST /ingest 200' \
	'POST /api/unstable/profiles/list 400' 'POST /api/unstable/profiles/list 200' \
	'POST /api/unstable/profiles/gopgo 200' 'GET /api/ui/profiling/profiles/[^ ]*/download 200'; do
	check "the store's log: $want" grep -q " INFO  *$want " store.log
done

stop_server "$STORE_PID"
check_sh "the store exits 0 (got $STATUS), no sanitizer report" '[ "$STATUS" = 0 ] && sanitizer_clean store'

done_testing
