"""Settings, all read from the environment (and an optional .env file) with django-environ.

Every variable, its default and its meaning is listed in the README.
"""

import os
import tempfile
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from kombu import Queue

from marketplace import storage_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# No default key outside DEBUG: a production deploy must set its own.
SECRET_KEY = (
    env.str("SECRET_KEY") if not DEBUG else env.str("SECRET_KEY", default="dev-insecure-key-do-not-use-in-production")
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "marketplace",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_countries",
    "shop",
    "fulfillment",
    "creators",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "marketplace.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads the request: NUL characters and over-deep JSON are refused here, once.
    "marketplace.request_guard.RequestGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "marketplace.urls"
WSGI_APPLICATION = "marketplace.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shop.context_processors.cart",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (server, worker) share the file: wait for locks instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            # Readers never wait for the writer; commits sync at checkpoints only.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # Tests get a file too, never the shared in-memory database: the live server's threads then hold
    # connections of their own and wait for locks, as they do on PostgreSQL, instead of sharing one.
    DATABASES["default"].setdefault("TEST", {}).setdefault(
        "NAME", str(Path(tempfile.gettempdir()) / f"marketplace-test-{os.getpid()}.sqlite3")
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Statements run through `marketplace.db.planned_cursor` are prepared after this many runs on a connection
    # (Django's own cursors bind on the client and are never prepared). 0 turns it off (a transaction-pooling
    # PgBouncer without prepared-statement support).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "prepare_threshold", env.int("DB_PREPARE_THRESHOLD", default=5) or None
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

AUTH_USER_MODEL = "marketplace.User"
# Django's model backend, whose user also knows whether they sell (the header's link, without a query).
AUTHENTICATION_BACKENDS = ["shop.auth.ShopUserBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Media: on disk by default; on S3-compatible object storage when MEDIA_STORAGE_URL (or the AWS_* variables
# below) names a bucket (marketplace/storage_config.py). Private files are handed out as signed URLs that
# expire after PRIVATE_MEDIA_URL_SECONDS, and only after the app's permission check.
PRIVATE_MEDIA_URL_SECONDS = env.int("PRIVATE_MEDIA_URL_SECONDS", default=300)
_media_storage_url = env.str("MEDIA_STORAGE_URL", default="")
if not _media_storage_url and env.str("AWS_STORAGE_BUCKET_NAME", default=""):
    _media_storage_url = "s3://{}?endpoint_url={}&region={}".format(
        env.str("AWS_STORAGE_BUCKET_NAME"), env.str("AWS_S3_ENDPOINT_URL", default=""),
        env.str("AWS_S3_REGION_NAME", default=""),
    )  # fmt: skip
MEDIA_S3 = (
    storage_config.s3_options_from_url(
        _media_storage_url, custom_domain=env.str("MEDIA_CDN_DOMAIN", default="") or None
    )
    if _media_storage_url
    else None
)
if MEDIA_S3 is not None and MEDIA_S3.access_key is None and env.str("AWS_ACCESS_KEY_ID", default=""):
    MEDIA_S3 = storage_config.S3Options(
        **{
            **MEDIA_S3.__dict__,
            "access_key": env.str("AWS_ACCESS_KEY_ID"),
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY"),
        }
    )
MEDIA_ORIGIN = MEDIA_S3.origin if MEDIA_S3 is not None else ""
STORAGES = {
    **(
        storage_config.s3_storages(MEDIA_S3, private_url_seconds=PRIVATE_MEDIA_URL_SECONDS)
        if MEDIA_S3 is not None
        else storage_config.local_storages()
    ),
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploads above this size are refused before they reach the image checks.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
IMAGE_UPLOAD_MAX_BYTES = env.int("IMAGE_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
IMAGE_MAX_PIXELS = env.int("IMAGE_MAX_PIXELS", default=40_000_000)
IMAGE_RENDITION_WIDTHS = (320, 640, 1280)
# JSON bodies nested deeper than this are refused (400) before any view parses them.
REQUEST_JSON_MAX_DEPTH = env.int("REQUEST_JSON_MAX_DEPTH", default=32)

EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Marketplace <no-reply@marketplace.local>")

# Security headers. HTTPS-only settings follow SECURE_SSL_REDIRECT so local http serving works.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Sessions are read from the cache (Redis where configured) and written through to the database: a signed-in
# shopper's request costs no query to find their session; made and saved in one statement (marketplace/sessions.py).
SESSION_ENGINE = "marketplace.sessions"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SESSION_COOKIE_SECURE = SECURE_SSL_REDIRECT
CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# With object storage, pictures and videos come from the bucket (or its CDN) and studio uploads go to it.
_MEDIA_SOURCES = " ".join(
    dict.fromkeys(
        source
        for source in (MEDIA_ORIGIN, f"https://{MEDIA_S3.custom_domain}" if MEDIA_S3 and MEDIA_S3.custom_domain else "")
        if source
    )
)
_MEDIA_SOURCES = f" {_MEDIA_SOURCES}" if _MEDIA_SOURCES else ""
CONTENT_SECURITY_POLICY = (
    f"default-src 'self'; img-src 'self' data:{_MEDIA_SOURCES}; media-src 'self'{_MEDIA_SOURCES}; "
    f"connect-src 'self'{_MEDIA_SOURCES}; style-src 'self'; script-src 'self'; "
    # form-action: the checkout form's redirect goes on to Stripe's hosted payment page.
    "object-src 'none'; base-uri 'self'; form-action 'self' https://checkout.stripe.com; frame-ancestors 'none'"
)

# /healthz answers within this many seconds whatever hangs (each check: database, cache, broker).
HEALTHZ_TIMEOUT_SECONDS = env.float("HEALTHZ_TIMEOUT_SECONDS", default=1.0)

# /bench/trivial, the benchmark's baseline view: served only under DEBUG or when bench/run.py asks for it.
BENCH_TRIVIAL_VIEW = env.bool("BENCH_TRIVIAL_VIEW", default=DEBUG)

# Public pages are shared from the cache for this long with visitors who have no session (0: off).
PUBLIC_PAGE_CACHE_SECONDS = env.int("PUBLIC_PAGE_CACHE_SECONDS", default=30)
# The non-personal parts of pages (product bodies, feed posts) are shared from the cache for at most this
# long; their keys change with the rows they show, so this only bounds what a key cannot see (0: off).
FRAGMENT_CACHE_SECONDS = env.int("FRAGMENT_CACHE_SECONDS", default=600)
# Each process keeps its own copy of the fragments it read for at most this long (0: off), which saves the
# cache's round trip on a busy page; it adds at most this to the bound above.
FRAGMENT_LOCAL_SECONDS = env.int("FRAGMENT_LOCAL_SECONDS", default=10)

# The country our domestic shipping rates apply to.
SHOP_HOME_COUNTRY = env.str("SHOP_HOME_COUNTRY", default="US")
# The exporter on customs declarations when an order's lines come from several sellers (or the seller has
# no customs profile): the marketplace itself, as the deemed supplier with its EORI and IOSS numbers.
MARKETPLACE_EXPORTER = {
    "name": env.str("MARKETPLACE_EXPORTER_NAME", default="Marketplace Fulfillment Inc."),
    "line1": env.str("MARKETPLACE_EXPORTER_LINE1", default="100 Harbor Blvd"),
    "line2": env.str("MARKETPLACE_EXPORTER_LINE2", default=""),
    "city": env.str("MARKETPLACE_EXPORTER_CITY", default="Newark"),
    "region": env.str("MARKETPLACE_EXPORTER_REGION", default="NJ"),
    "postal_code": env.str("MARKETPLACE_EXPORTER_POSTAL_CODE", default="07114"),
    "country": env.str("MARKETPLACE_EXPORTER_COUNTRY", default="US"),
    "eori": env.str("MARKETPLACE_EXPORTER_EORI", default="NL123456789"),
    "vat_number": env.str("MARKETPLACE_EXPORTER_VAT_NUMBER", default=""),
    "ioss_number": env.str("MARKETPLACE_EXPORTER_IOSS_NUMBER", default="IM5280000000"),
}
# How long stock stays reserved while a shopper pays (Stripe Checkout needs at least 30 minutes of
# session life; the session's expiry is set to the later of the two and the reservation re-checked).
RESERVATION_MINUTES = env.int("RESERVATION_MINUTES", default=15)

# Stripe. Without STRIPE_SECRET_KEY the local stand-in (shop/payments/local_stripe) plays Stripe:
# state in our database, a hosted test payment page, signed webhooks. A live key never uses it.
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="whsec_local_stand_in_secret")
STRIPE_USE_LOCAL = env.bool("STRIPE_USE_LOCAL", default=not STRIPE_SECRET_KEY)
# Where the stand-in delivers its webhook events (our own endpoint, over HTTP).
STRIPE_LOCAL_WEBHOOK_URL = env.str("STRIPE_LOCAL_WEBHOOK_URL", default=f"{SITE_URL}/stripe/webhook/")

# Log-in and token endpoints (marketplace/login_throttle.py), failures counted within the window:
# per account from one address, then that address may not try that account (the owner elsewhere can);
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=900)
# per address over all accounts (spraying), then that address may not log in: high, for offices behind one address;
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=100)
# per account from all addresses, then only clients that logged into it within LOGIN_KNOWN_CLIENT_DAYS may try.
LOGIN_ACCOUNT_FAILURE_LIMIT = env.int("LOGIN_ACCOUNT_FAILURE_LIMIT", default=50)
LOGIN_KNOWN_CLIENT_DAYS = env.int("LOGIN_KNOWN_CLIENT_DAYS", default=30)
# Proxies in front of the app that append to X-Forwarded-For (0: use the connection's address).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 24,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "marketplace.api_errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Marketplace API",
    "DESCRIPTION": "Public catalog, seller and (later) creator endpoints of the marketplace.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from our own static files (no CDN: the CSP allows 'self' only).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One enum name wherever an endpoint shows these choices: every country field (origin, exporter's
    # country...), and returns' choices (the seller's and the shopper's returns).
    "ENUM_NAME_OVERRIDES": {
        "CountryEnum": "django_countries.countries",
        "ReturnStatusEnum": "shop.models.returns.ReturnRequest.Status",
        "ReturnReasonEnum": "shop.models.returns.ReturnRequest.Reason",
        "ReturnCostBearerEnum": "shop.models.returns.ReturnRequest.CostBearer",
        # The shopper's reasons are fewer than staff's (no "returned to sender"): a name of their own.
        "ShopperReturnReasonEnum": "shop.api.returns.SHOPPER_REASON_CHOICES",
        "RefundStatusEnum": "shop.models.payments.Refund.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "marketplace.api_schema.postprocess",
    ],
}

# Celery: unset broker means tasks run eagerly in-process.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
# A task is acknowledged only once done; a worker that dies hands it back to the queue.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 150
# Redis hands a task that was taken but never acknowledged (its worker died) to another worker
# after this long; it must exceed the longest task.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = [
    Queue(name) for name in ("default", "allocation", "labels", "returns", "media", "inbound", "consolidation")
]
CELERY_TASK_ROUTES = {
    "fulfillment.tasks.fulfillment_orders.allocate_backorders_task": {"queue": "allocation"},
    "fulfillment.tasks.labels.*": {"queue": "labels"},
    "fulfillment.tasks.receiving.*": {"queue": "inbound"},
    "fulfillment.tasks.consolidation.*": {"queue": "consolidation"},
    "shop.payments.tasks.*": {"queue": "default"},
    "shop.tasks.*": {"queue": "returns"},
    "shop.ledger.tasks.*": {"queue": "default"},
}
CELERY_BEAT_SCHEDULE = {
    # Sellers are paid for orders past delivery plus the return window (idempotent; a killed worker resends).
    "pay-sellers": {
        "task": "shop.ledger.tasks.pay_sellers",
        "schedule": crontab(minute=5, hour="*/6"),
        "options": {"queue": "default"},
    },
    # Yesterday's ledger against Stripe's balance transactions; a difference logs an error and emails staff.
    "reconcile-ledger": {
        "task": "shop.ledger.tasks.reconcile_yesterday",
        "schedule": crontab(minute=30, hour=2),
        "options": {"queue": "default"},
    },
    # Facts whose handlers were never enqueued (broker down) or never finished (worker killed).
    "outbox-redispatch": {
        "task": "marketplace.outbox.redispatch_events",
        "schedule": timedelta(minutes=1),
        "options": {"queue": "default", "expires": 55},
    },
    "reconcile-stock": {
        "task": "fulfillment.tasks.reconcile_stock",
        "schedule": crontab(minute=17),
        "options": {"queue": "default"},
    },
    # Stripe events no worker finished (lost task, crash) are queued again.
    "stripe-retry-unprocessed-events": {
        "task": "shop.payments.tasks.retry_unprocessed_events",
        "schedule": timedelta(minutes=1),
        "options": {"queue": "default", "expires": 55},
    },
    # Unpaid orders whose reservation ran out: sessions expired at Stripe, order cancelled, stock freed.
    "expire-stale-checkouts": {
        "task": "shop.payments.tasks.expire_stale_checkouts",
        "schedule": timedelta(minutes=1),
        "options": {"queue": "default", "expires": 55},
    },
    "stripe-retry-pending-refunds": {
        "task": "shop.payments.tasks.retry_pending_refunds",
        "schedule": timedelta(minutes=5),
        "options": {"queue": "default", "expires": 290},
    },
    # Allocated totals on stock rows recomputed from Allocation rows; mismatches reported.
    "reconcile-allocations": {
        "task": "fulfillment.tasks.fulfillment_orders.reconcile_allocations",
        "schedule": crontab(minute=47),
        "options": {"queue": "default"},
    },
    # Backorders are allocated when stock rises; this sweep catches a trigger that was lost.
    "allocate-backorders": {
        "task": "fulfillment.tasks.fulfillment_orders.allocate_backorders_task",
        "schedule": crontab(minute="*/15"),
        "options": {"queue": "allocation"},
    },
    # Packed shipments whose label purchase was lost or failed for good are tried again.
    "buy-missing-labels": {
        "task": "fulfillment.tasks.labels.buy_labels_for_packed_shipments",
        "schedule": timedelta(minutes=5),
        "options": {"queue": "labels", "expires": 290},
    },
    # Receipts staff asked to close that no worker finished (killed, message lost) are sent again.
    "inbound-resend-unfinished-closes": {
        "task": "fulfillment.tasks.receiving.resend_unfinished_closes",
        "schedule": timedelta(minutes=5),
        "options": {"queue": "inbound", "expires": 290},
    },
    # Consolidations whose cut-off has come are closed into masters (air waybill, manifest).
    "close-due-consolidations": {
        "task": "fulfillment.tasks.consolidation.close_due_consolidations",
        "schedule": timedelta(minutes=1),
        "options": {"queue": "consolidation", "expires": 55},
    },
    # The built-in carriers' simulated network moves shipments whose next step is due.
    "simulate-carriers": {
        "task": "fulfillment.tasks.tracking.advance_simulated_shipments",
        "schedule": timedelta(minutes=1),
        "options": {"queue": "default", "expires": 55},
    },
    # Commissions whose return window closed become payable.
    "release-payable-commissions": {
        "task": "creators.tasks.commissions.release_payable_commissions",
        "schedule": crontab(minute=5),
        "options": {"queue": "default"},
    },
    # Returns: a reminder for labels still unused, and the end of approved returns never sent.
    "returns-remind-unused-labels": {
        "task": "shop.tasks.remind_unused_return_labels",
        "schedule": crontab(minute=23),
        "options": {"queue": "returns"},
    },
    "returns-expire-unsent": {
        "task": "shop.tasks.expire_unsent_returns",
        "schedule": crontab(minute=53),
        "options": {"queue": "returns"},
    },
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# The outbox (marketplace/outbox.py): an event not dispatched at commit (broker down) is sent by the
# sweep after OUTBOX_DISPATCH_GRACE_SECONDS; one dispatched but not handled by every handler is sent
# again after OUTBOX_REDISPATCH_SECONDS (it must exceed the longest queue wait); after
# OUTBOX_MAX_ATTEMPTS failures it waits for staff (admin: "Dispatch again").
OUTBOX_DISPATCH_GRACE_SECONDS = env.int("OUTBOX_DISPATCH_GRACE_SECONDS", default=10)
OUTBOX_REDISPATCH_SECONDS = env.int("OUTBOX_REDISPATCH_SECONDS", default=900)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=50)

