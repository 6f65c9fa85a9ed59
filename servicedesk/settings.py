"""servicedesk settings: one file, every value from the environment.

Nothing set means a development machine: DEBUG on, SQLite in the project
folder. `.env.example` documents every variable.
"""

from datetime import timedelta
from ipaddress import ip_network
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")


def _from_env(name, parse, **kwargs):
    """Read one variable, stopping start-up with its name when the value is bad."""
    try:
        return parse(name, **kwargs)
    except ImproperlyConfigured:
        raise
    except Exception as error:
        raise ImproperlyConfigured(f"Environment variable {name} is invalid: {error}") from error


_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}


def _strict_bool(name, default):
    """Like env.bool, but "ture" or "maybe" is an error, not a silent False."""
    value = env.str(name, default=str(default)).strip().lower()
    if value not in _TRUE | _FALSE:
        raise ValueError(f"{value!r} is not one of true/false, yes/no, on/off, 1/0")
    return value in _TRUE


def _networks(name, default):
    """A comma-separated list of IP addresses or networks; a typo stops start-up."""
    values = [value.strip() for value in env.list(name, default=default) if value.strip()]
    for value in values:
        ip_network(value, strict=False)
    return values


def _prepare_threshold(name, default):
    """How often a connection runs a statement before psycopg prepares it: a whole number
    from 1, or "off" (never). psycopg's 0 would prepare every statement the first time,
    and a statement of several commands (Django's migrations send some) cannot be."""
    value = env.str(name, default=str(default)).strip().lower()
    if value == "off":
        return None
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{value!r} is neither a whole number from 1 nor off")
    return int(value)


DEBUG = _from_env("DEBUG", _strict_bool, default=False)

SECRET_KEY = _from_env(
    "SECRET_KEY",
    env.str,
    default="dev-only-insecure-key-do-not-use-in-production" if DEBUG else environ.Env.NOTSET,
)
if not DEBUG and (len(SECRET_KEY) < 50 or SECRET_KEY.startswith("dev-only")):
    raise ImproperlyConfigured(
        "Environment variable SECRET_KEY must be a random value of at least 50 characters "
        "when DEBUG is off."
    )

# Key for the HMAC of residents' ID numbers (docs/privacy.md). Apart from SECRET_KEY
# so that rotating one does not lose the other: changing it makes every stored ID
# number unfindable, so keep it as carefully as the database backups.
RESIDENT_ID_HMAC_KEY = _from_env(
    "RESIDENT_ID_HMAC_KEY",
    env.str,
    default="dev-only-resident-id-key-do-not-use-in-production" if DEBUG else environ.Env.NOTSET,
)
if not DEBUG and (
    len(RESIDENT_ID_HMAC_KEY) < 32
    or RESIDENT_ID_HMAC_KEY.startswith("dev-only")
    or RESIDENT_ID_HMAC_KEY == SECRET_KEY
):
    raise ImproperlyConfigured(
        "Environment variable RESIDENT_ID_HMAC_KEY must be a random value of at least 32 "
        "characters, different from SECRET_KEY, when DEBUG is off."
    )

ALLOWED_HOSTS = _from_env(
    "ALLOWED_HOSTS",
    env.list,
    default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else [],
)
CSRF_TRUSTED_ORIGINS = _from_env("CSRF_TRUSTED_ORIGINS", env.list, default=[])

INSTALLED_APPS = [
    "desks.core.admin_site.AdminConfig",  # django.contrib.admin, with our AdminSite
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "desks",
    "residents",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "servicedesk.middleware.RejectNulCharacters",
    # Answers kept public pages before sessions, CSRF, locale and the rest run.
    "desks.core.public_cache.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "residents.security.StaffSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # After HtmxMiddleware: an htmx request after the session ended goes to the login page.
    "servicedesk.middleware.HtmxLoginRedirect",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # In production WhiteNoise serves the collected, hashed static files; in
    # development runserver serves them straight from the source folders.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "servicedesk.urls"
WSGI_APPLICATION = "servicedesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "servicedesk.context_processors.language_links",
            ],
        },
    },
]

