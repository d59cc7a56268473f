"""Settings, read once from the environment (and an optional .env file), CONTRACT 6."""

import base64
import hashlib
import os
import sys
import warnings
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

from . import env

BASE_DIR = Path(__file__).resolve().parent.parent
load_dotenv(BASE_DIR / ".env", override=False)

DEBUG = env.boolean("DEBUG", False)
TESTING = env.boolean("KVARTIRABAR_TESTING", "pytest" in sys.modules)


# The secrets that fell back to development values: one warning names them all, once.
_DEVELOPMENT_SECRETS: list[str] = []


def _required_secret(name: str, development_value: str) -> str:
    value = env.text(name).strip()
    if value:
        return value
    if DEBUG or TESTING:
        if not TESTING:
            _DEVELOPMENT_SECRETS.append(name)
        return development_value
    raise ImproperlyConfigured(f"{name} is not set: set the environment variable {name}")


SECRET_KEY = _required_secret("SECRET_KEY", "django-insecure-development-only-" + "k" * 40)


def _encryption_keys() -> list[str]:
    # Development key derived from SECRET_KEY so the embedded default runs unconfigured.
    development = base64.urlsafe_b64encode(
        hashlib.sha256(("fernet:" + SECRET_KEY).encode()).digest()
    ).decode()
    raw = _required_secret("FIELD_ENCRYPTION_KEYS", development)
    keys = [key.strip() for key in raw.split(",") if key.strip()]
    from cryptography.fernet import Fernet

    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_KEYS: key {position} is not a valid Fernet key "
                "(32 url-safe base64-encoded bytes; make one with "
                "`python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`)"
            ) from None
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty: set at least one Fernet key")
    return keys


FIELD_ENCRYPTION_KEYS = _encryption_keys()
# Said once per start: not again by runserver's reloading child (RUN_MAIN), nor by the
# later commands of `make run`, which set KVARTIRABAR_DEV_SECRETS_ANNOUNCED.
if (
    _DEVELOPMENT_SECRETS
    and os.environ.get("RUN_MAIN") != "true"
    and not env.boolean("KVARTIRABAR_DEV_SECRETS_ANNOUNCED", False)
):
    warnings.warn(
        f"{' and '.join(_DEVELOPMENT_SECRETS)} not set: using development values "
        "(set them in production)",
        stacklevel=1,
    )

# Unset: any host in development, none in production (set it there).
ALLOWED_HOSTS = env.listing("ALLOWED_HOSTS") or (["*"] if DEBUG or TESTING else [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "corsheaders",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "auctions",
    "payments_click",
    "payments_payme",
    "gateway_medogram",
]

MIDDLEWARE = [
    # Probes first: answered over plain HTTP and for any Host (CONTRACT 11).
    "config.health.HealthMiddleware",
    # Times every provider callback, the fast path's included (/metrics).
    "config.metrics.CallbackMetrics",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.ProviderCallbackFastPath",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: DATABASE_URL, default a SQLite file in the project.
DATABASE_URL = env.text("DATABASE_URL").strip() or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several gunicorn workers share the file: WAL lets readers run beside the writer,
    # IMMEDIATE takes the write lock at BEGIN (no upgrade deadlocks) and the busy timeout
    # makes concurrent writers queue instead of failing with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # CONTRACT 8: DATABASE_URL may point at PgBouncer in transaction pooling mode, where a
    # server-side cursor (QuerySet.iterator() outside a transaction) would outlive the
    # server connection it was opened on. Django then fetches such results client-side.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "auctions.User"

# Django's standard validators for the API's register and the site's signup (CONTRACT 2).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# 10 failed logins for one username within 15 minutes block it (auctions/login_limit.py).
AUTHENTICATION_BACKENDS = ["auctions.login_limit.LoginLimitBackend"]

if TESTING:
    # Hashing speed is not under test; PBKDF2 would dominate the suite's time.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "en"
LANGUAGES = [("uz", "O'zbekcha"), ("ru", "Русский"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tashkent"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.text("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedStaticFilesStorage"
        )
    },
}
# Served by whitenoise from the app folders, so no collectstatic step is needed (CONTRACT 8).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGIN_URL = "site:login"
LOGIN_REDIRECT_URL = "site:home"
LOGOUT_REDIRECT_URL = "site:home"

CORS_ALLOWED_ORIGINS = env.listing("CORS_ALLOWED_ORIGINS")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "auctions.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "EXCEPTION_HANDLER": "config.exceptions.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Lists stay plain JSON arrays (CONTRACT 2); ?limit=&offset= pages them when asked.
    "DEFAULT_PAGINATION_CLASS": "config.pagination.OptionalLimitOffsetPagination",
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.text("API_THROTTLE_ANON") or None,
        "user": env.text("API_THROTTLE_USER") or None,
    },
}
if env.text("API_THROTTLE_ANON") or env.text("API_THROTTLE_USER"):
    REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ]