# Free returns (README "Returns"): the policy's knobs. Days from delivery to ask; days an approved
# return has to be sent before it expires, and after which an unused label is reminded; the value per
# currency up to which a return is approved without staff (a currency not listed always waits for
# staff); reasons that need photos and a look by staff; reasons whose cost the seller carries (the
# rest: the platform); reasons refunded at the carrier's first scan (the rest: after inspection);
# reasons that refund the shipping paid as well (the shop's fault).
RETURNS_WINDOW_DAYS = env.int("RETURNS_WINDOW_DAYS", default=30)
RETURNS_SHIP_BY_DAYS = env.int("RETURNS_SHIP_BY_DAYS", default=14)
RETURNS_REMINDER_DAYS = env.int("RETURNS_REMINDER_DAYS", default=5)
RETURNS_MAX_PHOTOS = 5
RETURNS_AUTO_APPROVE_MAX_VALUE = env.json(
    "RETURNS_AUTO_APPROVE_MAX_VALUE",
    default={"USD": "200", "EUR": "185", "GBP": "160", "CAD": "275", "AUD": "300", "JPY": "30000"},
)
RETURNS_REVIEW_REASONS = ["damaged", "not_as_described"]
RETURNS_PHOTO_REQUIRED_REASONS = ["damaged", "not_as_described"]
RETURNS_SELLER_PAYS_REASONS = ["changed_mind", "doesnt_fit", "not_as_described"]
RETURNS_REFUND_AT_FIRST_SCAN_REASONS = env.list("RETURNS_REFUND_AT_FIRST_SCAN_REASONS", default=["wrong_item"])
RETURNS_REFUND_SHIPPING_REASONS = ["damaged", "not_as_described", "wrong_item", "arrived_late", "returned_to_sender"]

