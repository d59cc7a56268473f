import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

from auctions.providers import report_missing_settings  # noqa: E402 -- needs Django set up

report_missing_settings()  # one line per process naming any missing provider setting
