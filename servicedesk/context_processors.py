from django.conf import settings
from django.urls import translate_url
from django.utils import translation


def language_links(request):
    """Links to this same page in each language (the language lives in the URL).

    Lazy: the template calls it only when it shows them. htmx fragments (a desk save's
    answer) never do, and translating the URL was ~3 % of a save.
    """

    def links():
        current = translation.get_language()
        path = request.get_full_path()
        return [
            {
                "code": code,
                "name": name,
                "url": translate_url(path, code),
                "current": code == current,
            }
            for code, name in settings.LANGUAGES
        ]

    return {"language_links": links}
