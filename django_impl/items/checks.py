"""A system check: no start, under the production server, without collectstatic's manifest."""

from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.checks import Error, register


@register
def static_files_collected(app_configs, **kwargs):
    """Django: the manifest storage (DEBUG=0) names every static file by its hash from this file;
    without it the home page and the admin would answer 500 while /healthz says 200."""
    if isinstance(staticfiles_storage, ManifestFilesMixin) and not staticfiles_storage.exists(
        staticfiles_storage.manifest_name
    ):
        return [
            Error(
                f"No {staticfiles_storage.manifest_name} in STATIC_ROOT "
                f"({staticfiles_storage.location}).",
                hint="Run manage.py collectstatic first (the image's build and make serve do).",
                id="items.E001",
            )
        ]
    return []
