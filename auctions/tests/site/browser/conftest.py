"""Playwright driving Debian's Chromium against pytest-django's live server."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the
# test body are still synchronous and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def _ensure_chromium() -> str | None:
    """Return why Chromium is unusable, installing it with apt when missing."""
    if os.path.exists(CHROMIUM):
        return None
    apt = shutil.which("apt-get")
    if apt is None:
        return "Chromium is missing at /usr/bin/chromium and apt-get is unavailable"
    try:
        subprocess.run(  # noqa: S603 -- a fixed command line, no user input
            [apt, "install", "-y", "chromium"], check=True, capture_output=True, timeout=900
        )
    except (subprocess.SubprocessError, OSError) as error:
        return f"Chromium is missing and `apt-get install -y chromium` failed: {error}"
    return None if os.path.exists(CHROMIUM) else "apt-get installed no /usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    reason = _ensure_chromium()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS
        )
    except Exception as error:
        playwright.stop()
        pytest.skip(f"Chromium does not start: {error}")
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def new_page(browser):
    """new_page() -> a page in a fresh phone-sized context (its own cookies)."""
    contexts = []

    def make(language: str = "en", viewport: dict = PHONE):
        context = browser.new_context(viewport=viewport, locale=language, device_scale_factor=1)
        context.set_default_timeout(15000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot():
    folder = Path(settings.BASE_DIR) / "artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name: str, full_page: bool = True) -> Path:
        """Save the page; full_page=False keeps only what the first screen shows."""
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take
