#!/usr/bin/env python3
"""The library layout of docs/ARCHITECTURE.md, checked on the sources.

Fails (exit 1, one line per finding) when:
  * a library includes a library it may not use (an arrow up the table, or sideways);
  * cycle/ reaches Asio, Beast or net/ (it is pure), or a client header other than its wire types;
  * a public header lives outside <folder>/include/refreshd/<folder>/;
  * a source or test reaches into another folder's private src/ by a relative path;
  * a test suite's CMakeLists adds another folder's src/ to its include path.

usage: check_layout.py [SOURCE_DIR]   (default: the repository this file is in)
"""
import pathlib
import re
import sys

# What each library may use directly (docs/ARCHITECTURE.md, "The libraries"); what they use in
# turn is allowed too (the closure below). Order: top of the table first.
MAY_USE = {
    "daemon": ["cli", "http", "systemd", "metrics", "coord", "runtime", "cycle", "log",
               "client", "config", "schedule", "net"],
    "cli": ["client", "config", "schedule"],
    "http": ["runtime", "metrics", "net", "log"],
    "systemd": ["runtime", "log"],
    "metrics": ["cycle", "config"],
    "coord": ["client", "net", "log"],
    "runtime": ["cycle", "client", "coord", "log", "net"],
    "cycle": ["schedule", "config", "client"],
    "log": ["config"],
    # config for its bounded file reader: CA files are read as bytes (docs/ARCHITECTURE.md).
    "client": ["net", "config"],
    "config": ["schedule"],
    "schedule": [],
    "net": [],
    "sim": ["net"],
}
# cycle/ is pure: of client it may use the wire types only, and nothing that does I/O.
CYCLE_CLIENT_HEADERS = {"refreshd/client/types.hpp"}
CYCLE_FORBIDDEN = re.compile(r"^(boost/asio|boost/beast|refreshd/net/)")

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
SOURCES = (".cpp", ".hpp", ".h", ".in")


def closure(folder):
    seen, todo = set(), list(MAY_USE[folder])
    while todo:
        f = todo.pop()
        if f not in seen:
            seen.add(f)
            todo.extend(MAY_USE.get(f, []))
    return seen


def check(root):
    findings = []
    for folder in MAY_USE:
        base = root / folder
        if not base.is_dir():
            continue
        allowed = closure(folder) | {folder}
        for path in sorted(base.rglob("*")):
            if path.suffix not in SOURCES or not path.is_file():
                continue
            rel = path.relative_to(root)
            parts = rel.parts
            if "include" in parts:
                i = parts.index("include")
                if parts[i + 1:i + 3] != ("refreshd", folder) or i != 1:
                    findings.append(f"{rel}: a public header of {folder}/ belongs in "
                                    f"{folder}/include/refreshd/{folder}/")
            text = path.read_text(encoding="utf-8", errors="replace")
            for m in INCLUDE.finditer(text):
                kind, name = m.group(1), m.group(2)
                line = text.count("\n", 0, m.start()) + 1
                where = f"{rel}:{line}"
                if kind == '"' and (".." in name or "/src/" in name):
                    findings.append(f"{where}: \"{name}\" reaches into another folder; include "
                                    f"its public header <refreshd/...> instead")
                    continue
                if folder == "cycle" and CYCLE_FORBIDDEN.match(name):
                    findings.append(f"{where}: cycle/ is pure and may not include <{name}>")
                    continue
                lib = re.match(r"^refreshd/([a-z_]+)/", name)
                if not lib:
                    continue
                target = lib.group(1)
                if target not in allowed:
                    findings.append(f"{where}: {folder}/ may not use {target}/ (<{name}>); "
                                    f"{folder}/ may use: {', '.join(MAY_USE[folder]) or 'nothing'}")
                elif folder == "cycle" and target == "client" and name not in CYCLE_CLIENT_HEADERS:
                    findings.append(f"{where}: cycle/ may use only the client's wire types "
                                    f"(refreshd/client/types.hpp), not <{name}>")
    for cml in sorted((root / "tests").rglob("CMakeLists.txt")):
        text = cml.read_text(encoding="utf-8")
        for m in re.finditer(r"PROJECT_SOURCE_DIR\}/([a-z_]+)/src", text):
            line = text.count("\n", 0, m.start()) + 1
            findings.append(f"{cml.relative_to(root)}:{line}: a test suite adds "
                            f"{m.group(1)}/src to its include path; test the public headers")
    return findings


def report(check_tree, label):
    """Runs `check_tree` on SOURCE_DIR (argv[1], default: this repository) and prints each
    finding; exit status 1 when there is one (shared with check_sizes.py)."""
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parents[2])
    findings = check_tree(root.resolve())
    for f in findings:
        print(f)
    print(f"{label}: {len(findings)} finding(s)")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(report(check, "layout"))
