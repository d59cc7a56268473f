"""The OpenAPI schema at /api/schema/: tools get OpenAPI's media types, a browser reads it."""

from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiYamlRenderer
from drf_spectacular.views import SpectacularAPIView

# What a browser shows instead of downloading: the same YAML or JSON text.
SHOWN_AS = {OpenApiYamlRenderer: "text/plain", OpenApiJsonRenderer: "application/json"}


class SchemaView(SpectacularAPIView):
    """drf-spectacular's schema view; a page load (Accept: text/html) gets it displayable."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        renderer = getattr(response, "accepted_renderer", None)
        if response.status_code == 200 and "text/html" in request.headers.get("Accept", ""):
            for kind, media_type in SHOWN_AS.items():
                if isinstance(renderer, kind):
                    response.content_type = f"{media_type}; charset=utf-8"
                    break
        return response
