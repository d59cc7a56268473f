from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView

from config import health, metrics
from config.schema import SchemaView
from payments_payme import views as payme_views

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    # Provider callbacks first: their fixed URLs (CONTRACT 3-5) must never be shadowed.
    path("api/payments/click/", include("payments_click.urls")),
    path("api/auctions/click/", include("payments_click.urls_live")),
    path("api/payments/payme/", include("payments_payme.urls")),
    # A cashbox URL saved without its slash: a redirect would lose Payme's POST.
    path("api/payments/payme", payme_views.endpoint),
    path("api/payments/medogram/", include("gateway_medogram.urls")),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    # The split view serves Swagger UI's init script from its own URL: no inline script
    # under the Content-Security-Policy.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/cards/", include("payments_payme.card_urls")),
    path("api/", include("auctions.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("my/", include("payments_payme.site_urls")),
    path("", include("auctions.site_urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "config.exceptions.not_found"
