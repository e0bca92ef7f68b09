#!/usr/bin/env python3
"""Set-up and everyday commands on a machine that has only Python 3.11+.

    python3 dev.py serve      # the API on http://127.0.0.1:8000/graphql with the demo county
    python3 dev.py test       # ruff, mypy (strict) and the whole test suite
    python3 dev.py bench      # the benchmark in bench/ (not part of the tests)

Each command first makes ``.venv`` and installs the pinned dependencies into it (again only when
pyproject.toml changed). Without DATABASE_URL the server and the tests use an embedded PostgreSQL
under ``.sunshine/``; with it, they use that server.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".sunshine-installed"


def ensure_venv() -> None:
    if sys.version_info < (3, 11):
        sys.exit("需要 Python 3.11 或更高版本")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        print("创建虚拟环境 .venv …", file=sys.stderr, flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    # Set-up talk goes to stderr: a command's own output stays clean to pipe or eval
    # (eval "$(python3 dev.py sunshine demo-keys --shell)").
    print("安装依赖 …", file=sys.stderr, flush=True)
    # Only the pinned dependencies: the code runs from this checkout (the commands below start
    # in it), so there is nothing to build. `pip install .` gives the `sunshine` console script.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    pip = [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, *requirements], check=True, cwd=ROOT, stdout=sys.stderr)
    STAMP.write_text(wanted)


def run(*command: str, env: dict[str, str] | None = None) -> int:
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"serve", "test", "bench", "sunshine"}:
        print(__doc__)
        return 2
    command, rest = sys.argv[1], sys.argv[2:]
    ensure_venv()
    python = str(BIN / "python")
    if command == "serve":
        env = {**os.environ, "SUNSHINE_DEV": os.environ.get("SUNSHINE_DEV", "1")}
        return run(python, "-m", "api.cli", "serve", *rest, env=env)
    if command == "sunshine":
        return run(python, "-m", "api.cli", *rest)
    if command == "bench":
        return run(python, "-m", "bench", *rest)
    for check in (
        (python, "-m", "ruff", "check", "."),
        (python, "-m", "ruff", "format", "--check", "."),
        (python, "-m", "mypy", "."),
    ):
        code = run(*check)
        if code:
            return code
    return run(python, "-m", "pytest", *rest)


if __name__ == "__main__":
    sys.exit(main())
