#!/usr/bin/env bash
# docs/operating.md, run as a reader runs it: its ```sh blocks, verbatim and
# in order, start a real `pgotool serve`, upload twenty profiles and then
# keep uploading in the background, take an online backup (sqlite3's VACUUM
# INTO) while the uploads go on, check it on a second store made from it,
# restore it (stop, replace the data directory, start) and read the schema
# version. The test sets what the page lets a reader set (ADDR and
# CHECK_ADDR on free ports, PROFILE) and puts `pgotool` on the PATH. Then it
# checks the result against the original directory, which the page keeps
# (pgotool-data.before-restore):
#  - the backup passes PRAGMA integrity_check and keeps the schema version;
#  - the uploads carry profile_seq:N and come one after another, so the
#    backup must hold exactly uploads 1..K (a snapshot), with K > 20 (the
#    background loop's uploads had begun before the backup) and uploads
#    after K in the original (they went on after it);
#  - the stores made from the backup (the page's check store and the
#    restored one) answer profiles/list, with the keys, with the same
#    entries, byte for byte as JSON values, as the original answers for
#    uploads 1..K: the original's list at backup time.
# It also checks what the page says of keys, TLS and upgrades, outside the
# page: rotation by deleting DIR/keys and restarting (old keys 403, new keys
# 200, uploads go on, --intake-key refuses the old key without a WARN line);
# certificates read only at startup (SIGHUP keeps the old one, a restart
# takes the new); an older pgotool refusing a newer directory with the
# message the page quotes, exit 1, the file untouched.
# Needs sqlite3 (mandatory in CI), curl, openssl and python3.
# PGO_KEEP_TMP=1 keeps the work directory.
. "$(dirname "$0")/../cli/lib.sh" || exit 1
. "$PGO_SRC/tests/cli/serve-lib.sh" || exit 1
. "$PGO_SRC/tests/docs/doc-lib.sh" || exit 1
serve_require_tools
for tool in sqlite3 openssl python3; do
	command -v $tool >/dev/null 2>&1 && continue
	[ "${CI:-}" = "true" ] && { echo "FATAL: $test_name needs $tool (scripts/install-deps.sh installs it)"; exit 1; }
	echo "SKIP: $test_name: $tool is not installed"
	exit 77
done
watchdog 600

PAGE=$PGO_SRC/docs/operating.md
bail() {
	fail "$*"
	done_testing
}

