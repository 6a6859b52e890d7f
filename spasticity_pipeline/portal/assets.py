"""The NHS.UK frontend's compiled CSS, JS and images, served by the portal itself (no CDN).

They are vendored into ``portal/static/nhsuk/`` from the ``nhsuk-frontend`` npm package, at the
version that ``nhsuk-frontend-jinja`` (the Jinja macros, from PyPI) is built for, so installing the
project needs neither npm nor the network. ``make portal-assets`` refreshes them:
``python -m spasticity_pipeline.portal.assets`` runs ``npm pack nhsuk-frontend@VERSION`` and
copies the compiled files in. The NHS font (Frutiger) is licensed and only served from the
NHS's own CDN, so its ``@font-face`` rules are dropped: pages use the design system's Arial fallback.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

#: nhsuk-frontend-jinja 0.10.2 targets nhsuk-frontend 10.6.1 (its README's compatibility table)
NHSUK_FRONTEND_VERSION = "10.6.1"
STATIC = Path(__file__).resolve().parent / "static"
TARGET = STATIC / "nhsuk"
_KEEP = ("nhsuk-frontend.min.css", "nhsuk-frontend.min.js")
_FONT_FACE = re.compile(r"@font-face\{[^}]*assets\.nhs\.uk[^}]*\}")


def present() -> bool:
    return all((TARGET / name).is_file() for name in _KEEP)


def refresh(version: str = NHSUK_FRONTEND_VERSION, npm: str = "npm") -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [npm, "pack", f"nhsuk-frontend@{version}", "--silent"], cwd=tmp, check=True, stdout=subprocess.DEVNULL
        )
        tgz = next(Path(tmp).glob("nhsuk-frontend-*.tgz"))
        with tarfile.open(tgz) as tar:
            tar.extractall(tmp, filter="data")
        dist = Path(tmp) / "package" / "dist" / "nhsuk"
        new = Path(tmp) / "out"
        new.mkdir()
        css = (dist / "nhsuk-frontend.min.css").read_text(encoding="utf-8")
        (new / "nhsuk-frontend.min.css").write_text(_FONT_FACE.sub("", css), encoding="utf-8")
        shutil.copy2(dist / "nhsuk-frontend.min.js", new / "nhsuk-frontend.min.js")
        shutil.copytree(dist / "assets" / "images", new / "images")
        shutil.copy2(dist / "assets" / "manifest.json", new / "manifest.json")
        (new / "VERSION").write_text(f"nhsuk-frontend {version}\n", encoding="utf-8")
        shutil.rmtree(TARGET, ignore_errors=True)
        shutil.copytree(new, TARGET)
    return TARGET


if __name__ == "__main__":
    print(f"NHS.UK frontend {NHSUK_FRONTEND_VERSION} → {refresh(*sys.argv[1:2])}")
