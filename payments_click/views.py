"""Click's Prepare and Complete callbacks: thin, every outcome answered by click_endpoint."""

from . import services
from .protocol import COMPLETE, PREPARE, ClickRequest, click_endpoint, success_answer


@click_endpoint(PREPARE)
def prepare(incoming: ClickRequest) -> dict:
    row = services.prepare(incoming)
    return success_answer(incoming, row.merchant_prepare_id, endpoint=PREPARE)


@click_endpoint(COMPLETE)
def complete(incoming: ClickRequest) -> dict:
    row = services.complete(incoming)
    return success_answer(incoming, row.merchant_confirm_id, endpoint=COMPLETE)
