#!/usr/bin/env python3
"""Runs a CI recipe of docs/ci.md on this machine, as GitHub Actions or
GitLab CI would run its job, for tests/docs/t9010-ci-recipes.sh.

The shell steps (GitHub's run:, GitLab's script:) run verbatim with bash (with
GitHub's flags: -e, or -eo pipefail under `shell: bash`), in
order, in a workspace directory; what the CI service does around them is
emulated, and only what the recipes use:

  GitHub  job env with ${{ secrets.X }}, ${{ vars.X }}, ${{ env.X }},
          ${{ steps.ID.outputs.X }}, ${{ github.* }}, ${{ runner.os }} and
          ${{ hashFiles(...) }}; $GITHUB_ENV, $GITHUB_PATH, $GITHUB_OUTPUT;
          actions/checkout (the app, or another repository cloned from a
          URL given with --repo) and actions/cache (restore before, save at
          the end of a successful job, in a --cache directory that stands for
          the service's cache storage). Any other action is an error.
  GitLab  variables (the file's, then --set ones as project variables),
          predefined CI_* variables, one cache (key, paths) restored before
          and saved after a successful job, before_script and script in one
          shell with set -eo pipefail.

Usage: ci_emulate.py github|gitlab RECIPE.yaml --workspace DIR --app DIR
       --cache DIR --home DIR [--repo NAME=URL]... [--set NAME=VALUE]...
       [--env NAME=VALUE]... --report FILE
--env adds to the environment the machine gives the job (as a runner's own
settings would). The report (JSON) has each step's name, exit status and
output, the cache restores and saves, and the step outputs.
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time

try:
    import yaml  # PyYAML, where python3-yaml is installed
except ImportError:
    yaml = None


# ---- a minimal YAML reader, for the subset the recipes use -------------
# Block mappings and sequences, plain, quoted and flow-sequence scalars,
# literal (|) and folded (>-, >) block scalars, comments. It stands in for
# PyYAML where that is missing, and the test compares the two where both are.

class MiniYAMLError(Exception):
    pass


def _strip_comment(s):
    out, q = [], None
    for i, c in enumerate(s):
        if q:
            if c == q:
                q = None
        elif c in "'\"" and (i == 0 or s[i - 1] in " :[,"):
            q = c
        elif c == "#" and (i == 0 or s[i - 1] in " \t"):
            break
        out.append(c)
    return "".join(out).rstrip()


def _scalar(s):
    s = s.strip()
    if s.startswith("[") and s.endswith("]"):
        inner = s[1:-1].strip()
        return [_scalar(x) for x in inner.split(",")] if inner else []
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "'\"":
        return s[1:-1]
    if s[:1] in "'\"" or ": " in s or s.endswith(":"):
        # as YAML: a quoted scalar ends at its quote, and ": " starts a mapping
        raise MiniYAMLError("not a plain scalar: %r" % s)
    if s in ("true", "false"):
        return s == "true"
    if re.fullmatch(r"-?[0-9]+", s):
        return int(s)
    return s


def mini_yaml(text):
    lines = []
    for raw in text.split("\n"):
        lines.append(raw.rstrip("\r"))
    pos = [0]

    def indent_of(line):
        return len(line) - len(line.lstrip(" "))

    def next_content():
        while pos[0] < len(lines):
            line = lines[pos[0]]
            if line.strip() and not line.lstrip().startswith("#"):
                return line
            pos[0] += 1
        return None

    def block_scalar(style, parent_indent):
        body = []
        ind = None
        while pos[0] < len(lines):
            line = lines[pos[0]]
            if line.strip():
                if indent_of(line) <= parent_indent:
                    break
                if ind is None:
                    ind = indent_of(line)
                body.append(line[ind:])
            else:
                body.append("")
            pos[0] += 1
        while body and body[-1] == "":
            body.pop()
        if style.startswith(">"):
            text, para = [], []
            for b in body:
                if b == "":
                    text.append(" ".join(para))
                    para = []
                else:
                    para.append(b)
            text.append(" ".join(para))
            value = "\n".join(text)
        else:
            value = "\n".join(body)
        return value if style.endswith("-") else value + "\n"

    def value_after(rest, ind):
        rest = _strip_comment(rest).strip()
        if rest in ("|", "|-", ">", ">-"):
            return block_scalar(rest, ind)
        if rest == "":
            line = next_content()
            if line is None or indent_of(line) < ind or (indent_of(line) == ind and not line.lstrip().startswith("- ")):
                return None
            return node(indent_of(line))
        return _scalar(rest)

    def node(ind):
        line = next_content()
        if line.lstrip().startswith("- ") or line.strip() == "-":
            seq = []
            while True:
                line = next_content()
                if line is None or indent_of(line) != ind or not (line.lstrip().startswith("- ") or line.strip() == "-"):
                    return seq
                item = line.lstrip()[2:]
                content = _strip_comment(item).strip()
                pos[0] += 1
                if re.match(r"^[A-Za-z0-9_.-]+:( |$)", content):
                    # a mapping whose first key is on the dash's line
                    lines.insert(pos[0], " " * (ind + 2) + item)
                    seq.append(node(ind + 2))
                else:
                    seq.append(value_after(item, ind))
        mapping = {}
        while True:
            line = next_content()
            if line is None or indent_of(line) != ind:
                return mapping
            if line.lstrip().startswith("- "):
                return mapping
            m = re.match(r"^\s*([^:#][^:]*?|\"[^\"]*\"|'[^']*'):(?: (.*)|$)", line)
            if not m:
                raise MiniYAMLError("line %d: expected key: value: %r" % (pos[0] + 1, line))
            key = _scalar(m.group(1))
            pos[0] += 1
            mapping[key] = value_after(m.group(2) or "", ind)

    if next_content() is None:
        return None
    return node(indent_of(next_content()))


def load_yaml(text):
    if yaml is not None:
        return yaml.safe_load(text)
    return mini_yaml(text)


# ---- shared ---------------------------------------------------------------

def log(msg):
    print("ci_emulate: " + msg, flush=True)


def run_shell(script, cwd, env, shell_args):
    with open(os.path.join(env["RUNNER_TEMP"], "step-%d.sh" % time.monotonic_ns()), "w") as f:
        f.write(script)
        path = f.name
    p = subprocess.run(["bash"] + shell_args + [path], cwd=cwd, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    out = p.stdout.decode("utf-8", "replace")
    sys.stdout.write(out)
    sys.stdout.flush()
    return p.returncode, out


class CacheStore:
    """A CI service's cache storage: entries by key, each a copy of paths."""

    def __init__(self, root):
        self.root = root
        os.makedirs(root, exist_ok=True)
        self.index_file = os.path.join(root, "index.json")
        self.index = json.load(open(self.index_file)) if os.path.exists(self.index_file) else []

    def find(self, key, prefixes):
        for e in self.index:
            if e["key"] == key:
                return e, True
        for p in prefixes:
            for e in reversed(self.index):  # newest first
                if e["key"].startswith(p):
                    return e, False
        return None, False

    def restore(self, entry, paths):
        for i, p in enumerate(paths):
            src = os.path.join(self.root, entry["dir"], str(i))
            if not os.path.lexists(src):
                continue
            if os.path.isdir(src):
                shutil.copytree(src, p, symlinks=True, dirs_exist_ok=True)
            else:
                os.makedirs(os.path.dirname(p) or ".", exist_ok=True)
                shutil.copy2(src, p)

    def save(self, key, paths):
        # As actions/cache: no entry when the key has one, or when no path exists.
        if any(e["key"] == key for e in self.index) or not any(os.path.lexists(p) for p in paths):
            return False
        d = "entry%d" % time.monotonic_ns()
        os.makedirs(os.path.join(self.root, d))
        for i, p in enumerate(paths):
            dst = os.path.join(self.root, d, str(i))
            if os.path.isdir(p):
                shutil.copytree(p, dst, symlinks=True)
            elif os.path.exists(p):
                shutil.copy2(p, dst)
        self.index.append({"key": key, "dir": d})
        json.dump(self.index, open(self.index_file, "w"))
        return True


