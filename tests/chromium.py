"""Headless Debian Chromium for the browser tests, driven by Playwright.

Playwright's own browser download does not work on the course machines (and is not
needed): we point it at the system Chromium from Debian's ``chromium`` package.
Where that browser is missing, the tests are skipped with a message saying how to
install it, except under ``COURSE_REQUIRE_BROWSER=1`` (set by ``.ci/run``), where a
missing browser is a failure: CI must never pass by skipping them.
"""
import contextlib
import os
import shutil

import pytest

CHROMIUM = os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium")

# Without the background-networking flags Chromium keeps dialling Google's hosts, which a
# closed network refuses; --no-sandbox is needed when the tests run as root (as CI does).
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def _executable():
    """CHROMIUM as a path Playwright can launch (a bare name is looked up on PATH), or None."""
    return CHROMIUM if os.path.exists(CHROMIUM) else shutil.which(CHROMIUM)


def available():
    """Whether Playwright and a Chromium for it are installed."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return _executable() is not None


def require_chromium():
    """Skip (or, under COURSE_REQUIRE_BROWSER=1, fail) when no Chromium is installed."""
    pytest.importorskip("playwright.sync_api", reason="pip install playwright (the [test] extra)")
    if _executable():
        return
    message = (f"no Chromium at {CHROMIUM}: `sudo apt-get install chromium` "
               "(or set COURSE_CHROMIUM to another Chromium binary)")
    if os.environ.get("COURSE_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


@contextlib.contextmanager
def browser():
    """Yield a headless Playwright ``Browser`` running the system Chromium."""
    from playwright.sync_api import sync_playwright

    require_chromium()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=_executable(), headless=True, args=ARGS)
        try:
            yield b
        finally:
            b.close()
