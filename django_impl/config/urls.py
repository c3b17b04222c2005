"""Root URLconf: Django's admin at /admin/, the items app at the site root, the error handlers."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("items.urls")),
]

# Django: error pages come from these handlers (Flask: app.errorhandler in items/errors.py).
handler400 = "items.errors.bad_request"
handler404 = "items.errors.page_not_found"
handler500 = "items.errors.server_error"
