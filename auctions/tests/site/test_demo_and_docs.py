"""The demo data, the docs that stand alone, the schema in a browser, one warning at start."""

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from auctions.models import Auction, Bid, Listing
from config import ports

ROOT = Path(settings.BASE_DIR)


@pytest.mark.django_db
def test_the_demo_has_live_and_upcoming_auctions_with_photos_titles_and_bids(capsys):
    call_command("seed_demo")
    call_command("seed_demo")  # a second run adds nothing

    now = timezone.now()
    shown = [a for a in Auction.objects.filter(is_paid=True) if a.current_status(now) != "ended"]
    statuses = [auction.current_status(now) for auction in shown]
    assert statuses.count("active") >= 3 and statuses.count("scheduled") >= 2
    titles = " ".join(Listing.objects.values_list("title", flat=True))
    assert re.search(r"[а-яА-Я]", titles) and re.search(r"xonali|o'g'", titles)
    for listing in Listing.objects.all():
        assert listing.photos.count() >= 3
        with Image.open(listing.photos.first().image.path) as image:
            assert image.size == (1200, 800)
    live_with_bids = [a for a in shown if a.bid_count]
    assert len(live_with_bids) >= 3
    for auction in live_with_bids:
        amounts = list(
            Bid.objects.filter(auction=auction)
            .order_by("created_at")
            .values_list("amount", flat=True)
        )
        assert amounts == sorted(amounts) and len(amounts) == auction.bid_count
        assert auction.current_price == amounts[-1]
    assert Listing.objects.count() == 6
    with_deposit = [a for a in shown if a.deposit]
    assert [(a.current_status(now), a.bid_count) for a in with_deposit] == [("scheduled", 0)]
    assert "bidder3 / kvartirabar-demo" in capsys.readouterr().out


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_readme_and_docs_link_nothing_outside_the_repository():
    for document in documents():
        text = document.read_text(encoding="utf-8")
        prose = re.sub(r"```.*?```|`[^`]*`", "", text, flags=re.S)  # code is not a link
        assert not re.search(r"(?<!\.)\.\./", text), document.name
        assert "CONTRACT" not in text and "shared/" not in text, document.name
        for target in re.findall(r"\]\(([^)]+)\)", text):
            assert not re.match(r"[a-z]+:|//", target), (document.name, target)
            assert (document.parent / target.split("#")[0]).exists(), (document.name, target)
        outside = [
            url
            for url in re.findall(r"https?://[^\s)>]+", prose)
            if not re.match(r"https?://(127\.0\.0\.1|localhost|SITE)\b", url)
        ]
        assert outside == [], document.name


def test_the_docs_describe_the_outside_interfaces():
    text = (ROOT / "docs" / "interfaces.md").read_text(encoding="utf-8")

    for address in (
        "/api/payments/click/prepare/",
        "/api/payments/click/complete/",
        "/api/auctions/click/prepare/",
        "/api/payments/payme/",
        "/api/payments/medogram/callback/",
        "/payments/<merchant_trans_id>/",
    ):
        assert address in text
    for name in ("seed_demo", "verify_medogram_payments", "rotate_encryption_keys", "SITE_URL"):
        assert name in text
    assert "(api.md)" in text and "(docs/website.md)" in (ROOT / "README.md").read_text()


@pytest.mark.django_db
def test_the_schema_opens_in_a_browser_and_stays_openapi_for_tools(client):
    browser = client.get(
        "/api/schema/", headers={"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    )
    tool = client.get("/api/schema/")
    json_tool = client.get("/api/schema/", headers={"accept": "application/vnd.oai.openapi+json"})

    assert browser.status_code == 200
    assert browser["Content-Type"] == "text/plain; charset=utf-8"
    assert browser["X-Content-Type-Options"] == "nosniff"
    assert browser.content.decode().startswith("openapi: 3")
    assert tool["Content-Type"].startswith("application/vnd.oai.openapi")
    assert json_tool.json()["info"]["title"] == "kvartirabar seller API"


@pytest.mark.django_db
def test_the_api_docs_say_nothing_that_refers_outside_the_repository(client):
    schema = client.get("/api/schema/").content.decode()

    assert "CONTRACT" not in schema and "shared/" not in schema
    assert "api.example.org" not in schema
    assert not re.findall(r"https?://(?!127\.0\.0\.1)", schema)


@pytest.mark.django_db
def test_the_site_has_a_favicon(client):
    page = client.get("/").content.decode()
    icon = client.get("/favicon.ico")

    assert '<link rel="icon" href="/static/site/favicon.svg" type="image/svg+xml">' in page
    assert (icon.status_code, icon["Location"]) == (301, "/static/site/favicon.svg")
    assert (ROOT / "static" / "site" / "favicon.svg").read_text().startswith("<svg")


def start_up_warnings(**variables) -> list[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "KVARTIRABAR_DEV_SECRETS_ANNOUNCED")
    }
    environment |= {"DEBUG": "1", "KVARTIRABAR_TESTING": "0", "DATABASE_URL": "sqlite://:memory:"}
    finished = subprocess.run(  # noqa: S603 -- our own manage.py, fixed arguments
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment | variables,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 0, finished.stderr
    return [line for line in finished.stderr.splitlines() if "UserWarning" in line]


def test_development_secrets_are_warned_about_once():
    assert len(start_up_warnings()) == 1
    assert "SECRET_KEY and FIELD_ENCRYPTION_KEYS" in start_up_warnings()[0]
    assert start_up_warnings(KVARTIRABAR_DEV_SECRETS_ANNOUNCED="1") == []
    assert start_up_warnings(RUN_MAIN="true") == []  # runserver's reloading child


def test_make_run_names_a_port_that_is_taken(capsys):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        busy = holder.getsockname()[1]
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            free = probe.getsockname()[1]

        assert ports.main([f"SANDBOX_PORT={free}"]) == 0
        assert ports.main([f"PORT={busy}", f"SANDBOX_PORT={free}"]) == 1

    said = capsys.readouterr().err
    assert f"Port {busy} (PORT) is already in use" in said
    assert "PORT=8100 make run" in said
    assert "SANDBOX_PORT" not in said.split("or set")[-1].replace("PORT.", "")


def test_the_sandbox_port_follows_the_site_port():
    makefile = (ROOT / "Makefile").read_text()

    assert "SANDBOX_PORT ?= $(shell expr $(PORT) + 90)" in makefile
    assert "python -m config.ports PORT=$(PORT) SANDBOX_PORT=$(SANDBOX_PORT)" in makefile


@pytest.mark.django_db
def test_the_schema_says_a_list_is_a_plain_array_unless_paged(client):
    schema = client.get("/api/schema/", headers={"accept": "application/vnd.oai.openapi+json"})
    listed = schema.json()["components"]["schemas"]["PaginatedAuctionList"]
    answer = client.get("/api/auctions/")

    assert listed["oneOf"][0] == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/Auction"},
    }
    assert set(listed["oneOf"][1]["required"]) == {"count", "results"}
    assert answer.json() == []
    assert set(client.get("/api/auctions/?limit=5").json()) == {
        "count",
        "next",
        "previous",
        "results",
    }