# What the page starts in the background (stores, the upload loop) is
# killed on exit, even when a block fails before the page stops it: every
# process that carries this test's mark in its environment, by its id.
export PGO_DOC_MARK="$TEST_TMP"
page_cleanup() {
	local p pid
	if [ -n "${PGO_DOC_MARK:-}" ] && [ -d "$PGO_DOC_MARK" ]; then
		for p in /proc/[0-9]*; do
			pid=${p#/proc/}
			[ "$pid" != $$ ] && tr '\0' '\n' 2>/dev/null <"$p/environ" | grep -qxF "PGO_DOC_MARK=$PGO_DOC_MARK" &&
				kill -KILL "$pid" 2>/dev/null
		done
	fi
	if [ -n "${PGO_KEEP_TMP:-}" ]; then
		[ -n "$WATCHDOG_PID" ] && kill "$WATCHDOG_PID" 2>/dev/null
		while read -r p; do [ -n "$p" ] && kill -KILL "$p" 2>/dev/null; done <"$TEST_TMP/pids"
		echo "keeping $TEST_TMP" | say
	else
		serve_cleanup
	fi
}
trap page_cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

mkdir bin
ln -s "$PGOTOOL" bin/pgotool
unset PGOTOOL_API_KEY PGOTOOL_APP_KEY PGOTOOL_DATA HTTPS_PROXY https_proxy HTTP_PROXY http_proxy ALL_PROXY all_proxy
export PATH="$TEST_TMP/bin:$PATH" ADDR="127.0.0.1:$(free_port)" CHECK_ADDR="127.0.0.1:$(free_port)"
export PROFILE="$PGO_SRC/examples/profiles/burn-1.pprof"

# ---- the page ----
doc_run "$PAGE"
cp "$DOC_OUTPUT" page.out

ORIG=pgotool-data.before-restore
BACKUP=$(ls -d backup-* 2>/dev/null | head -n 1)
[ -n "$BACKUP" ] && [ -d "$ORIG" ] && [ -f restored-list.json ] || bail "the page left a backup, the original directory and the check store's list"

check "DIR/keys was made mode 0600, in a directory of mode 0700" \
	bash -c "[ \"\$(stat -c %a $ORIG/keys)\" = 600 ] && [ \"\$(stat -c %a $ORIG)\" = 700 ]"
check "the backup holds the store's keys" cmp -s "$ORIG/keys" "$BACKUP/keys"
ic=$(sqlite3 "$BACKUP/profiles.db" 'PRAGMA integrity_check' 2>&1)
check "the backup passes PRAGMA integrity_check (got: $ic)" [ "$ic" = ok ]
uv=$(sqlite3 "$BACKUP/profiles.db" 'PRAGMA user_version' 2>&1)
check "the backup keeps the schema version, 1 (got $uv)" [ "$uv" = 1 ]
ic=$(sqlite3 pgotool-data/profiles.db 'PRAGMA integrity_check' 2>&1)
check "the restored store's database passes PRAGMA integrity_check after it ran (got: $ic)" [ "$ic" = ok ]
check "the restored store printed its schema version, 1" grep -qx 1 page.out

# ---- the lists: the original's (all uploads), the check store's, the restored store's ----
API_KEY=$(sed -n 's/^api-key: //p' "$ORIG/keys")
APP_KEY=$(sed -n 's/^app-key: //p' "$ORIG/keys")
# list_all NAME: profiles/list of $URL, every upload of the last hour, into NAME.json.
list_all() {
	http "$1" POST /api/unstable/profiles/list -H "DD-API-KEY: $API_KEY" -H "DD-APPLICATION-KEY: $APP_KEY" \
		-H 'Content-Type: application/json' \
		--data-binary "$(search_json "$(iso -3600)" "$(iso 60)" 'service:checkout' '' '' 1000)"
	cp "$1.body" "$1.json"
	[ "$CODE" = 200 ] || { show "$1"; return 1; }
}
cp -a "$ORIG" orig-copy
start_server orig --data orig-copy || bail "start a store on the original directory"
list_all original || fail "profiles/list of the original directory"
stop_server "$PID"
start_server restored --data pgotool-data || bail "start the restored store again"
list_all restored || fail "profiles/list of the restored store"
stop_server "$PID"

python3 - original.json restored-list.json restored.json >lists.txt 2>&1 <<'EOF'
import json, sys
def load(path):
    out = {}
    for d in json.load(open(path))["data"]:
        seq = [t.split(":", 1)[1] for t in d["attributes"]["tags"] if t.startswith("profile_seq:")]
        out[int(seq[0])] = d
    return out
orig, check, restored = (load(p) for p in sys.argv[1:])
k = max(check) if check else 0
print("original: %d uploads (seq up to %d); backup: %d uploads (seq up to %d)" % (len(orig), max(orig), len(check), k))
ok = True
def need(cond, what):
    global ok
    print(("ok: " if cond else "FAILED: ") + what)
    ok = ok and cond
need(sorted(orig) == list(range(1, len(orig) + 1)), "the original holds uploads 1..%d, each once" % len(orig))
need(sorted(check) == list(range(1, k + 1)), "the backup holds uploads 1..K, a snapshot (K = %d)" % k)
need(k > 20, "K > 20: the twenty first uploads and some of the background loop's are in it")
need(max(orig) > k, "the original took uploads after the backup's snapshot (up to %d)" % max(orig))
need({s: orig[s] for s in range(1, k + 1)} == check,
     "the check store's list equals the original's entries for uploads 1..K")
need(restored == check, "the restored store's list equals the check store's")
sys.exit(0 if ok else 1)
EOF
rc=$?
head -n 1 lists.txt | say
check "the stores made from the backup answer the original's list at backup time (uploads 1..K, K > 20, more after)" \
	[ "$rc" = 0 ]
[ "$rc" = 0 ] || say <lists.txt

# ---- keys: rotation by deleting DIR/keys and restarting ----
cp -a "$BACKUP" rotate
start_server rot1 --data rotate || bail "start a store for the rotation"
OLD_API=$API_KEY OLD_APP=$APP_KEY
check "with the keys in DIR/keys, the log says it read them" grep -q "keys read from rotate/keys" rot1.log
stop_server "$PID"
rm rotate/keys
start_server rot2 --data rotate || bail "start the store after deleting DIR/keys"
check "after deleting DIR/keys, a restart makes new ones and says so" grep -q "keys created in rotate/keys" rot2.log
check "the new DIR/keys is mode 0600" [ "$(stat -c %a rotate/keys)" = 600 ]
API_KEY=$(sed -n 's/^api-key: //p' rotate/keys)
APP_KEY=$(sed -n 's/^app-key: //p' rotate/keys)
check "the new keys differ from the old" [ -n "$API_KEY" -a "$API_KEY" != "$OLD_API" -a "$APP_KEY" != "$OLD_APP" ]
API_KEY=$OLD_API APP_KEY=$OLD_APP list_all rot-old >/dev/null 2>&1
check "the query API answers the old keys with 403 (got $CODE), naming the keys" \
	bash -c "[ $CODE = 403 ] && grep -q 'missing or wrong DD-API-KEY or DD-APPLICATION-KEY' rot-old.body"
list_all rot-new
check "and the new keys with 200, with every profile of the backup" \
	bash -c "[ $CODE = 200 ] && cmp -s <(python3 -c 'import json,sys; print(sorted(d[\"id\"] for d in json.load(open(sys.argv[1]))[\"data\"]))' rot-new.json) \
		<(python3 -c 'import json,sys; print(sorted(d[\"id\"] for d in json.load(open(sys.argv[1]))[\"data\"]))' restored-list.json)"
event_json ev.json "$(iso -60)" "$(iso 0)" "service:checkout,env:prod,runtime:go"
upload up-nokey /profiling/v1/input ev.json "$PROFILE"
expect_code up-nokey 200 "without --intake-key, uploads need no key after the rotation either"
stop_server "$PID"
start_server rot3 --data rotate --intake-key || bail "start the store with --intake-key"
upload up-old /profiling/v1/input ev.json "$PROFILE" -H "DD-API-KEY: $OLD_API"
check "with --intake-key, an upload with the old API key gets 403, 'a wrong API key' (got $CODE)" \
	bash -c "[ $CODE = 403 ] && grep -q 'a wrong API key' up-old.body"
check "and its log line is a 403 request line, with no WARN line" \
	bash -c "grep -q 'POST /profiling/v1/input 403 .*a wrong API key' rot3.log && ! grep -q ' WARN ' rot3.log"
upload up-none /profiling/v1/input ev.json "$PROFILE"
for i in $(seq 1 50); do grep -q ' WARN ' rot3.log && break; sleep 0.1; done
check "an upload with no key at all gets the WARN line the page quotes" \
	grep -q ' WARN  uploads from 127\.0\.0\.1 (.*) carry no API key, and --intake-key requires one, so their profiles are lost' rot3.log
stop_server "$PID"

# ---- TLS: read at startup only ----
make_tls tls-a localhost "pgotool t9300 CA A" && make_tls tls-b localhost "pgotool t9300 CA B" ||
	{ say <tls-a/openssl.log; bail "make two CAs and certificates"; }
cp tls-a/server.pem store.pem && cp tls-a/server.key store.key
# trusted NAME CA: an HTTPS request to the TLS store that checks its certificate against CA.
trusted() { curl -fsS --max-time 10 --cacert "$2/ca.pem" --resolve "localhost:$TLS_PORT:127.0.0.1" -o /dev/null "https://localhost:$TLS_PORT/info" 2>"$1.curlerr"; }
tls_start() {
	"$PGOTOOL" serve --listen 127.0.0.1:0 --data tlsdata --tls-cert store.pem --tls-key store.key >"$1.log" 2>&1 &
	PID=$!
	track "$PID"
	TLS_PORT=""
	for i in $(seq 1 300); do
		TLS_PORT=$(sed -n '1s|.* listening on https://127\.0\.0\.1:\([0-9][0-9]*\), .*|\1|p' "$1.log" 2>/dev/null)
		[ -n "$TLS_PORT" ] && break
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$TLS_PORT" ] || { say <"$1.log"; return 1; }
}
tls_start tls1 || bail "start a TLS store"
check "the TLS store presents certificate A" trusted a1 tls-a
cp tls-b/server.pem store.pem && cp tls-b/server.key store.key
kill -HUP "$PID"
for i in $(seq 1 50); do grep -q 'SIGHUP' tls1.log && break; sleep 0.1; done
check "SIGHUP reads no certificate: it says there is nothing to do" grep -q 'SIGHUP: no --scrape file to read again; nothing to do' tls1.log
check "after the files were replaced and SIGHUP, it still presents A" trusted a2 tls-a
! trusted b0 tls-b
check "and not B" [ $? = 0 ]
stop_server "$PID"
tls_start tls2 || bail "restart the TLS store"
check "after a restart it presents B" trusted b1 tls-b
stop_server "$PID"
cp tls-a/server.key store.key
"$PGOTOOL" serve --listen 127.0.0.1:0 --data tlsdata --tls-cert store.pem --tls-key store.key >tls3.log 2>tls3.err
rc=$?
check "a key that does not match the certificate stops serve at startup (exit $rc), as the page says" \
	bash -c "[ $rc = 1 ] && grep -q 'The certificate and the given key do not match' tls3.err && grep -q 'cannot start the HTTP server' tls3.err"

# ---- upgrades: an older pgotool and a newer directory ----
cp -a "$BACKUP" newer
sqlite3 newer/profiles.db 'PRAGMA user_version=2'
sum_before=$(sha256sum newer/profiles.db)
"$PGOTOOL" serve --listen 127.0.0.1:0 --data newer >newer.log 2>newer.err
rc=$?
quoted=$(sed -n 's/^  pgotool serve: error: pgotool-data\/profiles.db has schema version 2, \(.*\)$/\1/p' "$PAGE")
check "the page quotes the refusal of a newer directory" [ -n "$quoted" ]
check "serve refuses a directory of schema version 2 (exit $rc), with the page's message" \
	bash -c "[ $rc = 1 ] && grep -qxF 'pgotool serve: error: newer/profiles.db has schema version 2, $quoted' newer.err"
check "before it takes any request" bash -c '! grep -q " listening on " newer.log'
check "and leaves the file untouched (schema version, journal mode, bytes)" \
	bash -c "[ \"\$(sqlite3 newer/profiles.db 'PRAGMA user_version')\" = 2 ] &&
		[ \"\$(sqlite3 newer/profiles.db 'PRAGMA journal_mode')\" = delete ] && [ \"\$(sha256sum newer/profiles.db)\" = '$sum_before' ]"

check "the page's systemd unit exists: packaging/pgotool-serve.service" [ -f "$PGO_SRC/packaging/pgotool-serve.service" ]

done_testing