SPECTACULAR_SETTINGS = {
    "TITLE": "kvartirabar seller API",
    "DESCRIPTION": (
        "Listings, auctions, bids and listing-fee payments for sellers and bidders. "
        "Authenticate with `Authorization: Token <key>` from `POST /api/auth/token/`. "
        "The project's docs/api.md describes every call in words."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Site and auctions.
SITE_URL = env.text("SITE_URL").strip().rstrip("/")
AUCTION_LISTING_FEE = env.decimal("AUCTION_LISTING_FEE", "50000")
AUCTION_MIN_DURATION = env.integer("AUCTION_MIN_DURATION", 0)
AUCTION_SOFT_CLOSE_MINUTES = env.integer("AUCTION_SOFT_CLOSE_MINUTES", 5)
# A bid may be at most this many times the minimum bid (CONTRACT 2): a typo of three extra
# zeros cannot take an auction out of everyone's reach.
AUCTION_MAX_BID_FACTOR = env.integer("AUCTION_MAX_BID_FACTOR", 10)
PAYMENT_PENDING_TTL = env.integer("PAYMENT_PENDING_TTL", 86400)
# The longest a callback's transaction waits for a row lock before it gives up with the
# provider's retryable error (Click -7, Payme -32400), in seconds.
CALLBACK_LOCK_TIMEOUT = env.decimal("CALLBACK_LOCK_TIMEOUT", "5")
# An auction asking a bidder deposit must end within this many days of its creation: card
# holds do not last (UZCARD cancels one after 30 days, CONTRACT 9).
AUCTION_DEPOSIT_MAX_DAYS = env.integer("AUCTION_DEPOSIT_MAX_DAYS", 25)
SITE_MAX_PHOTO_BYTES = env.integer("SITE_MAX_PHOTO_BYTES", 5 * 1024 * 1024)
# The website's auction form refuses a starting price below this (sum): "650" for 650 million.
SITE_MIN_STARTING_PRICE = env.decimal("SITE_MIN_STARTING_PRICE", "10000000")

# Click SHOP-API.
CLICK_SERVICE_ID = env.text("CLICK_SERVICE_ID")
CLICK_MERCHANT_ID = env.text("CLICK_MERCHANT_ID")
# Where pay_url leads: Click's payment page, or the local sandbox (CONTRACT 10).
CLICK_PAY_URL = env.text("CLICK_PAY_URL").strip() or "https://my.click.uz/services/pay"
CLICK_MERCHANT_USER_ID = env.text("CLICK_MERCHANT_USER_ID")
CLICK_SECRET_KEY = env.text("CLICK_SECRET_KEY")
# Click's Merchant API (CONTRACT 11): reconcile and refunds ask Click there.
CLICK_MERCHANT_API_URL = (
    env.text("CLICK_MERCHANT_API_URL", "https://api.click.uz/v2/merchant").strip().rstrip("/")
)
CLICK_MERCHANT_API_CONNECT_TIMEOUT = env.integer("CLICK_MERCHANT_API_CONNECT_TIMEOUT", 5)
CLICK_MERCHANT_API_READ_TIMEOUT = max(env.integer("CLICK_MERCHANT_API_READ_TIMEOUT", 15), 1)

# Payme Merchant API.
PAYME_MERCHANT_ID = env.text("PAYME_MERCHANT_ID")
PAYME_KEY = env.text("PAYME_KEY")
PAYME_TEST_MODE = env.boolean("PAYME_TEST_MODE", False)
# Where pay_url leads (CONTRACT 10); empty: https://checkout.paycom.uz, or
# https://test.paycom.uz with PAYME_TEST_MODE (resolved when the link is made).
PAYME_CHECKOUT_URL = env.text("PAYME_CHECKOUT_URL").strip().rstrip("/")
PAYME_ACCOUNT_FIELD = env.text("PAYME_ACCOUNT_FIELD", "order_id").strip() or "order_id"
PAYME_FISCAL_IKPU = env.text("PAYME_FISCAL_IKPU").strip()
PAYME_FISCAL_PACKAGE_CODE = env.text("PAYME_FISCAL_PACKAGE_CODE").strip()
PAYME_FISCAL_VAT_PERCENT = env.integer("PAYME_FISCAL_VAT_PERCENT", 12)
# Optional allow-list of Payme's addresses (off unless set), never instead of the key.
PAYME_ALLOWED_IPS = env.listing("PAYME_ALLOWED_IPS")
# Payme Subscribe API (saved cards, card payments, deposits held on cards; CONTRACT 9).
PAYME_SUBSCRIBE_URL = (
    env.text("PAYME_SUBSCRIBE_URL").strip()
    or (
        "https://checkout.test.paycom.uz/api"
        if PAYME_TEST_MODE
        else "https://checkout.paycom.uz/api"
    )
).rstrip("/")
PAYME_SUBSCRIBE_CONNECT_TIMEOUT = env.integer("PAYME_SUBSCRIBE_CONNECT_TIMEOUT", 5)
PAYME_SUBSCRIBE_READ_TIMEOUT = max(env.integer("PAYME_SUBSCRIBE_READ_TIMEOUT", 15), 10)

# Medogram redirect gateway.
MEDOGRAM_URL = env.text("MEDOGRAM_URL", "https://api.medogram.ir").strip().rstrip("/")
MEDOGRAM_API_KEY = env.text("MEDOGRAM_API_KEY")
MEDOGRAM_REDIRECT_URL = env.text("MEDOGRAM_REDIRECT_URL").strip()
MEDOGRAM_FEE_RIAL = env.decimal("MEDOGRAM_FEE_RIAL", "500000")
MEDOGRAM_USER_SOURCE = env.text("MEDOGRAM_USER_SOURCE", "kvartirabar")
MEDOGRAM_CONNECT_TIMEOUT = env.integer("MEDOGRAM_CONNECT_TIMEOUT", 5)
MEDOGRAM_READ_TIMEOUT = max(env.integer("MEDOGRAM_READ_TIMEOUT", 15), 10)
# A Medogram payment left processing with no trans_id (the payer never came back from the
# gateway) is cancelled by reconcile after this many seconds (CONTRACT 11).
MEDOGRAM_PROCESSING_TTL = env.integer("MEDOGRAM_PROCESSING_TTL", 86400)

# Operations (CONTRACT 11): reconcile, metrics.
# An open payment both sides agree is still in flight is reported only after this long.
RECONCILE_GRACE_SECONDS = env.integer("RECONCILE_GRACE_SECONDS", 3600)
# GET /metrics needs "Authorization: Bearer <METRICS_TOKEN>"; empty: /metrics answers 404.
METRICS_TOKEN = env.text("METRICS_TOKEN").strip()

# Celery: background jobs are optional; enqueueing never blocks a request (CONTRACT 8).
CELERY_BROKER_URL = env.text("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = None
# Tests run tasks in-process unless a test starts a real worker.
CELERY_TASK_ALWAYS_EAGER = env.boolean("CELERY_TASK_ALWAYS_EAGER", TESTING)
CELERY_TASK_IGNORE_RESULT = True
# Beat and the worker fail fast on a broker that is down (requests never publish: see the
# notification outbox).
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 2}
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "advance-auctions": {"task": "auctions.tasks.advance_auctions", "schedule": 15.0},
    "expire-stale-payments": {"task": "auctions.tasks.expire_stale_payments", "schedule": 300.0},
    "deliver-notifications": {"task": "auctions.tasks.deliver_notifications", "schedule": 10.0},
    "reconcile": {"task": "auctions.tasks.reconcile", "schedule": 600.0},
}

EMAIL_BACKEND = env.text("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.text("DEFAULT_FROM_EMAIL", "kvartirabar <noreply@kvartirabar.uz>")

# Logging: the `payments` logger writes one line per callback (to PAYMENT_LOG_FILE when set).
PAYMENT_LOG_FILE = env.text("PAYMENT_LOG_FILE").strip()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "payments_file": (
            {
                "class": "logging.handlers.WatchedFileHandler",
                "filename": PAYMENT_LOG_FILE,
                "formatter": "plain",
            }
            if PAYMENT_LOG_FILE
            else {"class": "logging.NullHandler"}
        ),
    },
    "root": {"handlers": ["console"], "level": env.text("LOG_LEVEL", "INFO")},
    "loggers": {
        "payments": {"handlers": ["console", "payments_file"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "INFO"},
        # runserver prints its own "Watching for file changes" line; once is enough.
        "django.utils.autoreload": {"level": "WARNING"},
    },
}

# Content-Security-Policy on every page (CONTRACT 6; django-csp): only the site's own
# scripts, styles, images and fonts, no inline script (the Swagger UI loads its init
# script from its own URL); inline styles are allowed. A view that needs one more origin
# extends it with csp.decorators.csp_update, e.g. connect-src for a provider's API.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Production hardening: HTTPS behind a TLS proxy (CONTRACT 6).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.boolean("SECURE_SSL_REDIRECT", not TESTING)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.integer("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
CSRF_TRUSTED_ORIGINS = env.listing("CSRF_TRUSTED_ORIGINS")