# Database: SQLite in the project unless DATABASE_URL says otherwise.
DATABASES = {
    "default": _from_env(
        "DATABASE_URL", env.db_url, default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    ),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    from servicedesk.database import check_connection

    # Django's built-in psycopg pool: each worker process keeps up to
    # DATABASE_POOL_MAX connections open instead of connecting per request.
    # `check` looks at each connection before lending it and replaces a dead one: after
    # PostgreSQL restarts, no request gets a connection it closed (servicedesk/database/).
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": _from_env("DATABASE_POOL_MIN", env.int, default=1),
        "max_size": _from_env("DATABASE_POOL_MAX", env.int, default=4),
        "timeout": 10,
        "check": check_connection,
    }
    # Parameters bound by the server, so that psycopg can prepare a statement a
    # connection has run DATABASE_PREPARE_THRESHOLD times: PostgreSQL then parses it no
    # more, and plans it no more once a generic plan is as good (~0.5 ms of a small query,
    # ~5 ms of the monthly report; benchmarks/RESULTS.md). psycopg keeps 100 a connection.
    # Behind PgBouncer in transaction mode: version 1.21 or later, max_prepared_statements.
    # Django's backend, answering a statement refused after a migration changed a column's
    # type by preparing it again (servicedesk/database/base.py).
    DATABASES["default"]["ENGINE"] = "servicedesk.database"
    DATABASES["default"]["OPTIONS"] |= {
        "server_side_binding": True,
        "prepare_threshold": _from_env("DATABASE_PREPARE_THRESHOLD", _prepare_threshold, default=5),
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        # WAL and IMMEDIATE transactions keep concurrent desk writes from failing
        # with "database is locked" on the embedded database.
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )
else:
    raise ImproperlyConfigured(
        "Environment variable DATABASE_URL must point at PostgreSQL or SQLite, "
        f"not {DATABASES['default']['ENGINE']}."
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Public pages are cached per process by default; CACHE_URL can point every app
# server at one shared cache (redis://…) or switch caching off (dummycache://).
CACHES = {"default": _from_env("CACHE_URL", env.cache_url, default="locmemcache://")}
# With a shared cache, sessions are read from it (one query less on every signed-in
# request) and written through to the database; see servicedesk/sessions.py.
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "servicedesk.cache.RedisCache"  # one client per server
    SESSION_ENGINE = "servicedesk.sessions"
# Parts of pages that are the same for everyone in a language (the `{% cache %}` tag:
# the desk's emptied search results after each save), kept by each process: they
# change only with a release, which restarts the processes. Not in development, where
# runserver reloads templates and translations without a restart.
CACHES["template_fragments"] = {
    "BACKEND": "django.core.cache.backends."
    + ("dummy.DummyCache" if DEBUG else "locmem.LocMemCache"),
    "LOCATION": "template_fragments",
}

AUTH_USER_MODEL = "desks.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "residents.security.LockoutBackend",
    # ModelBackend, reading the signed-in user faster: see its docstring.
    "desks.core.access.UserBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "desks:home"

# Mail, e.g. EMAIL_URL=smtp+tls://user:password@smtp.example.gov.cn:587. Without it staff
# cannot reset their own password by mail: the reset pages answer 404 and the login page
# says to ask the street office (desks.core.access.password_reset_by_mail).
EMAIL_URL = env.str("EMAIL_URL", default="")
# Only with it is MAILERS set: then `check --deploy` checks the mailer. Nothing else sends mail.
if EMAIL_URL:
    _mail = _from_env("EMAIL_URL", env.email_url)
    MAILERS = {
        "default": {
            "BACKEND": _mail["EMAIL_BACKEND"],
            "OPTIONS": {
                "host": _mail.get("EMAIL_HOST"),
                "port": _mail.get("EMAIL_PORT"),
                "username": _mail.get("EMAIL_HOST_USER"),
                "password": _mail.get("EMAIL_HOST_PASSWORD"),
                "use_tls": _mail.get("EMAIL_USE_TLS", False),
                "use_ssl": _mail.get("EMAIL_USE_SSL", False),
                "timeout": 10,
            },
        }
    }
    DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="servicedesk@localhost")
LOGOUT_REDIRECT_URL = "login"

# Language and time: Chinese first, English available; Beijing time throughout.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "servicedesk" / "locale"]
FORMAT_MODULE_PATH = ["servicedesk.formats"]
TIME_ZONE = _from_env("TIME_ZONE", env.str, default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Security. HTTPS settings default to on whenever DEBUG is off.
_https = _from_env("HTTPS", _strict_bool, default=not DEBUG)
SECURE_SSL_REDIRECT = _https
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
SECURE_HSTS_SECONDS = _from_env("SECURE_HSTS_SECONDS", env.int, default=31_536_000 if _https else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _https
SECURE_HSTS_PRELOAD = _from_env("SECURE_HSTS_PRELOAD", _strict_bool, default=_https)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https")
    if _from_env("BEHIND_PROXY", _strict_bool, default=False)
    else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# A form that expired (a failed vote, a desk left open overnight) gets a page for people.
CSRF_FAILURE_VIEW = "desks.views.errors.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
# Staff sessions end after 30 minutes idle and 12 hours in all
# (residents.security.StaffSessionMiddleware), and when the browser closes.
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_IDLE_SECONDS = 30 * 60
SESSION_MAX_SECONDS = 12 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Reverse proxies whose X-Forwarded-For names the client (desks.core.client): IPs or
# networks, comma-separated, e.g. "127.0.0.1" behind the nginx of docs/deploy.md. Empty:
# the peer is the client, and the header is ignored.
TRUSTED_PROXIES = _from_env("TRUSTED_PROXIES", _networks, default=[])

# Login lockout (django-axes): five failures for one username from one address
# lock it for 15 minutes; a successful login clears the count.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "residents/locked_out.html"
# The client behind the proxy, not the proxy: one client's failures lock only that client.
AXES_CLIENT_IP_CALLABLE = "desks.core.client.client_ip"

# A strict policy: our own scripts and styles only, no inline code, no eval.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Error logs and reports carry no residents' personal data (servicedesk/error_reports.py).
DEFAULT_EXCEPTION_REPORTER = "servicedesk.error_reports.PersonalDataReporter"
DEFAULT_EXCEPTION_REPORTER_FILTER = "servicedesk.error_reports.PersonalDataFilter"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"()": "servicedesk.error_reports.Formatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": _from_env("LOG_LEVEL", env.str, default="INFO")},
}

# The demo data (seed_demo) signs everyone in with this password.
DEMO_PASSWORD = "demo-2026"

# How long the rota planner searches one community's month (desks.rota.solver), in
# CP-SAT's deterministic time (about seconds); then it keeps the best plan found.
ROTA_SOLVER_SECONDS = _from_env("ROTA_SOLVER_SECONDS", env.float, default=2.0)
