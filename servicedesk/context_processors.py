from django.conf import settings
from django.urls import translate_url
from django.utils import translation


def language_links(request):
    """Links to this same page in each language (the language lives in the URL)."""
    current = translation.get_language()
    path = request.get_full_path()
    return {
        "language_links": [
            {
                "code": code,
                "name": name,
                "url": translate_url(path, code),
                "current": code == current,
            }
            for code, name in settings.LANGUAGES
        ]
    }
