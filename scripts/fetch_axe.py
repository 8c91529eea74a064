"""Fetch axe-core's `axe.min.js` (the accessibility checker the browser tests run) from
the npm registry, the pinned release checked against the registry's published sha512,
into .venv/. Python's standard library only: `make test` runs it on a fresh machine."""

from __future__ import annotations

import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

VERSION = "4.10.3"
URL = f"https://registry.npmjs.org/axe-core/-/axe-core-{VERSION}.tgz"
# the tarball's `dist.integrity` as https://registry.npmjs.org/axe-core/4.10.3 publishes it
SHA512 = "Xm7bpRXnDSX2YE2YFfBk2FnF0ep6tmG7xPh8iHee8MIcrgq762Nkce856dYtJYLkuIoYZvGfTs/PbZhideTcEg=="


def main(target: str) -> int:
    with urllib.request.urlopen(URL, timeout=60) as answer:
        tarball = answer.read()
    digest = base64.b64encode(hashlib.sha512(tarball).digest()).decode()
    if digest != SHA512:
        print(f"axe-core {VERSION}: the tarball's sha512 is not the registry's; not used",
              file=sys.stderr)  # fmt: skip
        return 1
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        script = archive.extractfile("package/axe.min.js").read()
    Path(target).write_bytes(script)
    print(f"axe-core {VERSION} -> {target} ({len(script):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