# Ratings and reviews (README "Ratings and reviews"): days a buyer may still edit a review after writing it,
# photos per review, and the per-account limits against spam: reviews and reports in any rolling 24 hours.
REVIEW_EDIT_WINDOW_DAYS = env.int("REVIEW_EDIT_WINDOW_DAYS", default=30)
REVIEW_MAX_PHOTOS = env.int("REVIEW_MAX_PHOTOS", default=5)
REVIEW_MAX_TEXT_CHARS = env.int("REVIEW_MAX_TEXT_CHARS", default=2000)
# A review has photos or one short video, never both; the video is checked by content (marketplace/video.py).
REVIEW_VIDEO_MAX_SECONDS = env.int("REVIEW_VIDEO_MAX_SECONDS", default=60)
REVIEW_VIDEO_MAX_BYTES = env.int("REVIEW_VIDEO_MAX_BYTES", default=50 * 1024 * 1024)
REVIEWS_PER_ACCOUNT_PER_DAY = env.int("REVIEWS_PER_ACCOUNT_PER_DAY", default=10)
REVIEW_REPORTS_PER_ACCOUNT_PER_DAY = env.int("REVIEW_REPORTS_PER_ACCOUNT_PER_DAY", default=20)

# Carrier tracking webhooks (/carriers/webhook/<code>/): the HMAC secret per carrier code, as JSON,
# e.g. CARRIER_WEBHOOK_SECRETS='{"ups": "..."}'. Under DEBUG the built-in carriers get local secrets.
CARRIER_WEBHOOK_SECRETS = env.json("CARRIER_WEBHOOK_SECRETS", default={})
if DEBUG:
    for _code in ("domestic_ground", "domestic_express", "intl_postal", "intl_express"):
        CARRIER_WEBHOOK_SECRETS.setdefault(_code, f"carrier_local_{_code}_secret")
