"""The Payme Merchant API endpoint: a method name -> service map behind one decorator."""

from . import services
from .protocol import payme_endpoint

HANDLERS = {
    "CheckPerformTransaction": services.check_perform_transaction,
    "CreateTransaction": services.create_transaction,
    "PerformTransaction": services.perform_transaction,
    "CancelTransaction": services.cancel_transaction,
    "CheckTransaction": services.check_transaction,
    "GetStatement": services.get_statement,
    "SetFiscalData": services.set_fiscal_data,
    "ChangePassword": services.change_password,
}

endpoint = payme_endpoint(HANDLERS)
