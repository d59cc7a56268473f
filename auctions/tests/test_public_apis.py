"""Only documented APIs of Django, DRF and the driver in project code (issue 12).

Names of Django's SQL compiler and transaction internals, the driver-level PREPARE, and
underscore names imported from Django, DRF or psycopg2 break on the next release or behind
PgBouncer; none may appear outside the tests.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Internals the project once used, and their neighbours.
PRIVATE_NAMES = (
    "atomic_blocks",
    "savepoint_ids",
    "get_related_populators",
    "returning_columns",
    "return_insert_columns",
    "fetch_returned_insert_columns",
    "get_compiler",
    "apply_converters",
    "get_converters",
    "klass_info",
)
PRIVATE = re.compile(r"\b(?:" + "|".join(PRIVATE_NAMES) + r")\b")
# SQL-level prepared statements: PREPARE name [(types)] AS ..., DEALLOCATE name.
PREPARE = re.compile(r"\bPREPARE\s+\S+\s*(?:\([^)]*\))?\s*AS\s|\bDEALLOCATE\s+\S", re.IGNORECASE)
LIBRARIES = ("django", "rest_framework", "psycopg2", "psycopg")


def project_sources() -> list[Path]:
    skip = {".venv", "tests", "node_modules", "media", "artifacts"}
    return sorted(
        path
        for path in ROOT.rglob("*.py")
        if not skip.intersection(path.relative_to(ROOT).parts) and path.name != "conftest.py"
    )


def offences(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    found = [f"{path.name}: {match.group()}" for match in PRIVATE.finditer(text)]
    found += [f"{path.name}: SQL {match.group().strip()}" for match in PREPARE.finditer(text)]
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in LIBRARIES:
            found += [
                f"{path.name}: from {node.module} import {alias.name}"
                for alias in node.names
                if alias.name.startswith("_") or "._" in node.module
            ]
    return found


def test_the_scan_sees_the_project():
    names = {path.relative_to(ROOT).as_posix() for path in project_sources()}

    assert {"auctions/payment_flow.py", "payments_payme/services.py", "config/settings.py"} <= names
    assert not any("/tests/" in name for name in names)


@pytest.mark.parametrize(
    "source",
    [
        "blocks = transaction.get_connection().atomic_blocks",
        "compiler = queryset.query.get_compiler(using='default')",
        "cursor.execute('PREPARE kv_1 AS SELECT 1')",
        "cursor.execute(f'prepare {name} (int) as select $1')",
        "from django.db.models.query import get_related_populators",
        "from django.db.models.sql.compiler import _some_helper",
    ],
)
def test_the_scan_catches_a_private_name(tmp_path, source):
    module = tmp_path / "module.py"
    module.write_text(source + "\n")

    assert offences(module)


def test_project_code_uses_no_private_api():
    found = [offence for path in project_sources() for offence in offences(path)]

    assert found == []


@pytest.mark.postgres
def test_postgresql_settings_hold_behind_pgbouncer_in_transaction_mode():
    from django.conf import settings

    # CONTRACT 8: a server-side cursor would outlive the pooled server connection.
    assert settings.DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert "OPTIONS" not in settings.DATABASES["default"] or not settings.DATABASES["default"][
        "OPTIONS"
    ].get("options")  # no session-level startup options, which PgBouncer refuses
