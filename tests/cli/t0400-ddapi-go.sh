#!/usr/bin/env bash
# What pgotool fetch sends and parses must be what Go makes of the same
# inputs: the gopgo request body (datadog-pgo's types through encoding/json:
# the " runtime:go" rule with strings.TrimSpace, times rounded to the
# second, Go's escaping of <, >, &, control bytes, U+2028/9 and invalid
# UTF-8) and Go durations (-from, -timeout, and the durations in the logs).
# Go is the oracle: tests/go/cmd/apiprobe against tests/tools/ddapi_probe.
. "$(dirname "$0")/lib.sh"
require_go

C="$PGO_TOOLS/ddapi_probe"
G="$TEST_TMP/apiprobe"
(cd "$PGO_SRC/tests/go" && go build -o "$G" ./cmd/apiprobe) 2>build.err || { cat build.err; fail "build apiprobe"; done_testing; }

same() { # DESC MODE ARG...: both print the same bytes
	local desc=$1
	shift
	"$C" "$@" >c.out 2>c.err
	local crc=$?
	"$G" "$@" >g.out 2>g.err
	local grc=$?
	if [ "$crc" -eq 0 ] && [ "$grc" -eq 0 ] && cmp -s c.out g.out; then
		pass "$desc"
	else
		fail "$desc (exit $crc vs $grc)"
		diff c.out g.out | head -20 | sed 's/^/# /'
	fi
}

QUERIES=(
	'service:foo env:prod' '  service:bar  ' 'service:x language:go' 'service:y runtime:go'
	'runtime:gox' '@metrics.core_cpu_cores:>1.5 & <2' 'host:(a OR b) -version:1.*'
	$'tab\there\nnewline\rreturn' $'\x01\x02\x1f ctl \x7f' $'bad\xffutf8\xc3' $'\xe2\x82' $'\xed\xa0\x80surrogate'
	$'\u2028ls\u2029ps' $'\u00a0nbsp\u3000ideographic\u2009thin' $'\u0085next line' 'quote"back\slash/slash'
	'ünïcödé 日本語 🚀' '' ' ' 'env:"us east"'
)
same "gopgo request bytes for ${#QUERIES[@]} queries" request 1764524400499999999 72h 5 "${QUERIES[@]}"
same "rounding half a second up" request 1764524400500000000 1h30m 7 'service:a'
same "rounding just below half a second down" request 1764524400499999999 90s 1 'service:a'
same "a window given in ms and a large limit" request 1764524400123456789 1500ms 1000 'service:a'
for q in "${QUERIES[@]}"; do
	same "one query: $(printf '%q' "$q")" request 1764524400000000000 72h 5 "$q"
done

DURATIONS=(
	72h 1m 1m0s 0 -0 +0 +5s -2m 1.5h 1h30m 300ms 1.000000001s 2.000160909s 42ms 1.5us 1.5µs 1.5μs
	100ns 0.1s .5s 5. 0.29s 0.7s 3m2.5s 10s5ms 1h1h 5ms3ns 0.000000001s 0.0000000001s
	1.0000000000000000000001s 9223372036854775807ns 9223372036854775808ns
	2562047h47m16.854775807s 2562047h47m16.854775808s 2562047h 2562048h
	'' h 1 1e3s 5x 5 s 1m- -- '1 s' 5S 1H 0x10s 1_000s
)
same "Go durations: ${#DURATIONS[@]} texts parsed and printed" duration "${DURATIONS[@]}"

done_testing