def copy_app(app, dest):
    shutil.copytree(app, dest, symlinks=True, dirs_exist_ok=True)


# ---- GitHub Actions -------------------------------------------------------

EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


class GitHub:
    def __init__(self, args, doc, report):
        self.a, self.doc, self.report = args, doc, report
        jobs = doc.get("jobs") or {}
        if len(jobs) != 1:
            raise SystemExit("ci_emulate: want one job, the recipe has %d" % len(jobs))
        self.job_name, self.job = next(iter(jobs.items()))
        self.sets = dict(kv.split("=", 1) for kv in args.set)
        self.steps_out = {}
        self.env = {}
        self.paths = []
        self.post = []

    def hash_files(self, patterns):
        import glob
        files = []
        for p in patterns:
            files += [f for f in glob.glob(os.path.join(self.a.workspace, p), recursive=True) if os.path.isfile(f)]
        if not files:
            return ""
        h = hashlib.sha256()
        for f in sorted(files):
            h.update(hashlib.sha256(open(f, "rb").read()).digest())
        return h.hexdigest()

    def eval(self, expr):
        m = re.fullmatch(r"(secrets|vars)\.([A-Za-z0-9_]+)", expr)
        if m:
            return self.sets.get(expr, "")
        m = re.fullmatch(r"env\.([A-Za-z0-9_]+)", expr)
        if m:
            return self.env.get(m.group(1), "")
        m = re.fullmatch(r"steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)", expr)
        if m:
            return self.steps_out.get(m.group(1), {}).get(m.group(2), "")
        m = re.fullmatch(r"hashFiles\((.*)\)", expr)
        if m:
            return self.hash_files(re.findall(r"'([^']*)'", m.group(1)))
        fixed = {"runner.os": "Linux", "github.workspace": self.a.workspace, "github.ref_name": "main",
                 "github.run_id": str(self.a.run_id)}
        if expr in fixed:
            return fixed[expr]
        raise SystemExit("ci_emulate: unknown expression ${{ %s }}" % expr)

    def subst(self, s):
        return EXPR.sub(lambda m: self.eval(m.group(1)), str(s))

    def base_env(self, tmp):
        env = dict(os.environ)
        env.update(dict(kv.split("=", 1) for kv in self.a.env))
        env.update({"CI": "true", "GITHUB_ACTIONS": "true", "HOME": self.a.home,
                    "GITHUB_WORKSPACE": self.a.workspace, "RUNNER_TEMP": tmp, "RUNNER_OS": "Linux",
                    "GITHUB_REF_NAME": "main", "GITHUB_RUN_ID": str(self.a.run_id)})
        env.update(self.env)
        if self.paths:
            env["PATH"] = ":".join(reversed(self.paths)) + ":" + env["PATH"]
        return env

    def checkout(self, with_):
        repo = with_.get("repository")
        dest = os.path.join(self.a.workspace, with_.get("path", "."))
        if not repo:
            copy_app(self.a.app, dest)
            return 0, "checked out the app into %s\n" % dest
        urls = dict(kv.split("=", 1) for kv in self.a.repo)
        if repo not in urls:
            raise SystemExit("ci_emulate: no --repo for %s" % repo)
        cmd = ["git", "clone", "-q", "--depth", "1"]
        if with_.get("ref"):
            cmd += ["--branch", str(with_["ref"])]
        p = subprocess.run(cmd + [urls[repo], dest], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        return p.returncode, p.stdout.decode()

    def cache(self, with_, step_id):
        store = CacheStore(self.a.cache)
        paths = [os.path.join(self.a.workspace, re.sub(r"^~(?=/|$)", self.a.home, p.strip()))
                 for p in self.subst(with_["path"]).splitlines() if p.strip()]
        key = self.subst(with_["key"])
        prefixes = [p.strip() for p in self.subst(with_.get("restore-keys", "")).splitlines() if p.strip()]
        entry, hit = store.find(key, prefixes)
        if entry:
            store.restore(entry, paths)
        self.report["caches"].append({"key": key, "restored": entry["key"] if entry else None, "hit": hit})
        if step_id:
            self.steps_out[step_id] = {"cache-hit": "true" if hit else "false"}
        if not hit:
            self.post.append((key, paths))
        return 0, "cache %s: %s\n" % (key, "hit" if hit else ("restored " + entry["key"] if entry else "miss"))

    def shell_args(self, step):
        """bash's arguments as GitHub gives them: `shell: bash` (the step's,
        else the job's or the workflow's defaults.run) adds pipefail to the
        unspecified shell's plain -e."""
        shell = step.get("shell")
        for scope in (self.job, self.doc):
            if shell is None:
                shell = ((scope.get("defaults") or {}).get("run") or {}).get("shell")
        if shell is None:
            return ["-e"]
        if shell == "bash":
            return ["--noprofile", "--norc", "-eo", "pipefail"]
        raise SystemExit("ci_emulate: shell %r, which this emulator does not know" % shell)

    def run(self):
        tmp = os.path.join(self.a.home, "runner-temp")
        os.makedirs(tmp, exist_ok=True)
        self.report["container"] = self.job.get("container")
        for k, v in (self.doc.get("env") or {}).items():
            self.env[k] = self.subst(v)
        for k, v in (self.job.get("env") or {}).items():
            self.env[k] = self.subst(v)
        ok = True
        for i, step in enumerate(self.job.get("steps") or []):
            name = step.get("name") or step.get("uses") or "step %d" % (i + 1)
            sid = step.get("id")
            uses = step.get("uses")
            with_ = step.get("with") or {}
            if uses:
                action = uses.split("@")[0]
                if action == "actions/checkout":
                    rc, out = self.checkout(with_)
                elif action == "actions/cache":
                    rc, out = self.cache(with_, sid)
                else:
                    raise SystemExit("ci_emulate: the recipe uses %s, which this emulator does not know" % uses)
                sys.stdout.write(out)
            elif "run" in step:
                files = {n: os.path.join(tmp, n.lower()) for n in ("GITHUB_ENV", "GITHUB_PATH", "GITHUB_OUTPUT")}
                for f in files.values():
                    open(f, "w").close()
                env = self.base_env(tmp)
                for k, v in (step.get("env") or {}).items():
                    env[k] = self.subst(v)
                env.update(files)
                log("step: %s" % name)
                rc, out = run_shell(self.subst(step["run"]), os.path.join(self.a.workspace, step.get("working-directory", ".")),
                                    env, self.shell_args(step))
                self.read_files(files, sid)
            else:
                raise SystemExit("ci_emulate: step %r has neither uses nor run" % name)
            self.report["steps"].append({"name": name, "rc": rc, "output": out})
            if rc != 0:
                log("step %r failed with exit status %d" % (name, rc))
                ok = False
                break
        if ok:
            store = CacheStore(self.a.cache)
            for key, paths in reversed(self.post):
                if store.save(key, paths):
                    self.report["saved"].append(key)
        self.report["outputs"] = self.steps_out
        return ok

    def read_files(self, files, sid):
        text = open(files["GITHUB_ENV"]).read().splitlines()
        i = 0
        while i < len(text):
            line = text[i]
            m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)<<(.+)$", line)
            if m:
                j = text.index(m.group(2), i + 1)
                self.env[m.group(1)] = "\n".join(text[i + 1:j])
                i = j + 1
                continue
            if "=" in line:
                k, v = line.split("=", 1)
                self.env[k] = v
            i += 1
        for line in open(files["GITHUB_PATH"]).read().splitlines():
            if line.strip():
                self.paths.append(line.strip())
        outs = {}
        for line in open(files["GITHUB_OUTPUT"]).read().splitlines():
            if "=" in line:
                k, v = line.split("=", 1)
                outs[k] = v
        if sid:
            self.steps_out.setdefault(sid, {}).update(outs)


