"""axe-core (Deque's accessibility engine) run in the tests' headless Chromium.

``axe_violations(driver, url_or_file)`` opens the page (or checks the one already open), injects
the vendored ``vendor/axe.min.js`` and runs the WCAG 2.2 A/AA rules; it returns the serious and
critical violations. ``assert_accessible`` fails with a readable list (rule, impact, help, the
elements). The script is vendored so the tests run offline; ``make axe-core`` refreshes it:
``python -m spasticity_pipeline_tests.ui.axe [VERSION]`` runs ``npm pack axe-core@VERSION``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

VENDOR = Path(__file__).resolve().parent / "vendor"
AXE_VERSION = "4.14.1"
#: the WCAG 2.0, 2.1 and 2.2 level A and AA rules (axe tags); no "best-practice" rules
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
SERIOUS = ("serious", "critical")

_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})
  .then(r => done({violations: r.violations, incomplete: r.incomplete.length}))
  .catch(e => done({error: String(e)}));
"""


@dataclass(frozen=True)
class Violation:
    """One axe rule a page breaks, with the elements that break it (CSS selectors)."""

    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]
    help_url: str = ""

    def __str__(self) -> str:
        shown = ", ".join(self.targets[:5]) + (f" (+{len(self.targets) - 5} more)" if len(self.targets) > 5 else "")
        return f"{self.rule} [{self.impact}] {self.help}: {shown}"


@cache
def _script() -> str:
    return (VENDOR / "axe.min.js").read_text(encoding="utf-8")


def _target(node: dict[str, Any]) -> str:
    # a node's target is a list of selectors (more than one when inside iframes / shadow DOM)
    return " >> ".join(str(t) for t in node.get("target", []))


def axe_violations(
    driver: Any, url_or_file: str | Path | None = None, impacts: tuple[str, ...] = SERIOUS
) -> list[Violation]:
    """The page's violations of the WCAG 2.2 A/AA rules with one of ``impacts`` (serious and
    critical by default; pass ``("minor", "moderate", "serious", "critical")`` for all).
    ``url_or_file``: a URL or a local file to open first; ``None`` checks the page as it is."""
    if url_or_file is not None:
        driver.get(url_or_file.resolve().as_uri() if isinstance(url_or_file, Path) else url_or_file)
    # injected through WebDriver, so the page's content security policy does not block it
    driver.execute_script(_script())
    driver.set_script_timeout(120)
    result = driver.execute_async_script(_RUN, list(WCAG_TAGS))
    if "error" in result:
        raise RuntimeError(f"axe-core failed on {driver.current_url}: {result['error']}")
    return [
        Violation(
            rule=v["id"],
            impact=v.get("impact") or "",
            help=v["help"],
            targets=tuple(_target(n) for n in v["nodes"]),
            help_url=v.get("helpUrl", ""),
        )
        for v in result["violations"]
        if (v.get("impact") or "") in impacts
    ]


def describe(violations: list[Violation]) -> str:
    return "\n".join(f"  - {v}" for v in violations)


def assert_accessible(driver: Any, url_or_file: str | Path | None = None, screenshot: Path | None = None) -> None:
    """Fail unless the page has no serious or critical WCAG 2.2 A/AA violation. With
    ``screenshot``, the whole page is saved there first (for people to look at)."""
    if url_or_file is not None:
        driver.get(url_or_file.resolve().as_uri() if isinstance(url_or_file, Path) else url_or_file)
    if screenshot is not None:
        save_full_page(driver, screenshot)
    found = axe_violations(driver)
    assert not found, f"axe-core: {len(found)} serious/critical violation(s) on {driver.current_url}\n{describe(found)}"


def save_full_page(driver: Any, path: Path, width: int = 1400) -> Path:
    """A screenshot of the whole page (the window is stretched to the page's height, then put back)."""
    size = driver.get_window_size()
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(max(int(height), 900), 6000))
    path.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(path))
    driver.set_window_size(size["width"], size["height"])
    return path


def refresh(version: str = AXE_VERSION, npm: str = "npm") -> Path:
    """Re-vendor axe.min.js and its licences from npm's ``axe-core@version``."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([npm, "pack", f"axe-core@{version}", "--silent"], cwd=tmp, check=True, stdout=subprocess.DEVNULL)
        with tarfile.open(next(Path(tmp).glob("axe-core-*.tgz"))) as tar:
            tar.extractall(tmp, filter="data")
        package = Path(tmp) / "package"
        VENDOR.mkdir(exist_ok=True)
        shutil.copy2(package / "axe.min.js", VENDOR / "axe.min.js")
        shutil.copy2(package / "LICENSE", VENDOR / "LICENSE-axe-core")
        shutil.copy2(package / "LICENSE-3RD-PARTY.txt", VENDOR / "LICENSE-3RD-PARTY.txt")
        (VENDOR / "VERSION").write_text(f"axe-core {version}\n", encoding="utf-8")
    return VENDOR


if __name__ == "__main__":
    print(f"axe-core {sys.argv[1] if len(sys.argv) > 1 else AXE_VERSION} → {refresh(*sys.argv[1:2])}")
