"""Regenerate the README's screenshots from a real server on the bundled corpus.

    python scripts/screenshots.py [--data DIR] [--out docs]

Builds the bundled corpus into a temporary folder (unless ``--data`` names a built one), serves it
on a free loopback port, and photographs the search page and the cascade page of the linked
document pair (upper → lower) with the most target moves, with Debian's headless Chromium driven
by Playwright (as tests/test_browser.py does): ``docs/screenshot-search.png`` and ``docs/screenshot-cascade.png``.
"""
from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # the project, and its server-in-a-thread helper

CHROMIUM = "/usr/bin/chromium"
SEARCH_QUERY = "高标准农田建设"  # a phrase of the bundled corpus (the README's example query)
VIEWPORT = {"width": 1360, "height": 860}


@contextlib.contextmanager
def serving(data: Path) -> Iterator[tuple[str, object]]:
    """A real server over ``data`` (tests/app_support.py's), the search model loaded; yields (URL, PolicyKG)."""
    from api.web.app import create_app
    from app_support import running_server

    app = create_app(data)
    app.state.kg.warm()
    with running_server(app) as url:
        yield url, app.state.kg


def take(url: str, kg, out: Path) -> list[Path]:
    """The two screenshots, written under ``out``."""
    from playwright.sync_api import sync_playwright

    pairs = kg.example_pairs()
    if not pairs:
        raise SystemExit("no linked upper → lower document pair in this corpus: nothing to show on the cascade page")
    # the linked pair with the most to show: target moves, then aligned provisions
    pair = max(pairs[:20], key=lambda p: (len((c := kg.cascade(p["upper"], p["lower"]))["targets"]), len(c["pairs"])))
    shots = [(f"{url}/?q={SEARCH_QUERY}&lang=zh", "article.hit", out / "screenshot-search.png", 860),
             (f"{url}/cascade?upper={pair['upper']}&lower={pair['lower']}&lang=zh", "table", out / "screenshot-cascade.png",
              1100)]  # tall enough to show the first target moves
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"])
        ctx = browser.new_context(viewport=VIEWPORT, locale="zh-CN", device_scale_factor=1)
        page = ctx.new_page()
        for address, ready, path, height in shots:
            page.set_viewport_size({"width": VIEWPORT["width"], "height": height})
            page.goto(address)
            page.wait_for_selector(ready)
            page.screenshot(path=str(path), full_page=False)
        browser.close()
    return [p for _, _, p, _ in shots]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, help="a built data dir (default: build the bundled corpus into a temp dir)")
    ap.add_argument("--out", type=Path, default=ROOT / "docs")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data
        if data is None:
            from api.pipeline.build import build
            from corpus import BUNDLED_DIR

            data = Path(tmp) / "data"
            build(BUNDLED_DIR, data, progress=False)
        with serving(data) as (url, kg):
            for path in take(url, kg, args.out):
                print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
