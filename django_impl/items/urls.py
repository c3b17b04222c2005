"""URLs of the items app. No trailing slashes: `/api/items/` is a 404, never a redirect."""

from django.urls import path, re_path, register_converter

from items import errors, views
from items.converters import ItemIdConverter

register_converter(ItemIdConverter, "item_id")

app_name = "items"
urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("api/data", views.ApiDataView.as_view(), name="api_data"),
    path("api/openapi.json", views.OpenApiView.as_view(), name="openapi"),
    path("healthz", views.HealthzView.as_view(), name="healthz"),
    path("api/items", views.ItemListView.as_view(), name="item_list"),
    path("api/items/<item_id:item_id>", views.ItemDetailView.as_view(), name="item_detail"),
    # Last: everything else under /api/ is the API's JSON 404, in DEBUG too; //api/... as well,
    # which reaches here as /api/... (the root URLconf's own pattern takes one slash; [/], as a
    # leading "/" would be taken by the system check for a slip, urls.W002).
    re_path(r"^[/]*api/(?P<path>.*)$", errors.api_not_found),
]
