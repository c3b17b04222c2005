"""Views: the home page, /api/data, /api/openapi.json, /healthz and the items JSON API."""

from pathlib import Path

import yaml
from django.db import IntegrityError, OperationalError, connection, transaction
from django.forms.models import model_to_dict
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from items.api import read_json_object, read_list_params, require_api_token, validate_item
from items.errors import ApiError
from items.models import Item

HOME_PAGE_SIZE = 20
# Django 5.2 has no built-in CSP support (Django 6.0 adds it), so the home view sets the header.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# The API's one description, shared by both twins and the contract suite; read once, at import.
OPENAPI_PATH = Path(__file__).resolve().parents[2] / "openapi.yaml"
OPENAPI = yaml.safe_load(OPENAPI_PATH.read_text(encoding="utf-8"))


# Django: clients authenticate with a bearer token; CSRF protects cookie sessions. No view here
# reads a cookie, and exempting them all lets a POST to a GET-only path get its 405, not a 403.
@method_decorator(csrf_exempt, name="dispatch")
class BaseView(View):
    """Base of every view: OPTIONS and 405 name the methods alphabetically, as Flask's do."""

    def allowed_methods(self):
        """The Allow header's value: the methods this view answers, in alphabetical order."""
        # Django's View lists them in http_method_names order and its 405 has no JSON envelope.
        return ", ".join(
            sorted(name.upper() for name in self.http_method_names if hasattr(self, name))
        )

    def options(self, request, *args, **kwargs):
        """OPTIONS: 200, empty body, Allow."""
        return HttpResponse(headers={"Allow": self.allowed_methods()})

    def http_method_not_allowed(self, request, *args, **kwargs):
        """405 with Allow: the error envelope under /api/, the HTML error page elsewhere."""
        raise ApiError(
            405,
            "method_not_allowed",
            f"Method {request.method} not allowed.",
            headers={"Allow": self.allowed_methods()},
        )


class HomeView(BaseView):
    """The HTML home page."""

    def get(self, request):
        """The newest 20 items, rendered from items/home.html."""
        newest = Item.objects.order_by("-created_at", "-id")[:HOME_PAGE_SIZE]
        response = render(request, "items/home.html", {"items": newest})
        response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response


class ApiDataView(BaseView):
    """A fixed JSON answer that names the framework."""

    def get(self, request):
        """The greeting, naming the framework."""
        return JsonResponse({"message": "Hello, this is some data!", "framework": "django"})


class OpenApiView(BaseView):
    """The API's description."""

    def get(self, request):
        """The repository's openapi.yaml as JSON."""
        return JsonResponse(OPENAPI)


class HealthzView(BaseView):
    """The health check for load balancers and the contract suite."""

    def get(self, request):
        """200 if `SELECT 1` succeeds, 503 if the database cannot be reached."""
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except OperationalError:
            return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
        return JsonResponse({"status": "ok", "database": "ok"})


def save_item(item):
    """Save the item; a duplicate name becomes a 409."""
    try:
        # Its own atomic block: a savepoint inside PUT's and PATCH's transaction, else a
        # transaction of its own (BEGIN IMMEDIATE on SQLite).
        with transaction.atomic():
            item.save()
    except IntegrityError:
        # The unique index decides: no check-then-insert window between two workers.
        message = "An item with this name already exists."
        raise ApiError(409, "conflict", message, {"name": [message]}) from None


class ItemListView(BaseView):
    """/api/items: the list and creation (View: a method per HTTP verb, as Flask's MethodView)."""

    def get(self, request):
        """A page of items, id ascending, filtered by q."""
        limit, offset, q = read_list_params(request)
        items = Item.objects.order_by("id")
        if q:
            # UPPER(name) LIKE UPPER(pattern) on PostgreSQL (SQLite's LIKE folds ASCII itself);
            # the Flask twin writes the same comparison out.
            items = items.filter(name__icontains=q)
        return JsonResponse(
            {
                "items": [item.to_dict() for item in items[offset : offset + limit]],
                "count": items.count(),
                "limit": limit,
                "offset": offset,
            }
        )

    @method_decorator(require_api_token)
    def post(self, request):
        """Create an item: 201 with Location."""
        item = validate_item(read_json_object(request), partial=False)
        save_item(item)
        location = reverse("items:item_detail", args=[item.id])
        return JsonResponse(item.to_dict(), status=201, headers={"Location": location})


class ItemDetailView(BaseView):
    """/api/items/<id>: read, replace, update, delete."""

    def get(self, request, item_id):
        """One item."""
        return JsonResponse(get_object_or_404(Item, id=item_id).to_dict())

    def options(self, request, item_id):
        """The methods of an item that exists; else 404."""
        get_object_or_404(Item, id=item_id)
        return super().options(request, item_id)

    def change(self, request, item_id, *, partial):
        """PUT and PATCH: body checks, then 404, 422, 409."""
        payload = read_json_object(request)
        # select_for_update keeps a concurrent DELETE out until the commit (on SQLite, the
        # atomic block's BEGIN IMMEDIATE does).
        with transaction.atomic():
            item = get_object_or_404(Item.objects.select_for_update(), id=item_id)
            stored = model_to_dict(item)
            validate_item(payload, partial=partial, item=item)
            # Django saves every field and auto_now moves updated_at on each save(), so save only
            # if a value changed (SQLAlchemy sends no UPDATE for no change by itself).
            if model_to_dict(item) != stored:
                save_item(item)
        return JsonResponse(item.to_dict())

    @method_decorator(require_api_token)
    def put(self, request, item_id):
        """Replace an item; absent fields go back to their defaults."""
        return self.change(request, item_id, partial=False)

    @method_decorator(require_api_token)
    def patch(self, request, item_id):
        """Update the given fields; `{}` changes nothing."""
        return self.change(request, item_id, partial=True)

    @method_decorator(require_api_token)
    def delete(self, request, item_id):
        """Delete an item: 204, then 404."""
        with transaction.atomic():
            get_object_or_404(Item.objects.select_for_update(), id=item_id).delete()
        return HttpResponse(status=204)
