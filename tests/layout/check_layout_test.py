#!/usr/bin/env python3
"""check_layout.py finds each kind of violation in a scratch tree, and passes a clean one."""
import pathlib
import subprocess
import sys
import tempfile

CHECK = pathlib.Path(__file__).with_name("check_layout.py")
SIZES = pathlib.Path(__file__).with_name("check_sizes.py")


def write(root, rel, text):
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)


def run(root, check=CHECK):
    r = subprocess.run([sys.executable, str(check), str(root)], capture_output=True, text=True)
    return r.returncode, r.stdout


def main():
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(tmp)
        write(root, "cycle/src/a.cpp", "#include <refreshd/cycle/a.hpp>\n#include <chrono>\n")
        write(root, "runtime/src/b.cpp", "#include <refreshd/cycle/a.hpp>\n")
        write(root, "tests/x/CMakeLists.txt", "add_executable(x x.cpp)\n")
        code, out = run(root)
        if code != 0:
            failures.append(f"a clean tree fails:\n{out}")
        cases = {
            "an include up the table": ("cycle/src/up.cpp", "#include <refreshd/runtime/runtime.hpp>\n",
                                        "cycle/ may not use runtime/"),
            "Asio in cycle/": ("cycle/src/io.cpp", "#include <boost/asio/io_context.hpp>\n",
                               "cycle/ is pure"),
            "a client header beyond the wire types": (
                "cycle/src/c.cpp", "#include <refreshd/client/http_client.hpp>\n",
                "only the client's wire types"),
            "a sideways include": ("metrics/src/m.cpp", "#include <refreshd/http/http_api.hpp>\n",
                                   "metrics/ may not use http/"),
            "a public header in the wrong place": ("log/include/refreshd/cycle/x.hpp", "",
                                                   "belongs in log/include/refreshd/log/"),
            "a relative include into src/": ("http/src/h.cpp", '#include "../../runtime/src/x.hpp"\n',
                                             "reaches into another folder"),
            "a test with a src/ include path": (
                "tests/y/CMakeLists.txt",
                "target_include_directories(y PRIVATE ${PROJECT_SOURCE_DIR}/runtime/src)\n",
                "adds runtime/src to its include path"),
        }
        for name, (rel, text, expect) in cases.items():
            write(root, rel, text)
            code, out = run(root)
            if code == 0 or expect not in out:
                failures.append(f"{name}: not found (exit {code}):\n{out}")
            (root / rel).unlink()
        # The size check: a 61-line function and a 401-line file are found, a 60-line one is not.
        body = "".join(f"  x += {i};\n" for i in range(58))
        write(root, "runtime/src/ok.cpp", "int ok(int x) {\n" + body + "}\n")
        code, out = run(root, SIZES)
        if code != 0:
            failures.append(f"a 60-line function fails the size check:\n{out}")
        write(root, "runtime/src/long.cpp",
              "struct s {\n  int f(int x) const {\n" + body + "    return x;\n  }\n};\n")
        code, out = run(root, SIZES)
        if code == 0 or "function f has 61 lines" not in out:
            failures.append(f"a 61-line member function is not found:\n{out}")
        (root / "runtime/src/long.cpp").unlink()
        write(root, "http/src/big.hpp", "// x\n" * 401)
        code, out = run(root, SIZES)
        if code == 0 or "401 lines" not in out:
            failures.append(f"a 401-line file is not found:\n{out}")
    for f in failures:
        print(f)
    print(f"check_layout_test: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
