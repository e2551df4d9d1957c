#!/usr/bin/env bash
# The web UI of `pgotool serve` (/ui, contract in the UI spec) in a real
# browser: Debian's headless Chromium driven by playwright-core
# (tests/ui/ui.test.mjs), against a real server fed through the intake as
# dd-trace-go feeds it:
#   t7000-web  pgo:false, 7 profiles (more than fetch's top 5, so "picked" matters)
#   t7000-api  pgo:true,  4 profiles
#   t7000-xss  no pgo tag, 2 profiles, one with the tag  note:x"><img src=x onerror=window.__xss=1>
# The browser tests sign in (and are refused with a wrong key), read the
# services, search, profile (flame graph, hot call sites) and compare pages,
# download default.pgo files, and check them against `pgotool fetch`,
# `pgotool inspect --json` and `pgotool diff --json` run on the same data;
# node's own fetch() checks the security contract (401 without a session,
# cross-site and CSRF refusals, JSON escaping, the CSP headers). No console
# error or CSP violation is allowed on any page. Screenshots of each page go
# to $PGO_UI_SHOTS (default $PGO_BUILD/ui-shots).
# Needs node, tests/ui/node_modules (scripts/install-deps.sh runs npm ci) and
# chromium: mandatory in CI, elsewhere the test skips without them.
. "$(dirname "$0")/lib.sh"
. "$PGO_SRC/tests/cli/serve-lib.sh"
serve_require_tools

CHROMIUM=${PGO_CHROMIUM:-/usr/bin/chromium}
UI_DIR=$PGO_SRC/tests/ui
missing=""
command -v node >/dev/null 2>&1 || missing="$missing node"
[ -x "$CHROMIUM" ] || missing="$missing chromium($CHROMIUM)"
[ -f "$UI_DIR/node_modules/playwright-core/package.json" ] || missing="$missing tests/ui/node_modules(npm ci)"
if [ -n "$missing" ]; then
	if [ "${CI:-}" = "true" ]; then
		echo "FATAL: $test_name needs:$missing (scripts/install-deps.sh installs them)"
		exit 1
	fi
	echo "SKIP: $test_name: missing$missing (run scripts/install-deps.sh)"
	exit 77
fi
watchdog 300

bail() {
	fail "$*"
	done_testing
}

# Only the settings made here reach pgotool and the browser.
for v in $(env | sed -n 's/^\(DD_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
unset PGOTOOL_API HTTPS_PROXY https_proxy HTTP_PROXY http_proxy ALL_PROXY all_proxy NO_PROXY no_proxy
API_KEY=t7000-api-$RANDOM$RANDOM$RANDOM
APP_KEY=t7000-app-$RANDOM$RANDOM$RANDOM
SHOTS=${PGO_UI_SHOTS:-$PGO_BUILD/ui-shots}

start_server store --data data --api-key "$API_KEY" --app-key "$APP_KEY" || bail "start pgotool serve"

# ---- uploads, as dd-trace-go makes them ------------------------------------------

P1=$PGO_SRC/examples/profiles/burn-1.pprof
P2=$PGO_SRC/examples/profiles/burn-2.pprof
PG=$GRPC_PPROF   # the real production profile of ../shared/testdata when there is one
ENV1=t7000-prod
NOW=$(date +%s)
# at SECONDS-AGO: an RFC 3339 start time.
at() { date -u -d "@$((NOW - $1))" "+%Y-%m-%dT%H:%M:%S.500000000Z"; }
N_UP=0
# up SERVICE AGO PPROF TAGS: one upload; the profile lasted 60 s.
up() {
	event_json ev.json "$(at "$2")" "$(at $(($2 - 60)))" "service:$1,env:$ENV1,runtime:go,$4"
	upload up /profiling/v1/input ev.json "$3"
	if [ "$CODE" = 200 ]; then N_UP=$((N_UP + 1)); else echo "upload $1 $4: HTTP $CODE" | say; show up; fi
}
# Newest first: a search lists t7000-web's grpc profile first.
up t7000-web 120 "$PG" "version:1.4.2,pgo:false"
up t7000-web 180 "$P1" "version:1.4.2,pgo:false"
up t7000-web 240 "$P2" "version:1.4.2,pgo:false"
up t7000-web 300 "$PG" "version:1.4.2,pgo:false"
up t7000-web 360 "$P1" "version:1.4.2,pgo:false"
up t7000-web 420 "$P2" "version:1.4.2,pgo:false"
up t7000-web 480 "$P1" "version:1.4.2,pgo:false"
up t7000-api 150 "$P2" "version:2.0.0,pgo:true"
up t7000-api 210 "$PG" "version:2.0.0,pgo:true"
up t7000-api 270 "$P1" "version:2.0.0,pgo:true"
up t7000-api 330 "$P2" "version:2.0.0,pgo:true"
XSS_TAG='note:x"><img src=x onerror=window.__xss=1>'
# In event.json's JSON string the quote is escaped.
up t7000-xss 200 "$P1" "version:0.1,${XSS_TAG//\"/\\\"}"
up t7000-xss 260 "$P2" "version:0.1"
check "the store took all 13 uploads (took $N_UP)" [ "$N_UP" = 13 ]

# ---- the browser tests --------------------------------------------------------------

# Chromium, node and fontconfig write only under TEST_TMP (no /dev/shm either:
# ui.test.mjs passes --disable-dev-shm-usage).
mkdir -p home tmp work "$SHOTS"
rm -f "$SHOTS"/{signin,services,search,profile,compare}.png
env HOME="$TEST_TMP/home" TMPDIR="$TEST_TMP/tmp" XDG_CONFIG_HOME="$TEST_TMP/home/.config" \
	XDG_CACHE_HOME="$TEST_TMP/home/.cache" XDG_DATA_HOME="$TEST_TMP/home/.local/share" \
	PGOTOOL="$PGOTOOL" PGO_CHROMIUM="$CHROMIUM" PGO_UI_URL="$URL" \
	PGO_UI_API_KEY="$API_KEY" PGO_UI_APP_KEY="$APP_KEY" \
	PGO_UI_SHOTS="$SHOTS" PGO_UI_WORK="$TEST_TMP/work" \
	PGO_UI_ENV="$ENV1" PGO_UI_SVC_OFF=t7000-web PGO_UI_SVC_ON=t7000-api PGO_UI_SVC_XSS=t7000-xss \
	PGO_UI_N_OFF=7 PGO_UI_N_ON=4 PGO_UI_N_XSS=2 PGO_UI_XSS_TAG="$XSS_TAG" \
	node "$UI_DIR/ui.test.mjs" >ui.out 2>ui.err </dev/null &
NODE_PID=$!
track "$NODE_PID"
wait "$NODE_PID"
NODE_RC=$?

# Its TAP lines count as this test's.
while IFS= read -r line; do
	case $line in
	"ok - "*) pass "${line#ok - }" ;;
	"not ok - "*) fail "${line#not ok - }" ;;
	*) echo "$line" ;;
	esac
done <ui.out
if [ "$NODE_RC" -le 1 ] && grep -q '^# ui.test.mjs: done' ui.out; then
	pass "the browser tests ran to the end"
else
	fail "the browser tests ran to the end (node exited $NODE_RC)"
	tail -40 ui.err | say
fi
[ -s ui.err ] && { echo "node's stderr:"; head -40 ui.err; } | say

stop_server "$PID"
check "the store stopped cleanly (exit $STATUS)" [ "$STATUS" = 0 ]
check "the store logged no sanitizer report" sanitizer_clean store
done_testing
