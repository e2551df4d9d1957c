#!/usr/bin/env python3
"""pgodebug_check: compares `pgotool inspect --json --top 0` with what the Go
compiler printed under -gcflags=all=-d=pgodebug=1 for the same profile and
threshold.

  pgodebug_check.py CHECK INSPECT.json PGODEBUG.txt [PREFIX... | allow-none]

CHECK is one of:
  threshold  every "hot-callsite-thres-from-CDF=X" equals the share of
             inspect's last hot call site (0 when every edge is hot);
  callees    every "hot-node enabled increased budget=2000 for func=F" names
             one of inspect's hot callees, and every hot callee whose name
             starts with a PREFIX (packages of the program, compiled in that
             build) is printed; callees whose name the compiler cannot print
             (closures that only exist after inlining, "F.Outer.funcN") are
             listed, not required;
  sites      every "hot-budget check allows inlining ... at FILE:LINE:COL in
             function CALLER" and "hot-big check disallows ..." is at one of
             inspect's hot call sites: (CALLER, LINE - CALLER's start line).
             The compiler looks a call up by its innermost line but prints
             the outermost one, so a call inside a body inlined earlier
             would be matched by the line of that inlined call; its lookup
             is then (CALLER, a line of another file - CALLER's start line)
             and hits a hot site only by coincidence.
  devirt     (with -d=pgodebug=2) at every call site of inspect's
             multi_callee_sites that the devirtualizer considered, the
             callee it found hottest is one of the site's callees, with its
             weight; and where inspect says "devirtualizes_nothing", that
             callee is the site's heaviest, the runtime entry. Fails when
             the devirtualizer considered none of the sites, unless the last
             argument is "allow-none" (a short recorded profile may have no
             indirect call among them).

Prints a one-line summary on stdout and what differs on stderr; exits 1 when
the check fails, 2 on bad input.
"""
import json
import re
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def lines(path):
    with open(path, errors="replace") as f:
        return f.read().splitlines()


def check_threshold(report, debug):
    sites = report["hot_call_sites"]
    if len(sites) != report["summary"]["hot_edges"]:
        print("inspect listed %d of %d hot call sites: run it with --top 0"
              % (len(sites), report["summary"]["hot_edges"]), file=sys.stderr)
        return 2
    want = report["summary"]["hot_threshold_share"]
    if sites and want != 0 and sites[-1]["share"] != want:
        print("last hot site's share %r != hot_threshold_share %r" % (sites[-1]["share"], want), file=sys.stderr)
        return 1
    got = {float(l.split("=", 1)[1]) for l in debug if l.startswith("hot-callsite-thres-from-CDF=")}
    if not got:
        print("the compiler printed no hot-callsite-thres-from-CDF line", file=sys.stderr)
        return 1
    if got != {want}:
        print("compiler: %s, inspect: %r" % (sorted(got), want), file=sys.stderr)
        return 1
    print("hot-callsite-thres-from-CDF=%r in %d packages" % (want, sum(1 for l in debug if l.startswith("hot-callsite"))))
    return 0


INLINED_CLOSURE = re.compile(r"\.[^./]+\.func\d+")


def check_callees(report, debug, prefixes):
    hot = {c["name"] for c in report["hot_callees"]}
    if len(hot) != report["summary"]["hot_callees"]:
        print("inspect listed %d of %d hot callees: run it with --top 0"
              % (len(hot), report["summary"]["hot_callees"]), file=sys.stderr)
        return 2
    printed = set()
    for l in debug:
        m = re.match(r"hot-node enabled increased budget=\d+ for func=(.*)$", l)
        if m:
            printed.add(m.group(1))
    if not printed:
        print("the compiler printed no hot-node line", file=sys.stderr)
        return 1
    rc = 0
    extra = printed - hot
    if extra:
        print("the compiler raised the budget of functions that inspect does not list as hot callees:",
              file=sys.stderr)
        for n in sorted(extra):
            print("  " + n, file=sys.stderr)
        rc = 1
    local = {n for n in hot if any(n.startswith(p) for p in prefixes)}
    missing = local - printed
    # A closure of an inlined function gets its name where it is inlined
    # ("main.run.Ops.func4"); the compiler decides its budget under its own name.
    unprintable = {n for n in missing if INLINED_CLOSURE.search(n.split("/")[-1].split(".", 1)[1])}
    if missing - unprintable:
        print("hot callees of the program that the compiler did not report:", file=sys.stderr)
        for n in sorted(missing - unprintable):
            print("  " + n, file=sys.stderr)
        rc = 1
    if rc == 0:
        print("%d functions got the hot budget, all hot callees; %d of the program's %d hot callees reported%s"
              % (len(printed), len(local & printed), len(local),
                 " (not: %s)" % ", ".join(sorted(unprintable)) if unprintable else ""))
    return rc


