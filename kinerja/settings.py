"""Kinerja's one settings module: every option comes from an environment variable.

Defaults are those of a production install (DEBUG off, HTTPS enforced, secure cookies);
`make demo` and the test settings turn on what a laptop needs.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def envlist(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def envsecret(name: str) -> str | None:
    """A secret from NAME, or from the file named by NAME_FILE (Docker/systemd credentials)."""
    if os.environ.get(name):
        return os.environ[name]
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return None


DEBUG = envbool("DEBUG", False)
# Demo mode seeds the demo agencies with known passwords; a production install has none.
DEMO_MODE = envbool("KINERJA_DEMO", False)
DEMO_PASSWORD = os.environ.get("KINERJA_DEMO_PASSWORD", "kinerja-demo-2026")
# The address printed in the QR code of every signed document (its verification page).
KINERJA_SITE_URL = os.environ.get("KINERJA_SITE_URL", "http://127.0.0.1:8000")
# Opens the agency's PKCS#12 signing certificate; never stored in the database.
KINERJA_SIGNING_PASSPHRASE = os.environ.get("KINERJA_SIGNING_PASSPHRASE", "")
# Queue each completed step's documents for the task worker (`manage.py db_worker`); off only
# where a test walks pages that do not concern documents (rendering is the slow part).
KINERJA_ISSUE_DOCUMENTS = envbool("KINERJA_ISSUE_DOCUMENTS", True)
# The PDF signing backend: a dotted path to a kinerja.documents.signing.SigningBackend.
KINERJA_SIGNING_BACKEND = os.environ.get(
    "KINERJA_SIGNING_BACKEND", "kinerja.documents.signing.AgencyCertificateBackend")

SECRET_KEY = envsecret("SECRET_KEY")
if not SECRET_KEY:
    if DEBUG or DEMO_MODE:
        SECRET_KEY = "kinerja-insecure-development-key-not-for-production-use-0123456789"
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY (or SECRET_KEY_FILE) in the environment."
        )

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG or DEMO_MODE else [])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

DATA_DIR = Path(os.environ.get("KINERJA_DATA_DIR", BASE_DIR / "data"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "csp",
    "django_htmx",
    "template_partials",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "kinerja.core",
    "kinerja.accounts",
    "kinerja.organisation",
    "kinerja.sops",
    "kinerja.worktime",
    "kinerja.catalogue",
    "kinerja.collection",
    "kinerja.documents",
    "kinerja.api",
    "kinerja.demo",
    "kinerja.operations",
    "kinerja.portal",
    "kinerja.notifications",
    "kinerja.dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # No-store for signed-in people and the API, no Server banner (after WhiteNoise: static
    # files keep their long cache).
    "kinerja.core.headers.ResponseHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kinerja.accounts.middleware.UserLanguageMiddleware",
    # In the user's language, outside axes: 503 for a busy database; the API's error shape.
    "kinerja.core.middleware.ErrorAnswerMiddleware",
    "kinerja.organisation.middleware.ViewerMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so that a locked-out attempt is refused after everything else has run.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kinerja.urls"
WSGI_APPLICATION = "kinerja.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "kinerja" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "csp.context_processors.nonce",
                "kinerja.portal.context_processors.navigation",
                "kinerja.notifications.context_processors.unread",
            ],
        },
    }
]

# Database: an SQLite file in DATA_DIR unless DATABASE_URL says otherwise.
_default_sqlite = f"sqlite:///{DATA_DIR / 'kinerja.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or _default_sqlite,
        # Persistent connections: opening one per request is what PostgreSQL spent most of
        # its time on under load (bench/load/, docs/operations.md); health-checked before reuse.
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE: concurrent writers wait for the lock instead of failing mid-transaction.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The same 20 s as SQLite's timeout: a request that waits longer for a row lock gets
    # "try again" (503, core/middleware.py) instead of holding a worker until gunicorn kills it.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c lock_timeout={envint('DB_LOCK_TIMEOUT_MS', 20000)}")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Log-in throttling: five failures for one user name from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# Behind a reverse proxy REMOTE_ADDR is the proxy's: name the header it sets with the client's
# address (e.g. HTTP_X_FORWARDED_FOR), or every lock-out would be per user name only.
AXES_IPWARE_META_PRECEDENCE_ORDER = [*envlist("CLIENT_IP_HEADER", []), "REMOTE_ADDR"]

# Sessions: idle expiry (every request extends it) and at browser close.
SESSION_COOKIE_AGE = envint("SESSION_IDLE_MINUTES", 60) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Internationalisation: Indonesian first, English available; WITA.
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Indonesian")), ("en", _("English"))]
LANGUAGE_COOKIE_NAME = "kinerja_language"
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Makassar"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["kinerja.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"

# Security. The defaults assume HTTPS behind a proxy that sets X-Forwarded-Proto.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not (DEBUG or DEMO_MODE))
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG or DEMO_MODE else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# The preload directive only allows a submission to the browsers' list; nothing is submitted.
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", not (DEBUG or DEMO_MODE))
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", not (DEBUG or DEMO_MODE))
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", not (DEBUG or DEMO_MODE))
SESSION_COOKIE_HTTPONLY = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

NINJA_PAGINATION_PER_PAGE = 100

# Background work: a queue in the database (no broker), run by `manage.py db_worker` beside the
# web server. Documents are rendered and signed there, after the step's transaction commits.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("KINERJA_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# E-mail: reminders and escalations (kinerja/notifications). SMTP from the environment; the
# demo writes each message to a file under DATA_DIR/mail instead.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "kinerja@localhost")
if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = envint("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = envsecret("EMAIL_HOST_PASSWORD") or ""
    EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
    EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", False)
    EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 20)
elif DEMO_MODE:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "mail"
else:
    # No SMTP server configured: the messages are written to the log, never lost silently.
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "plain",
                           "stream": "ext://sys.stdout"}},
    "root": {"handlers": ["stdout"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"},
                # WeasyPrint logs every rendering step at INFO.
                "weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}
