"""The concept map cannot go stale, and make compare shows what it names.

Every location of docs/concepts.toml must resolve, and every view, model and command of each twin
must be named by some concept. A view is what a request is routed to: a function with a route
decorator (`@bp.get`, `@expose`), a class whose base is a view class (`...View`, `ModelAdmin`), or
what a Django URLconf names. A model subclasses `Model`; a command is a click command or a Django
management command.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from tools.compare import (
    REPO,
    TWINS,
    LocationError,
    dotted,
    html_page,
    listing,
    load_concepts,
    main,
    resolve,
    short,
    side_by_side,
)

CONCEPTS = load_concepts()
ROUTE_DECORATORS = {"route", "get", "post", "put", "patch", "delete", "expose"}
NOT_SOURCE = {"tests", "migrations"}


@dataclass(frozen=True)
class Definition:
    """A view, model or command found in a twin's source."""

    kind: str
    path: Path
    name: str
    first: int
    last: int

    def __str__(self) -> str:
        return f"{self.kind} {self.path.relative_to(REPO)}:{self.name}"


def base_names(node: ast.ClassDef) -> list[str]:
    """The last part of each base class's name: `db.Model` is `Model`."""
    return [dotted(base).rpartition(".")[2] for base in node.bases]


def decorator_names(node: ast.FunctionDef) -> list[str]:
    """The last part of each decorator's name: `@bp.get("/")` is `get`."""
    return [
        dotted(decorator.func if isinstance(decorator, ast.Call) else decorator).rpartition(".")[2]
        for decorator in node.decorator_list
    ]


def kind_of(node: ast.stmt) -> str | None:
    """The kind of a module-level statement: "view", "model", "command", or None."""
    if isinstance(node, ast.ClassDef):
        bases = base_names(node)
        if any(base.endswith("View") or base == "ModelAdmin" for base in bases):
            return "view"
        if "Model" in bases:
            return "model"
        if "BaseCommand" in bases:
            return "command"
    if isinstance(node, ast.FunctionDef):
        decorators = decorator_names(node)
        if ROUTE_DECORATORS & set(decorators):
            return "view"
        if "command" in decorators:
            return "command"
    return None


def urlconf_views(path: Path, tree: ast.Module) -> set[tuple[Path, str]]:
    """The functions a Django URLconf routes to: `errors.api_not_found`, handler404 = "a.b.c"."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and dotted(node.func) in ("path", "re_path"):
            view = node.args[1]
            if isinstance(view, ast.Attribute) and isinstance(view.value, ast.Name):
                found.add((path.parent / f"{view.value.id}.py", view.attr))
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant)
            and any(dotted(target).startswith("handler") for target in node.targets)
        ):
            module, _, name = node.value.value.rpartition(".")
            found.add((path.parents[1] / f"{module.replace('.', '/')}.py", name))
    return found


def inventory(twin: str) -> list[Definition]:
    """Every view, model and command in the twin's source (tests and migrations aside)."""
    root = REPO / f"{twin}_impl"
    modules = {
        path: ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(root.rglob("*.py"))
        if not NOT_SOURCE & set(path.relative_to(root).parts)
    }
    routed = set().union(*(urlconf_views(path, tree) for path, tree in modules.items()))
    found = []
    for path, tree in modules.items():
        for node in tree.body:
            routed_here = (path, getattr(node, "name", "")) in routed
            if kind := "view" if routed_here else kind_of(node):
                found.append(Definition(kind, path, node.name, node.lineno, node.end_lineno))
    return found


def test_the_map_has_at_least_twenty_concepts():
    assert len(CONCEPTS) >= 20


@pytest.mark.parametrize("concept", CONCEPTS, ids=lambda concept: concept.key)
def test_every_location_resolves(concept):
    for twin in TWINS:
        for location in concept.locations(twin):
            assert location.startswith(f"{twin}_impl/"), f"{location} is not in the {twin} twin"
            resolve(location)


@pytest.mark.parametrize("twin", TWINS)
def test_every_view_model_and_command_is_in_the_map(twin):
    snippets = [resolve(location) for concept in CONCEPTS for location in concept.locations(twin)]
    unmapped = [
        str(definition)
        for definition in inventory(twin)
        if not any(
            snippet.path == definition.path
            and snippet.first <= definition.last
            and definition.first <= snippet.last
            for snippet in snippets
        )
    ]
    assert not unmapped, f"add these to a concept of docs/concepts.toml: {unmapped}"


