#!/usr/bin/env python3
"""Size limits of docs/ARCHITECTURE.md for the libraries that hold the daemon's logic.

No source file over 400 lines and no function over 60 lines (from the line of its opening
brace to the line of its closing one) in cycle/, runtime/, http/ and metrics/. Functions are
found by a small brace scanner (comments, strings and character literals skipped): a block
whose header has a parameter list and is not a class, namespace, control statement or
initialiser. Lambdas count towards the function that holds them.

usage: check_sizes.py [SOURCE_DIR]
"""
import pathlib
import re
import sys

FOLDERS = ["cycle", "runtime", "http", "metrics"]
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 60
CONTROL = re.compile(r"^(if|for|while|switch|catch|do|else|try)\b")
TYPE = re.compile(r"\b(struct|class|union|enum)\b")


def strip(text):
    """Comments, string and char literals replaced by spaces (newlines kept)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith('R"', i):
            m = re.match(r'R"([^(]*)\(', text[i:])
            end = text.find(")" + m.group(1) + '"', i) if m else -1
            j = n if end < 0 else end + len(m.group(1)) + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(" " * (j + 1 - i))
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def functions(text):
    """(name, first line, line count) of every function body."""
    code = strip(text)
    stack = []  # (kind, start offset, name)
    header_start = 0
    found = []
    for i, c in enumerate(code):
        if c == "{":
            header = " ".join(code[header_start:i].split())
            header = re.sub(r"^(public|private|protected)\s*:\s*", "", header)
            header = re.sub(r"^template\s*<.*?>\s*", "", header)
            inside_function = any(k == "func" for k, _, _ in stack)
            if inside_function:
                kind = "block"
            elif header.startswith(("namespace", "extern")):
                kind = "namespace"
            elif TYPE.search(header.split("(")[0]):
                kind = "type"
            elif "(" in header and ")" in header and not CONTROL.match(header) and \
                    "=" not in header.split("(")[0]:
                kind = "func"
            else:
                kind = "block"
            name = header.split("(")[0].split()[-1] if kind == "func" and header.split("(")[0].split() else ""
            stack.append((kind, i, name))
            header_start = i + 1
        elif c == "}":
            if stack:
                kind, start, name = stack.pop()
                if kind == "func":
                    first = code.count("\n", 0, start) + 1
                    last = code.count("\n", 0, i) + 1
                    found.append((name, first, last - first + 1))
            header_start = i + 1
        elif c == ";":
            header_start = i + 1
    return found


def check(root):
    findings = []
    for folder in FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            if path.suffix not in (".cpp", ".hpp") or not path.is_file():
                continue
            rel = path.relative_to(root)
            text = path.read_text(encoding="utf-8", errors="replace")
            lines = text.count("\n")
            if lines > MAX_FILE_LINES:
                findings.append(f"{rel}: {lines} lines (at most {MAX_FILE_LINES})")
            for name, first, count in functions(text):
                if count > MAX_FUNCTION_LINES:
                    findings.append(f"{rel}:{first}: function {name} has {count} lines "
                                    f"(at most {MAX_FUNCTION_LINES})")
    return findings


if __name__ == "__main__":
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
    from check_layout import report  # noqa: E402

    sys.exit(report(check, "sizes"))
