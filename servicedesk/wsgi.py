import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")

application = get_wsgi_application()

from django.conf import settings  # noqa: E402 (after Django is set up)

from desks.public_cache import PublicPageCache  # noqa: E402

# Public pages Django marked shareable are answered from memory for their max-age,
# before Django runs (desks/public_cache.py says why and what is never kept).
# CACHE_URL=dummycache:// switches this off along with Django's own cache.
if not settings.CACHES["default"]["BACKEND"].endswith("DummyCache"):
    application = PublicPageCache(application)
