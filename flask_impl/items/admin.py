"""The admin: Flask-Admin at /admin/, with the items at /admin/items/item/, for admins only."""

import re

from flask import flash, redirect, request
from flask_admin import Admin, expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.model.template import EditRowAction, LinkRowAction
from flask_admin.theme import Bootstrap4Theme

from .auth import AdminHomeView, AdminOnly
from .converters import ITEM_ID_MAX, ItemIdConverter
from .errors import ApiError
from .forms import ItemForm
from .models import Item, as_utc, db
from .views import save_item

SITE_NAME = "Flask ⇄ Django Twins"


def format_updated(view, context, item, name):
    """The list's Updated cell, in UTC and to the minute, as Django's admin shows it."""
    # Flask-Admin prints str(datetime); Django's DATETIME_FORMAT has no strftime codes.
    value = as_utc(item.updated_at)
    return f"{value:%b} {value.day}, {value.year}, {value.hour % 12 or 12}:{value:%M %p}"


class ItemAdmin(AdminOnly, ModelView):
    """List, search, create, edit and delete items (Django: ItemAdmin, a ModelAdmin)."""

    column_list = ["name", "quantity", "updated_at"]
    column_labels = {"updated_at": "Updated"}
    column_formatters = {"updated_at": format_updated}
    column_searchable_list = ["name"]
    column_default_sort = "name"
    # Django's list_per_page.
    page_size = 100
    # The form is ItemForm, the rules the API runs too (Django: a ModelForm of Item).
    form = ItemForm
    create_template = "admin/items/item/create.html"
    edit_template = "admin/items/item/edit.html"
    # Deleting goes through the confirmation page only, so no bulk delete with a JS confirm.
    action_disallowed_list = ["delete"]

    def get_list_row_actions(self):
        """Edit, and a link to the delete confirmation page (Flask-Admin's own: a JS confirm)."""
        return [EditRowAction(), LinkRowAction("fa fa-trash", "delete/?id={row_id}", "Delete")]

    def get_list(self, page, sort_column, sort_desc, search, filters, *args, **kwargs):
        """The list; a search with a NUL (PostgreSQL cannot compare it) is refused, as in Django."""
        if search and "\x00" in search:
            flash("NUL characters are not allowed.", "error")
            search = None
        return super().get_list(page, sort_column, sort_desc, search, filters, *args, **kwargs)

    def get_one(self, id):
        """The item with the id in ?id=, or None; a POST (save or delete) locks its row."""
        if not re.fullmatch(ItemIdConverter.regex, id) or int(id) > ITEM_ID_MAX:
            # Not an id the API's paths accept: Flask-Admin says "Record does not exist".
            return None
        return db.session.get(Item, int(id), with_for_update=request.method == "POST")

    def create_form(self, obj=None):
        """The add form, showing the model's defaults, as Django's does."""
        return super().create_form(obj or Item(**Item.defaults()))

    def create_model(self, form):
        """Store a new item; a duplicate name is an error on the form."""
        item = Item()
        form.populate_obj(item)
        return item if self.save(form, item) else False

    def update_model(self, form, item):
        """Store the changes; the ORM leaves updated_at alone if no value changed."""
        form.populate_obj(item)
        return self.save(form, item)

    def save(self, form, item):
        """Save the item, or put the duplicate name on the form (Django: validate_unique())."""
        try:
            save_item(item)
        except ApiError as error:
            form.name.errors.extend(error.fields["name"])
            return False
        return True

    @expose("/delete/", methods=("GET", "POST"))
    def delete_view(self):
        """GET: a page that asks to confirm, as Django's; POST: Flask-Admin's delete."""
        if request.method == "POST":
            return super().delete_view()
        list_url = self.get_url(".index_view")
        item = self.get_one(request.args.get("id", ""))
        if item is None:
            flash("Record does not exist.", "error")
            return redirect(list_url)
        return self.render("admin/delete_confirmation.html", item=item, list_url=list_url)


def init_app(app):
    """The admin site, its login on the index view (Django: the admin app, admin.site.urls)."""
    theme = Bootstrap4Theme(base_template="admin/base_site.html")
    admin = Admin(app, name=SITE_NAME, index_view=AdminHomeView(), theme=theme)
    admin.add_view(ItemAdmin(Item, db, name="Items", endpoint="item", url="/admin/items/item"))
