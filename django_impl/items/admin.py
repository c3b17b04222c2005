"""The admin: Django's built-in site at /admin/, with the items at /admin/items/item/."""

from django.contrib import admin
from django.db import IntegrityError

from items.models import Item

SITE_NAME = "Flask ⇄ Django Twins"

# Django: the site, its login and logout views and the access rule (is_active and is_staff) come
# with django.contrib.admin; only the titles are ours (Flask: Admin(name=...) and its views).
admin.site.site_header = SITE_NAME
admin.site.site_title = SITE_NAME
admin.site.index_title = "Administration"


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    """List, search, create, edit and delete items (Flask: ItemAdmin, a ModelView).

    The form is a ModelForm of Item's editable fields: their validators and the unique check are
    the rules, the same ones the API runs (Flask: the form is ItemForm).
    """

    list_display = ["name", "quantity", "updated"]
    search_fields = ["name"]
    ordering = ["name"]

    @admin.display(description="Updated", ordering="updated_at")
    def updated(self, item):
        """The updated_at column, headed "Updated"."""
        return item.updated_at

    def save_model(self, request, obj, form, change):
        """Save a new item, or an edited one whose values changed, so auto_now moves only then.

        Flask: SQLAlchemy sends no UPDATE when no value changed.
        """
        if not change or form.has_changed():
            super().save_model(request, obj, form, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """The add and change forms; a name taken at the same instant is a form error, not a 500.

        On PostgreSQL two saves of one new name can both pass the form's unique check; the index
        then refuses the second, whose transaction is rolled back. Sent once more, the form finds
        the name taken. Flask: ItemAdmin.save() turns the index's refusal into the form error.
        """
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except IntegrityError:
            return super().changeform_view(request, object_id, form_url, extra_context)