# The SIMULATED network of the built-in carriers: seconds between two scans of a shipment
# (fast under DEBUG so a demo order is delivered within minutes); a fixed seed replays the same routes.
CARRIER_SIMULATION_STEP_SECONDS = env.int("CARRIER_SIMULATION_STEP_SECONDS", default=45 if DEBUG else 4 * 3600)
CARRIER_SIMULATION_SEED = env.int("CARRIER_SIMULATION_SEED", default=None)
# A SIMULATED warehouse crew (the demo): the simulation picks and packs waiting orders as staff would.
FULFILLMENT_SIMULATE_WAREHOUSE = env.bool("FULFILLMENT_SIMULATE_WAREHOUSE", default=DEBUG)
# A SIMULATED line haul (the demo): closed masters are tendered, flown, cleared and split, one step at a time.
CONSOLIDATION_SIMULATE_LINEHAUL = env.bool("CONSOLIDATION_SIMULATE_LINEHAUL", default=DEBUG)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

SESSION_COOKIE_AGE = int(timedelta(days=30).total_seconds())

# Creators: a paid line goes to the last tag click on its product this many days before payment.
CREATOR_ATTRIBUTION_WINDOW_DAYS = env.int("CREATOR_ATTRIBUTION_WINDOW_DAYS", default=7)
# Commission stays pending until this many days after delivery (the return window), then payable.
CREATOR_RETURN_WINDOW_DAYS = env.int("CREATOR_RETURN_WINDOW_DAYS", default=30)
# Sellers are paid for an order once it was delivered this many days ago (the return window).
SELLER_HOLD_DAYS_AFTER_DELIVERY = env.int("SELLER_HOLD_DAYS_AFTER_DELIVERY", default=CREATOR_RETURN_WINDOW_DAYS)