# ---- GitLab CI --------------------------------------------------------------

GITLAB_KEYWORDS = {"variables", "stages", "default", "include", "workflow", "image", "services", "cache",
                   "before_script", "after_script"}


def expand(s, env):
    return re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", lambda m: env.get(m.group(1), ""), str(s))


class GitLab:
    def __init__(self, args, doc, report):
        self.a, self.doc, self.report = args, doc, report
        jobs = {k: v for k, v in doc.items() if k not in GITLAB_KEYWORDS and isinstance(v, dict) and "script" in v}
        if len(jobs) != 1:
            raise SystemExit("ci_emulate: want one job, the recipe has %d" % len(jobs))
        self.job_name, self.job = next(iter(jobs.items()))

    def run(self):
        tmp = os.path.join(self.a.home, "runner-temp")
        os.makedirs(tmp, exist_ok=True)
        env = dict(os.environ)
        env.update(dict(kv.split("=", 1) for kv in self.a.env))
        env.update({"CI": "true", "GITLAB_CI": "true", "HOME": self.a.home, "CI_PROJECT_DIR": self.a.workspace,
                    "CI_COMMIT_REF_SLUG": "main", "CI_JOB_NAME": self.job_name, "RUNNER_TEMP": tmp,
                    "CI_PIPELINE_ID": str(self.a.run_id)})
        self.report["container"] = self.job.get("image") or self.doc.get("image")
        for k, v in list((self.doc.get("variables") or {}).items()) + list((self.job.get("variables") or {}).items()):
            env[k] = expand(v, env)
        env.update(dict(kv.split("=", 1) for kv in self.a.set))  # project variables win
        copy_app(self.a.app, self.a.workspace)

        cache = self.job.get("cache") or self.doc.get("cache")
        store = CacheStore(self.a.cache)
        if cache:
            key = cache.get("key", "default")
            key = expand(key if isinstance(key, str) else key.get("prefix", ""), env)
            paths = [os.path.join(self.a.workspace, expand(p, env)) for p in cache.get("paths", [])]
            entry, hit = store.find(key, [])
            if entry:
                store.restore(entry, paths)
            self.report["caches"].append({"key": key, "restored": entry["key"] if entry else None, "hit": hit})

        lines = []
        for part in ("before_script", "script"):
            v = self.job.get(part, self.doc.get(part) if part == "before_script" else None) or []
            lines += v if isinstance(v, list) else [v]
        script = "".join("%s\n" % l for l in lines)
        log("job: %s" % self.job_name)
        rc, out = run_shell(script, self.a.workspace, env, ["--noprofile", "--norc", "-eo", "pipefail"])
        self.report["steps"].append({"name": "script", "rc": rc, "output": out})
        if rc != 0:
            log("the job's script failed with exit status %d" % rc)
            return False
        if cache:
            # GitLab overwrites the key's entry after each successful job.
            for e in store.index:
                if e["key"] == key:
                    shutil.rmtree(os.path.join(store.root, e["dir"]))
            store.index = [e for e in store.index if e["key"] != key]
            store.save(key, paths)
            self.report["saved"].append(key)
        return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["github", "gitlab", "parse"])
    ap.add_argument("recipe")
    ap.add_argument("--workspace")
    ap.add_argument("--app")
    ap.add_argument("--cache")
    ap.add_argument("--home")
    ap.add_argument("--run-id", type=int, default=1)
    ap.add_argument("--repo", action="append", default=[])
    ap.add_argument("--set", action="append", default=[])
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--report")
    a = ap.parse_args()
    text = open(a.recipe).read()
    if a.kind == "parse":
        # Both parsers' view of the file, for the test to compare.
        json.dump({"pyyaml": yaml.safe_load(text) if yaml else None, "mini": mini_yaml(text)}, sys.stdout)
        return 0
    doc = load_yaml(text)
    report = {"parser": "pyyaml" if yaml else "mini", "steps": [], "caches": [], "saved": []}
    os.makedirs(a.workspace, exist_ok=True)
    os.makedirs(a.home, exist_ok=True)
    runner = GitHub(a, doc, report) if a.kind == "github" else GitLab(a, doc, report)
    ok = runner.run()
    report["ok"] = ok
    json.dump(report, open(a.report, "w"), indent=1)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
