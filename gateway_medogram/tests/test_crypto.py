"""Encryption at rest: the first key encrypts, all decrypt, and rotation moves to the first."""

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.checks import run_checks
from django.core.management import CommandError, call_command

from gateway_medogram import crypto
from gateway_medogram.models import MedogramPayment

pytestmark = pytest.mark.django_db

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()
PROFILE = {"first_name": "Leyla", "national_code": "0071234567"}


def stored_profile(make_payment, settings) -> MedogramPayment:
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    payment = make_payment("medogram", currency="IRR")
    return MedogramPayment.objects.create(
        payment=payment, amount=payment.amount, user_data=crypto.encrypt_json(PROFILE)
    )


def test_old_values_read_after_a_new_first_key_and_rotation_moves_them(
    make_payment, settings, capsys
):
    row = stored_profile(make_payment, settings)
    old_token = row.user_data
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]

    assert crypto.decrypt_json(old_token) == PROFILE
    call_command("rotate_encryption_keys")

    assert "Rotated 1 encrypted value(s)" in capsys.readouterr().out
    row.refresh_from_db()
    assert row.user_data != old_token
    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    assert crypto.decrypt_json(row.user_data) == PROFILE
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_json(row.user_data)


def test_new_values_are_written_under_the_first_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]

    token = crypto.encrypt_text("secret profile")

    assert Fernet(NEW.encode()).decrypt(token.encode()) == b"secret profile"
    with pytest.raises(InvalidToken):
        Fernet(OLD.encode()).decrypt(token.encode())


def test_rotation_reports_values_no_key_opens(make_payment, settings, capsys):
    stored_profile(make_payment, settings)
    settings.FIELD_ENCRYPTION_KEYS = [NEW]

    with pytest.raises(CommandError, match="could not be decrypted"):
        call_command("rotate_encryption_keys")

    assert "Rotated 0 encrypted value(s)" in capsys.readouterr().out


@pytest.mark.parametrize("keys", [[], ["not-a-fernet-key"]])
def test_system_check_names_what_to_set(settings, keys):
    settings.FIELD_ENCRYPTION_KEYS = keys

    errors = [e for e in run_checks() if e.id.startswith("medogram.")]

    assert errors
    assert all("FIELD_ENCRYPTION_KEYS" in e.msg and "Fernet" in e.hint for e in errors)


@pytest.mark.parametrize(("value", "says"), [("", "is not set"), ("abc,def", "not a valid")])
def test_start_up_stops_without_a_valid_key(value, says):
    import os
    import subprocess
    import sys

    from django.conf import settings as django_settings

    environment = os.environ | {
        "DEBUG": "0",
        "KVARTIRABAR_TESTING": "0",
        "SECRET_KEY": "x" * 50,
        "FIELD_ENCRYPTION_KEYS": value,
    }
    finished = subprocess.run(  # noqa: S603 -- our own manage.py, fixed arguments
        [sys.executable, "manage.py", "check"],
        cwd=django_settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert finished.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS" in finished.stderr
    assert says in finished.stderr
