"""Jingwu settings, configured from the environment.

JINGWU_MODE selects the defaults:
- ``demo`` (default): embedded SQLite under var/, a fixed development key, demo accounts shown on
  the login page. Never expose a demo instance beyond the loopback interface.
- ``production``: SECRET_KEY, DATABASE_URL and ALLOWED_HOSTS are required, cookies are secure.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
JINGWU_MODE = os.environ.get("JINGWU_MODE", "demo")
if JINGWU_MODE not in {"demo", "production"}:
    raise ImproperlyConfigured(f"JINGWU_MODE must be 'demo' or 'production', not {JINGWU_MODE!r}")
PRODUCTION = JINGWU_MODE == "production"
DEMO_MODE = not PRODUCTION


def _required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(
            f"{name} must be set when JINGWU_MODE=production (生产模式必须设置环境变量 {name})"
        )
    return value


def _flag(name: str, default: bool) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


if PRODUCTION:
    SECRET_KEY = _required("SECRET_KEY")
    DATABASES = {
        "default": dj_database_url.parse(_required("DATABASE_URL"), conn_max_age=60, conn_health_checks=True)
    }
    ALLOWED_HOSTS = [h.strip() for h in _required("ALLOWED_HOSTS").split(",") if h.strip()]
else:
    (BASE_DIR / "var" / "static").mkdir(parents=True, exist_ok=True)
    SECRET_KEY = os.environ.get("SECRET_KEY", "jingwu-demo-key-not-for-production-use-0123456789abcdef")
    DATABASES = {
        "default": dj_database_url.parse(
            os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'jingwu.sqlite3'}"),
            conn_max_age=60,
            conn_health_checks=True,
        )
    }
    ALLOWED_HOSTS = [
        h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    ]

DEBUG = _flag("DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production (生产模式不得开启 DEBUG)")

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )

# A read replica (只读副本) for dashboards and search; reads go there only where selectors opt in
# (jingwu/core/dbrouting.py). Under test it mirrors default's test database.
if os.environ.get("DATABASE_REPLICA_URL", "").strip():
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"].strip(), conn_max_age=60, conn_health_checks=True
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["jingwu.core.dbrouting.ReplicaRouter"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",  # Swagger UI for /api/docs from ninja's own static files, not a CDN
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "rules.apps.AutodiscoverRulesConfig",
    "jingwu.core",
    "jingwu.audit",
    "jingwu.access",
    "jingwu.org",
    "jingwu.geo",
    "jingwu.people",
    "jingwu.notifications",
    "jingwu.timeline",
    "jingwu.incidents",
    "jingwu.cases",
    "jingwu.mediation",
    "jingwu.custody",
    "jingwu.property",
    "jingwu.supervision",
    "jingwu.quality",
    "jingwu.stats",
    "jingwu.community",
    "jingwu.search",
    "jingwu.ecology",
    "jingwu.enterprises",
    "jingwu.personnel",
    "jingwu.ops",
    "jingwu.jobs",
    "jingwu.web",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "jingwu.web.middleware.LanguageMiddleware",
    "jingwu.web.middleware.RejectNulCharactersMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "jingwu.access.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "jingwu.audit.middleware.RequestContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jingwu.urls"
WSGI_APPLICATION = "jingwu.wsgi.application"
AUTH_USER_MODEL = "org.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jingwu.web.context_processors.navigation",
            ],
        },
    }
]

# Passwords: argon2 first (DESIGN §5); the others only verify hashes made elsewhere.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "jingwu.org.validators.CharacterClassValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Lockout (django-axes): 5 failures lock the account, and separately the address, for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "jingwu.web.views.locked_out"
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# Second factor (二次验证, django-otp TOTP + recovery codes) for the roles that approve, review, reveal
# personal data or administer (jingwu.access.second_factor): required in production, offered in demo
# mode (the demo accounts log in with the password only); JINGWU_OTP_ENFORCED=1 forces it anywhere.
JINGWU_OTP_ENFORCED = _flag("JINGWU_OTP_ENFORCED", default=PRODUCTION)
OTP_TOTP_ISSUER = "武平县公安局警务平台"
OTP_TOTP_THROTTLE_FACTOR = 1

# Sessions: idle sessions end after 30 minutes; every request renews the window.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = _flag("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = 31536000
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer probes over plain HTTP

# Everything is served from this origin: the intranet has no internet.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "jingwu" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background jobs (DESIGN §5): django.tasks on django-tasks-db, the queue in the same database, run by
# `manage.py jobs_worker` processes (jingwu/jobs). JINGWU_TASKS=immediate runs each job inside the
# enqueueing call instead (a test or a one-process demo without workers).
TASKS = {
    "default": {
        "BACKEND": (
            "django.tasks.backends.immediate.ImmediateBackend"
            if os.environ.get("JINGWU_TASKS") == "immediate"
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default"],
    }
}

# Legal documents, attachments and dossiers, stored by content hash (jingwu/cases/storage.py).
JINGWU_FILES_ROOT = Path(os.environ.get("JINGWU_FILES_ROOT", BASE_DIR / "var" / "files"))

# Personal data encrypted at rest (ID number, phone, address; jingwu/core/fieldcrypto.py, docs/security.md):
# AES-256-GCM keys and, separately, the blind-index (HMAC-SHA256) keys, each "id:<base64 32 bytes>,…", the
# first being the current one. Required in production; demo mode (and the tests) falls back to the fixed,
# public DEMO keys below, which protect nothing.
if PRODUCTION:
    JINGWU_DATA_KEYS = _required("JINGWU_DATA_KEYS")
    JINGWU_INDEX_KEYS = _required("JINGWU_INDEX_KEYS")
else:
    # base64 of b"jingwu-DEMO-data-key-NOT-SECRET!" and b"jingwu-DEMO-index-key-NOT-SECRET"
    _DEMO_DATA_KEY, _DEMO_INDEX_KEY = (
        "amluZ3d1LURFTU8tZGF0YS1rZXktTk9ULVNFQ1JFVCE=",
        "amluZ3d1LURFTU8taW5kZXgta2V5LU5PVC1TRUNSRVQ=",
    )
    JINGWU_DATA_KEYS = os.environ.get("JINGWU_DATA_KEYS") or f"demo:{_DEMO_DATA_KEY}"
    JINGWU_INDEX_KEYS = os.environ.get("JINGWU_INDEX_KEYS") or f"demo:{_DEMO_INDEX_KEY}"

API_TOKEN_LIFETIME = timedelta(hours=int(os.environ.get("API_TOKEN_HOURS", "8")))

# Notifications (jingwu/notifications): in-app always; e-mail/SMS through the outbox only for the channels
# listed here ("email,sms"; default none). `manage.py outbox_send` delivers: e-mail through Django's mail
# settings (MAILERS; SMTP at EMAIL_HOST:EMAIL_PORT, default localhost:25), SMS through the gateway command
# JINGWU_SMS_COMMAND ("{phone}" is replaced, the text comes on stdin; none by default: SMS stays queued).
JINGWU_NOTIFY_CHANNELS = tuple(
    c.strip() for c in os.environ.get("JINGWU_NOTIFY_CHANNELS", "").split(",") if c.strip()
)
JINGWU_SMS_COMMAND = os.environ.get("JINGWU_SMS_COMMAND", "")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "jingwu@localhost")
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": os.environ.get("EMAIL_HOST", "localhost"),
            "port": int(os.environ.get("EMAIL_PORT", "25")),
        },
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
