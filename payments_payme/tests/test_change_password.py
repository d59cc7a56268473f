"""ChangePassword (CONTRACT 4): only the new key's SHA-256 is stored; it replaces PAYME_KEY."""

import hashlib
import logging

import pytest

from payments_payme import protocol
from payments_payme.models import PaymeKeyChange, PaymeTransaction

from .payme_client import error_code

pytestmark = pytest.mark.django_db

NEW_KEY = "NEW:KEY=#s3cr3t-Xy9"


def test_change_password_swaps_the_key_and_never_keeps_or_logs_it(payme, payme_payment, caplog):
    caplog.set_level(logging.DEBUG)

    answer = payme.change_password(NEW_KEY)

    assert answer["result"] == {"success": True}
    assert error_code(payme.check_perform(payme_payment, key="TEST_KEY_123")) == -32504
    assert payme.check_perform(payme_payment, key=NEW_KEY)["result"] == {"allow": True}
    assert payme.create(payme_payment, "63f1a0c2e4b0d1a2b3c4d5e1", key=NEW_KEY)["result"]
    [row] = PaymeKeyChange.objects.all()
    assert row.key_sha256 == hashlib.sha256(NEW_KEY.encode()).hexdigest()
    assert row.changed_at is not None
    for text in (NEW_KEY, "TEST_KEY_123"):
        assert text not in caplog.text
        assert not PaymeKeyChange.objects.filter(key_sha256__contains=text).exists()
        assert not PaymeTransaction.objects.filter(payme_id__contains=text).exists()
    assert "UGF5Y29t" not in caplog.text  # no Authorization header either


def test_the_newest_change_is_in_force_and_each_change_is_audited(payme, payme_payment):
    payme.change_password("SECOND_KEY")
    payme.change_password("THIRD_KEY", key="SECOND_KEY")

    assert error_code(payme.check_perform(payme_payment, key="SECOND_KEY")) == -32504
    assert payme.check_perform(payme_payment, key="THIRD_KEY")["result"] == {"allow": True}
    assert PaymeKeyChange.objects.count() == 2


def test_a_change_made_by_another_worker_is_picked_up(payme, payme_payment):
    # Warm this process's cache with PAYME_KEY, then change the key behind its back, as
    # another gunicorn worker would.
    assert payme.check_perform(payme_payment)["result"] == {"allow": True}
    PaymeKeyChange.objects.create(key_sha256=hashlib.sha256(b"OTHER_WORKER").hexdigest())

    # The new key works at once (a mismatch re-reads the row) ...
    assert payme.check_perform(payme_payment, key="OTHER_WORKER")["result"] == {"allow": True}
    # ... and, having been re-read, the old one is refused.
    assert error_code(payme.check_perform(payme_payment)) == -32504


def test_the_old_key_expires_in_other_workers_within_the_recheck_window(
    payme, payme_payment, monkeypatch
):
    assert payme.check_perform(payme_payment)["result"] == {"allow": True}
    PaymeKeyChange.objects.create(key_sha256=hashlib.sha256(b"OTHER_WORKER").hexdigest())
    monkeypatch.setattr(protocol, "KEY_RECHECK_SECONDS", 0.0)

    assert error_code(payme.check_perform(payme_payment)) == -32504


@pytest.mark.parametrize("password", [None, 12345, "", ["x"], {"a": "b"}, "nul\x00byte", True])
def test_a_missing_or_non_string_password_is_32600(payme, payme_payment, password):
    params = {} if password is None else {"password": password}

    answer = payme.call("ChangePassword", params)

    assert answer["error"]["code"] == -32600
    assert answer["error"]["data"] == "password"
    assert not PaymeKeyChange.objects.exists()
    assert payme.check_perform(payme_payment)["result"] == {"allow": True}


def test_change_password_needs_the_current_key(payme, payme_payment):
    assert error_code(payme.change_password("HIJACK", key="WRONG")) == -32504
    assert not PaymeKeyChange.objects.exists()
