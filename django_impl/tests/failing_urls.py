"""The project's URLs, and two views that fail unexpectedly: one under /api/, one outside."""

from django.urls import path

from config import urls

# Django reads the error handlers from the root URLconf, so this one names the project's.
handler400, handler404, handler500 = urls.handler400, urls.handler404, urls.handler500


def boom(request):
    """Fail as a bug would."""
    raise RuntimeError("secret detail")


urlpatterns = [path("api/boom", boom), path("boom", boom), *urls.urlpatterns]
