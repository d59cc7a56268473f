"""System checks: a malformed Payme fiscal setting stops start-up; a missing one does not."""

import re

from django.conf import settings
from django.core import checks


def check_fiscal_settings(app_configs=None, **kwargs) -> list:
    ikpu = settings.PAYME_FISCAL_IKPU
    if not ikpu:
        return []  # no receipt detail is sent (CONTRACT 4)
    problems = []
    if not re.fullmatch(r"[0-9]{17}", ikpu):
        problems.append(
            checks.Error(
                "PAYME_FISCAL_IKPU must be the 17-digit IKPU (MXIK) code of the listing fee.",
                id="payments_payme.E001",
            )
        )
    if not settings.PAYME_FISCAL_PACKAGE_CODE:
        problems.append(
            checks.Warning(
                "PAYME_FISCAL_IKPU is set but PAYME_FISCAL_PACKAGE_CODE is empty: Payme's "
                "fiscal receipt needs the package code of the IKPU.",
                id="payments_payme.W001",
            )
        )
    return problems