# Creator video uploads: longest clip and largest file accepted (the size is enforced while uploading).
CREATOR_VIDEO_MAX_SECONDS = env.int("CREATOR_VIDEO_MAX_SECONDS", default=600)
CREATOR_VIDEO_MAX_BYTES = env.int("CREATOR_VIDEO_MAX_BYTES", default=500 * 1024 * 1024)
# ... and the largest frame: at most this many pixels on the longest side and in all (4K: 4096 x 2160).
CREATOR_VIDEO_MAX_SIDE = env.int("CREATOR_VIDEO_MAX_SIDE", default=4096)
CREATOR_VIDEO_MAX_PIXELS = env.int("CREATOR_VIDEO_MAX_PIXELS", default=4096 * 2160)
# Videos sent straight to object storage go in parts of this size (S3 needs at least 5 MiB but the last),
# each PUT to a URL signed for CREATOR_VIDEO_UPLOAD_URL_SECONDS; an interrupted upload resumes part by part.
CREATOR_VIDEO_UPLOAD_PART_BYTES = env.int("CREATOR_VIDEO_UPLOAD_PART_BYTES", default=16 * 1024 * 1024)
CREATOR_VIDEO_UPLOAD_URL_SECONDS = env.int("CREATOR_VIDEO_UPLOAD_URL_SECONDS", default=3600)