SITE = re.compile(r"(hot-budget check allows|hot-big check disallows) inlining for call (\S+) \(cost \d+\) "
                  r"at (\S+):(\d+):\d+ in (?:big )?function (\S+)$")


def check_sites(report, debug):
    hot = set()
    start = {}
    for s in report["hot_call_sites"]:
        hot.add((s["caller"], s["offset"]))
        if s["caller_start_line"] is not None:
            start[s["caller"]] = s["caller_start_line"]
    if len(report["hot_call_sites"]) != report["summary"]["hot_edges"]:
        print("inspect listed only part of the hot call sites: run it with --top 0", file=sys.stderr)
        return 2
    seen = 0
    bad = []
    for l in debug:
        m = SITE.match(l)
        if not m:
            if l.startswith("hot-budget") or l.startswith("hot-big"):
                print("cannot parse: " + l, file=sys.stderr)
                return 2
            continue
        seen += 1
        callee, line, caller = m.group(2), int(m.group(4)), m.group(5)
        if caller not in start:
            bad.append("%s: caller is not in inspect's hot call sites" % l)
        elif (caller, line - start[caller]) not in hot:
            bad.append("%s: (%s, +%d) is not a hot call site" % (l, caller, line - start[caller]))
    if not seen:
        print("the compiler printed no hot-budget or hot-big line", file=sys.stderr)
        return 1
    if bad:
        print("\n".join(bad), file=sys.stderr)
        return 1
    print("%d hot-budget/hot-big decisions, all at inspect's hot call sites" % seen)
    return 0


HOTTEST = re.compile(r"^\S+: call (\S+):(-?\d+): hottest callee (\S+) \(weight (-?\d+)\)$")


def check_devirt(report, debug, allow_none):
    sites = {(s["caller"], s["offset"]): s for s in report["multi_callee_sites"]}
    if len(sites) != report["summary"]["multi_callee_sites"]:
        print("inspect listed only part of the multi-callee sites: run it with --top 0", file=sys.stderr)
        return 2
    seen, nothing, bad = 0, 0, []
    for l in debug:
        m = HOTTEST.match(l)
        if not m:
            continue
        site = sites.get((m.group(1), int(m.group(2))))
        if site is None:
            continue
        seen += 1
        callee, weight = m.group(3), int(m.group(4))
        if not any(c["name"] == callee and c["weight"] == weight for c in site["callees"]):
            bad.append("%s: (%s, %d) is not a callee of the site in inspect" % (l, callee, weight))
        if site["devirtualizes_nothing"]:
            nothing += 1
            if callee != site["callees"][0]["name"]:
                bad.append("%s: inspect says the heaviest, %s, blocks devirtualization" % (l, site["callees"][0]["name"]))
    if not seen:
        if allow_none:
            print("the compiler considered none of inspect's %d multi-callee sites" % len(sites))
            return 0
        print("the compiler considered none of inspect's %d multi-callee sites" % len(sites), file=sys.stderr)
        return 1
    if bad:
        print("\n".join(bad), file=sys.stderr)
        return 1
    print("%d devirtualization decisions at inspect's multi-callee sites, hottest callees among theirs (%d at sites "
          "where a runtime entry is heaviest)" % (seen, nothing))
    return 0


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    check, report, debug = sys.argv[1], load(sys.argv[2]), lines(sys.argv[3])
    if check == "threshold":
        return check_threshold(report, debug)
    if check == "callees":
        return check_callees(report, debug, sys.argv[4:])
    if check == "sites":
        return check_sites(report, debug)
    if check == "devirt":
        return check_devirt(report, debug, sys.argv[4:] == ["allow-none"])
    print("unknown check " + check, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
