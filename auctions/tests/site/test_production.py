"""The site renders in production mode with no collectstatic step (CONTRACT 8)."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

SCRIPT = """
import django
django.setup()
from django.test import Client
client = Client(SERVER_NAME="localhost", raise_request_exception=False)
for path in ["/accounts/login/", "/static/site/site.css", "/static/site/site.js"]:
    print(path, client.get(path, secure=True).status_code)
"""


def test_pages_and_assets_work_with_debug_off_and_no_collected_static(tmp_path):
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "KVARTIRABAR_", "DEBUG", "PYTEST"))
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        KVARTIRABAR_TESTING="0",
        DEBUG="0",
        SECRET_KEY="production-check-" + "s" * 40,
        FIELD_ENCRYPTION_KEYS="ZmVybmV0LWtleS1mb3ItdGhlLXByb2R1Y3Rpb24tdGU=",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        ALLOWED_HOSTS="localhost",
        SECURE_SSL_REDIRECT="0",
    )

    result = subprocess.run(  # noqa: S603 -- our own interpreter and a fixed script
        [sys.executable, "-c", SCRIPT],
        cwd=Path(settings.BASE_DIR),
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.stdout.split("\n")[:3] == [
        "/accounts/login/ 200",
        "/static/site/site.css 200",
        "/static/site/site.js 200",
    ], result.stderr[-3000:]
