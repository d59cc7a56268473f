"""A fast path for the provider callbacks on the payer's critical path (issue 7)."""

from django.urls import Resolver404, get_resolver

# Server-to-server callbacks: no session, user, language, CSRF token or messages to read.
CALLBACK_PREFIXES = ("/api/payments/click/", "/api/auctions/click/", "/api/payments/payme")


class ProviderCallbackFastPath:
    """Call Click's and Payme's callback views directly, past the site's middleware.

    Sits after SecurityMiddleware (HTTPS redirect, headers), so those still apply. The
    views are csrf-exempt and read nothing the skipped middleware provide; each answers
    every input itself in its protocol's format. Any other path goes down the full stack.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.resolver = get_resolver()

    def __call__(self, request):
        if request.path_info.startswith(CALLBACK_PREFIXES):
            try:
                match = self.resolver.resolve(request.path_info)
            except Resolver404:
                return self.get_response(request)
            request.resolver_match = match
            return match.func(request, *match.args, **match.kwargs)
        return self.get_response(request)
