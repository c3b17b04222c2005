"""The admin: Django's built-in site at /admin/, with the items at /admin/items/item/."""

import contextlib
import ipaddress

from django.conf import settings
from django.contrib import admin
from django.db import IntegrityError
from django.shortcuts import render

from items.models import Item

SITE_NAME = "Flask ⇄ Django Twins"
LOCKED_OUT = "Too many failed logins for this username from your address. Try again in 15 minutes."

# Django: the site, its login and logout views and the access rule (is_active and is_staff) come
# with django.contrib.admin; only the titles are ours (Flask: Admin(name=...) and its views).
admin.site.site_header = SITE_NAME
admin.site.site_title = SITE_NAME
admin.site.index_title = "Administration"


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    """List, search, create, edit and delete items (Flask: ItemAdmin, a ModelView)."""

    list_display = ("name", "quantity", "updated")
    search_fields = ("name",)
    ordering = ("name",)
    # The form is a ModelForm of Item: its field validators and the unique check are the rules,
    # the same ones the API runs (Flask: the form is built on ItemForm).
    fields = ("name", "description", "quantity")

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """The add and change forms; a name taken at the same instant is a form error, not a 500.

        The ModelForm checks the name with a query before it saves. On PostgreSQL two saves of one
        new name can both pass that check; the unique index then refuses the second, whose
        transaction (the view's atomic block) is rolled back. Sent once more, the form finds the
        name taken and says so. On SQLite the view's BEGIN IMMEDIATE serialises the two saves.
        Flask: ItemAdmin.save() turns the unique index's refusal into the form error itself.
        """
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except IntegrityError:
            return super().changeform_view(request, object_id, form_url, extra_context)

    @admin.display(description="Updated", ordering="updated_at")
    def updated(self, item):
        """The updated_at column, headed "Updated"."""
        return item.updated_at


def client_ip(request):
    """The address a login comes from, for django-axes (settings.AXES_CLIENT_IP_CALLABLE).

    REMOTE_ADDR; with HTTPS=1 the last address in X-Forwarded-For, the one the proxy appended
    (the ones before it are whatever the client sent). Flask: werkzeug's ProxyFix(x_for=1), which
    takes the same one. Something that is not an address counts as REMOTE_ADDR: axes stores it in
    an inet column on PostgreSQL (Flask stores any text).
    """
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
    if settings.HTTPS and forwarded:
        with contextlib.suppress(ValueError):
            return str(ipaddress.ip_address(forwarded))
    return request.META.get("REMOTE_ADDR")


def locked_out(request, response, credentials):
    """The answer to a locked-out login: items/error.html with 429 (settings.AXES_LOCKOUT_CALLABLE).

    Flask: AdminHomeView.login_view renders the same page.
    """
    context = {"status": 429, "message": LOCKED_OUT}
    return render(request, "items/error.html", context, status=429)
