"""The Payme Merchant API endpoint: a method name -> service map behind one decorator."""

from . import deposit_callbacks, protocol, services
from .protocol import payme_endpoint


def _by_account(for_payment, for_deposit):
    """A DEPOSIT_… account is a deposit's order (CONTRACT 9); any other, a payment's."""

    def handler(params, call):
        if deposit_callbacks.names_deposit(params):
            return for_deposit(params, call)
        return for_payment(params, call)

    return handler


def _by_id(for_payment, for_deposit):
    """A transaction id unknown among payments may be a deposit's."""

    def handler(params, call):
        try:
            return for_payment(params, call)
        except protocol.TransactionNotFound:
            if not deposit_callbacks.knows(params):
                raise
        return for_deposit(params, call)

    return handler


def _with_deposits_statement(for_payments):
    """GetStatement lists the deposits' transactions too, in one ascending list."""

    def handler(params, call):
        result = for_payments(params, call)
        deposits = deposit_callbacks.statement_items(params)
        if deposits:
            items = sorted([*result["transactions"], *deposits], key=lambda item: item["time"])
            result = {"transactions": items}
            call.outcome = f"items:{len(items)}"
        return result

    return handler


HANDLERS = {
    "CheckPerformTransaction": _by_account(
        services.check_perform_transaction, deposit_callbacks.check_perform_transaction
    ),
    "CreateTransaction": _by_account(
        services.create_transaction, deposit_callbacks.create_transaction
    ),
    "PerformTransaction": _by_id(
        services.perform_transaction, deposit_callbacks.perform_transaction
    ),
    "CancelTransaction": _by_id(services.cancel_transaction, deposit_callbacks.cancel_transaction),
    "CheckTransaction": _by_id(services.check_transaction, deposit_callbacks.check_transaction),
    "GetStatement": _with_deposits_statement(services.get_statement),
    "SetFiscalData": services.set_fiscal_data,
    "ChangePassword": services.change_password,
}

endpoint = payme_endpoint(HANDLERS)
