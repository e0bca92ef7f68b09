"""Fetch the vendored browser packages again with ``npm pack`` and unpack what the pages load.

Run from anywhere: ``python3 web/vendor/update.py``. Each package is pinned by version and by the
npm tarball's integrity (SHA-512, as ``npm view <pkg>@<version> dist.integrity`` prints it); a
tarball that does not match is refused. To move to a new version, change ``PACKAGES``, check the new
integrity against the registry, run this script, then point ``api/graphiql.py`` at the new folder
(a versioned folder is what lets the server cache these files for a year).

What it changes in the files it copies, so that a browser fetches nothing from anywhere else:
the ``sourceMappingURL`` comment (the map is not vendored), and in CSS any ``@import`` or
``url(…)`` of an absolute URL (GraphiQL 3.9.0 has none: its fonts are data: URLs).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    integrity: str
    files: tuple[str, ...]  # paths inside the tarball's package/ folder, copied flat

    @property
    def folder(self) -> Path:
        return HERE / f"{self.name}-{self.version}"


PACKAGES = (
    Package(
        "graphiql",
        "3.9.0",
        "sha512-rJYFlHdBbug9+YbFSwRVvgfPjCayC7wHecZkx/qB4XLuQPFQZw/yB9pmHFtOJV6RiNBBHro3u1GdocKa3YcGRA==",
        ("graphiql.min.js", "graphiql.min.css", "LICENSE"),
    ),
    Package(
        "react",
        "18.3.1",
        "sha512-wS+hAgJShR0KhEvPJArfuPVN1+Hz1t0Y6n5jLrGQbkb4urgPE/0Rve+1kMB1v/oWgHgm4WIcV+i7F2pTVj+2iQ==",
        ("umd/react.production.min.js", "LICENSE"),
    ),
    Package(
        "react-dom",
        "18.3.1",
        "sha512-5m4nQKp+rZRb09LNH59GM4BxTh9251/ylbKIbpe7TpGxfJ+9kv6BLkLBXIjjspbgbnIBNqlI23tRnTWT0snUIw==",
        ("umd/react-dom.production.min.js", "LICENSE"),
    ),
)

_SOURCE_MAP = re.compile(r"^//# sourceMappingURL=.*$\n?", re.MULTILINE)
_CSS_IMPORT = re.compile(r"@import\s+(?:url\()?\s*['\"]?(?:https?:)?//[^;]*;", re.IGNORECASE)
_CSS_URL = re.compile(r"url\(\s*['\"]?(?:https?:)?//[^)]*\)", re.IGNORECASE)


def integrity_of(tarball: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()


def neutralise(name: str, text: str) -> str:
    """The file as the browser gets it: nothing in it that makes a request elsewhere."""
    text = _SOURCE_MAP.sub("", text)
    if name.endswith(".css"):
        text = _CSS_URL.sub("none", _CSS_IMPORT.sub("", text))
    return text


def fetch(package: Package, workdir: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm is needed (Debian: apt-get install npm)")
    spec = f"{package.name}@{package.version}"
    # A fixed command with the pinned package names above; no shell, no outside input.
    result = subprocess.run(  # noqa: S603  # see the line above
        [npm, "pack", spec, "--json", "--pack-destination", str(workdir)],
        check=True,
        capture_output=True,
        text=True,
        cwd=workdir,
    )
    tarball = workdir / json.loads(result.stdout)[0]["filename"]
    found = integrity_of(tarball)
    if found != package.integrity:
        sys.exit(f"{spec}: integrity {found} is not the pinned {package.integrity}")
    with tarfile.open(tarball) as archive:
        archive.extractall(workdir / package.name, filter="data")
    shutil.rmtree(package.folder, ignore_errors=True)
    package.folder.mkdir()
    for file in package.files:
        source = workdir / package.name / "package" / file
        target = package.folder / Path(file).name
        if target.suffix in {".js", ".css"}:
            target.write_text(neutralise(target.name, source.read_text(encoding="utf-8")), encoding="utf-8")
        else:
            shutil.copyfile(source, target)
    print(f"{spec} → {package.folder.relative_to(HERE.parent.parent)}")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for package in PACKAGES:
            fetch(package, Path(tmp))


if __name__ == "__main__":
    main()