@pytest.mark.parametrize(
    ("twin", "expected"),
    [
        (
            "flask",
            {
                "view flask_impl/items/views.py:home",
                "view flask_impl/items/views.py:ItemDetailView",
                "view flask_impl/items/admin.py:ItemAdmin",
                "model flask_impl/items/models.py:User",
                "command flask_impl/items/cli.py:seed_command",
            },
        ),
        (
            "django",
            {
                "view django_impl/items/views.py:HomeView",
                "view django_impl/items/errors.py:api_not_found",
                "view django_impl/items/errors.py:server_error",
                "view django_impl/items/admin.py:ItemAdmin",
                "model django_impl/items/models.py:Item",
                "command django_impl/items/management/commands/seed.py:Command",
            },
        ),
    ],
)
def test_the_inventory_finds_each_kind_of_definition(twin, expected):
    assert expected <= {str(definition) for definition in inventory(twin)}


@pytest.mark.parametrize(
    ("location", "first_line"),
    [
        ("flask_impl/items/views.py:home", '@bp.get("/")'),
        ("django_impl/items/views.py:ItemDetailView.change", "def change("),
        ("django_impl/config/settings.py:MIDDLEWARE", "MIDDLEWARE = ["),
        ("flask_impl/items/views.py:bp.add_url_rule", "# One rule per URL"),
        ("django_impl/config/urls.py:handler400..handler500", "# Django: error pages"),
        ("django_impl/items/templates/items/home.html:content", "{% block content %}"),
        ("flask_impl/wsgi.py", '"""The WSGI entry point'),
    ],
)
def test_a_location_names_a_symbol_with_its_decorators_and_comments(location, first_line):
    assert resolve(location).text.lstrip().startswith(first_line)


def test_a_call_location_spans_every_call():
    text = resolve("flask_impl/items/views.py:bp.add_url_rule").text
    assert text.count("bp.add_url_rule(") == 2


@pytest.mark.parametrize(
    "location",
    [
        "flask_impl/items/nowhere.py",
        "flask_impl/items/views.py:no_such_view",
        "flask_impl/items/views.py:ItemDetailView.no_such_method",
        "django_impl/items/templates/items/home.html:no_such_block",
        "django_impl/config/settings.py:X_FRAME_OPTIONS..DEBUG",
        "django_impl/serve.sh:gunicorn",
    ],
)
def test_a_location_that_does_not_resolve_is_an_error(location):
    with pytest.raises(LocationError):
        resolve(location)


@pytest.mark.parametrize("width", [80, 120])
def test_the_listing_fits_the_width_and_starts_a_line_per_concept(width):
    lines = listing(CONCEPTS, width).splitlines()
    assert max(len(line) for line in lines) <= width
    keys = [line.split()[0] for line in lines[1:] if not line.startswith(" ")]
    assert keys == [concept.key for concept in CONCEPTS]


@pytest.mark.parametrize("width", [80, 200])
def test_side_by_side_fits_the_width(width):
    for concept in CONCEPTS:
        text = side_by_side(concept, width)
        assert max(len(line) for line in text.splitlines()) <= width, concept.key


@pytest.mark.parametrize("concept", CONCEPTS, ids=lambda concept: concept.key)
def test_at_80_columns_the_twins_are_stacked_and_no_word_is_cut(concept):
    text = side_by_side(concept, 80)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert lines.index("Flask") < lines.index("Django")
    sources = [concept.title, concept.why]
    sources += [resolve(location).text for twin in TWINS for location in concept.locations(twin)]
    cut = cut_names(" ".join(sources), text)
    assert not cut, f"cut in two: {cut}"


@pytest.mark.parametrize("width", [80, 120])
def test_the_listing_cuts_no_name_in_two(width):
    locations = [
        short(location)
        for concept in CONCEPTS
        for twin in TWINS
        for location in concept.locations(twin)
    ]
    cut = cut_names(" ".join(locations), listing(CONCEPTS, width))
    assert not cut, f"cut in two: {cut}"


def cut_names(source, output):
    """The words, names and numbers of source that output lacks whole: cut in two by a wrap."""
    missing = Counter(re.findall(r"\w+", source)) - Counter(re.findall(r"\w+", output))
    return sorted(missing)


def test_side_by_side_shows_both_pieces_of_code():
    text = side_by_side(next(c for c in CONCEPTS if c.key == "model"), 160)
    assert "class Item(db.Model):" in text
    assert "class Item(models.Model):" in text


def test_the_page_is_self_contained_and_has_every_concept():
    page = html_page(CONCEPTS)
    for concept in CONCEPTS:
        assert f'<section id="{concept.key}">' in page
    # Nothing fetched from elsewhere: no script, stylesheet link, image or remote URL in a tag.
    for outside in ("<script", "<link", "src=", 'href="http', 'href="//'):
        assert outside not in page


def test_an_unknown_concept_names_the_known_ones(capsys):
    assert main(["mod"]) == 2
    assert "model" in capsys.readouterr().err
