"""One DRF exception handler: domain refusals become readable 4xx answers, never a 500."""

from django.core.exceptions import ObjectDoesNotExist
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from auctions import payment_flow, providers, services


def api_exception_handler(error, context):
    if isinstance(error, services.DomainError):
        return Response({"detail": error.message}, status=error.status)
    if isinstance(error, providers.ProviderUnavailable):
        return Response(
            {"detail": f"The payment provider is unavailable: {error}"},
            status=status.HTTP_502_BAD_GATEWAY,
        )
    if isinstance(error, payment_flow.PaymentFlowError):
        return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)
    if isinstance(error, ObjectDoesNotExist):
        return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
    return exception_handler(error, context)


def not_found(request, exception=None):
    """404: JSON under /api/ (API clients read JSON), the site's page elsewhere."""
    from django.http import JsonResponse
    from django.views.defaults import page_not_found

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)
