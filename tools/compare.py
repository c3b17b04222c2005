"""make compare: where each concept of docs/concepts.toml lives in both twins, side by side.

    python -m tools.compare               every concept with its Flask and Django locations
    python -m tools.compare model         the two pieces of code side by side, fitted to the width
    python -m tools.compare --html FILE   every concept's code in two highlighted columns, one page

A location is `path` (the whole file) or `path:symbol`. In Python the symbol is resolved with `ast`:
a class or a function, a method (`ItemDetailView.get`), a name that is assigned (`MIDDLEWARE`) or
called (`bp.add_url_rule`: every such call), an `if` by its test (`if HTTPS`), or a range of
statements (`FIRST..LAST`). In a template the symbol is a block name. A location that no longer
resolves is an error, never a guess.
"""

from __future__ import annotations

import argparse
import ast
import html
import itertools
import os
import re
import shutil
import sys
import textwrap
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pygments import highlight
from pygments.console import ansiformat
from pygments.formatters import HtmlFormatter
from pygments.formatters.terminal import TERMINAL_COLORS
from pygments.lexer import Lexer
from pygments.lexers import HtmlDjangoLexer, TextLexer, get_lexer_for_filename
from pygments.util import ClassNotFound

REPO = Path(__file__).resolve().parents[1]
CONCEPTS = REPO / "docs" / "concepts.toml"
TWINS = {"flask": "Flask", "django": "Django"}
SEPARATOR = " │ "
CONTINUATION = "↪ "
NUMBER_WIDTH = 5  # "1234 " before each line of code
# Narrower than this, the twins are stacked (Flask, then Django) rather than put side by side: two
# columns would hold under 43 characters of code each, and most of the twins' lines (up to 100)
# would wrap into three rows; stacked, at 80 columns, a line wraps once at most.
STACK_BELOW = 100
NAME = re.compile(r"\w+")
NOT_A_NAME = re.compile(r"\W")


class LocationError(LookupError):
    """A location of the concept map that names no file, or no such symbol in it."""


@dataclass(frozen=True)
class Concept:
    """One row of the concept map: where it lives in each twin, and why the two differ."""

    key: str
    title: str
    flask: tuple[str, ...]
    django: tuple[str, ...]
    why: str

    def locations(self, twin: str) -> tuple[str, ...]:
        """This concept's locations in one twin."""
        return getattr(self, twin)


@dataclass(frozen=True)
class Snippet:
    """The lines a location names: first and last are 1-based and inclusive."""

    location: str
    path: Path
    first: int
    last: int
    text: str


def load_concepts(path: Path = CONCEPTS) -> list[Concept]:
    """The concept map, in file order; ValueError for a missing field or a key used twice."""
    concepts = []
    for entry in tomllib.loads(path.read_text(encoding="utf-8"))["concept"]:
        concept = Concept(
            key=entry["key"],
            title=entry["title"],
            flask=tuple(entry["flask"]),
            django=tuple(entry["django"]),
            why=" ".join(entry["why"].split()),
        )
        if not (concept.flask and concept.django and concept.why):
            raise ValueError(f"concept {concept.key!r}: both twins' locations and a why, please")
        concepts.append(concept)
    keys = [concept.key for concept in concepts]
    duplicates = {key for key in keys if keys.count(key) > 1}
    if duplicates:
        raise ValueError(f"concept keys used twice: {sorted(duplicates)}")
    return concepts


def resolve(location: str, repo: Path = REPO) -> Snippet:
    """The snippet a location names, or LocationError."""
    relative, _, symbol = location.partition(":")
    path = repo / relative
    if not path.is_file():
        raise LocationError(f"{location}: there is no file {relative}")
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    if not symbol:
        first, last = 1, len(lines)
    elif path.suffix == ".py":
        first, last = python_span(source, symbol, location)
    elif path.suffix == ".html":
        first, last = block_span(source, symbol, location)
    else:
        raise LocationError(f"{location}: name a Python symbol or a template block, or no symbol")
    return Snippet(location, path, first, last, "\n".join(lines[first - 1 : last]) + "\n")


def dotted(node: ast.AST) -> str:
    """`a.b.c` for a Name or an Attribute chain; "" for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and (base := dotted(node.value)):
        return f"{base}.{node.attr}"
    return ""


def defines(node: ast.stmt, name: str) -> bool:
    """Whether a statement defines name: a class or function, an assignment, a call of name."""
    if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
        return node.name == name
    if isinstance(node, ast.Assign):
        return any(dotted(target) == name for target in node.targets)
    if isinstance(node, ast.AnnAssign):
        return dotted(node.target) == name
    if isinstance(node, ast.If):
        return name == f"if {ast.unparse(node.test)}"
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Call)
        and dotted(node.value.func) == name
    )


def find(body: list[ast.stmt], symbol: str) -> list[ast.stmt]:
    """The statements of body that define symbol; `Class.method` looks inside the class."""
    found = [node for node in body if defines(node, symbol)]
    if found or "." not in symbol:
        return found
    outer, _, inner = symbol.partition(".")
    for node in body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef) and node.name == outer:
            return find(node.body, inner)
    return []


def statement_span(node: ast.stmt, lines: list[str]) -> tuple[int, int]:
    """A statement's lines, with its decorators and the comment lines right above it."""
    decorators = getattr(node, "decorator_list", [])
    first = min([node.lineno] + [decorator.lineno for decorator in decorators])
    while first > 1 and lines[first - 2].lstrip().startswith("#"):
        first -= 1
    return first, node.end_lineno


def python_span(source: str, symbol: str, location: str) -> tuple[int, int]:
    """The lines of a Python symbol, or of the statements from FIRST to LAST (`FIRST..LAST`)."""
    tree, lines = ast.parse(source), source.splitlines()
    spans = []
    for part in symbol.split(".."):
        nodes = find(tree.body, part)
        if not nodes:
            raise LocationError(f"{location}: no {part} in the file")
        spans += [statement_span(node, lines) for node in nodes]
    first, last = spans[0][0], spans[-1][1]
    if first > last:
        raise LocationError(f"{location}: the range ends before it starts")
    return first, last


BLOCK_TAG = re.compile(r"{%-?\s*(block|endblock)\b\s*(\w*)")


def block_span(source: str, name: str, location: str) -> tuple[int, int]:
    """The lines from `{% block name %}` to its `{% endblock %}` (nested blocks counted)."""
    depth, start = 0, None
    for tag in BLOCK_TAG.finditer(source):
        if start is None:
            if tag.group(1) == "block" and tag.group(2) == name:
                start, depth = tag.start(), 1
        elif tag.group(1) == "block":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return source.count("\n", 0, start) + 1, source.count("\n", 0, tag.start()) + 1
    raise LocationError(f"{location}: no block {name} in the template")


def lexer_for(path: Path) -> Lexer:
    """A Pygments lexer for the file; templates of both twins share Django's block syntax."""
    options = {"stripnl": False, "ensurenl": False}
    if path.suffix == ".html":
        return HtmlDjangoLexer(**options)
    try:
        return get_lexer_for_filename(path.name, **options)
    except ClassNotFound:
        return TextLexer(**options)


def short(location: str) -> str:
    """A location without its twin's folder, which the column's heading names."""
    return location.split("/", 1)[1]


def cuts(line: str, width: int, rest: int) -> list[int]:
    """Where a line is cut into rows of at most width characters, then of rest: after the last
    space that fits; in a word wider than a row (a chain of calls, a dotted location), after the
    last character that is not a letter, digit or _, so that no name is cut in two."""
    found, start, room = [], 0, width
    while len(line) - start > room:
        window = line[start : start + room]
        body = len(window) - len(window.lstrip())  # no cut in the indentation
        space = window.rfind(" ", body)
        if space < 0:
            space = max((mark.start() for mark in NOT_A_NAME.finditer(window, body)), default=-1)
        start += space + 1 if space >= 0 else room
        found.append(start)
        room = rest
    return found


def wrap(text: str, width: int) -> list[str]:
    """Text in lines of at most width characters, each word or name whole."""
    ends = [0, *cuts(text, width, width), len(text)]
    return [text[first:last].strip() for first, last in itertools.pairwise(ends)]


def listing(concepts: list[Concept], width: int) -> str:
    """Every concept with its Flask and Django locations, in columns wrapped to fit width; each
    concept's key above its two twins' locations under STACK_BELOW, or where a name would not
    fit in a column whole."""
    rows = [("concept", "Flask (flask_impl/)", "Django (django_impl/)")]
    rows += [
        (concept.key, *(", ".join(map(short, concept.locations(twin))) for twin in TWINS))
        for concept in concepts
    ]
    key_width = max(len(row[0]) for row in rows)
    column = (width - key_width - 2 * len("  ")) // 2
    longest = max(len(name) for row in rows for name in NAME.findall(" ".join(row[1:])))
    if width < STACK_BELOW or longest > column:
        return stacked_listing(concepts, width)
    lines = []
    for key, *locations in rows:
        flask, django = (wrap(text, column) for text in locations)
        for index, (left, right) in enumerate(itertools.zip_longest(flask, django, fillvalue="")):
            lines.append(
                f"{key if index == 0 else '':<{key_width}}  {left:<{column}}  {right}".rstrip()
            )
    return "\n".join(lines)


def stacked_listing(concepts: list[Concept], width: int) -> str:
    """Each concept's key on a line of its own, its Flask and Django locations indented below."""
    indent = " " * len("  Django  ")
    lines = ["concept", "  Flask   flask_impl/", "  Django  django_impl/"]
    for concept in concepts:
        lines.append(concept.key)
        for twin, name in TWINS.items():
            text = ", ".join(map(short, concept.locations(twin)))
            rows = wrap(text, width - len(indent))
            lines.append(f"  {name:<8}{rows[0]}")
            lines += [indent + row for row in rows[1:]]
    return "\n".join(lines)


def terminal_width() -> int:
    """The terminal's width, 80 at least, 120 when it is unknown (output to a file or a pipe)."""
    return max(80, shutil.get_terminal_size((120, 24)).columns)


def paint(token_type, text: str) -> str:
    """Text in its token's terminal colour (Pygments' scheme for dark backgrounds)."""
    while token_type not in TERMINAL_COLORS:
        token_type = token_type.parent
    colour = TERMINAL_COLORS[token_type][1]
    return ansiformat(colour, text) if colour else text


def token_lines(snippet: Snippet) -> list[list[tuple]]:
    """The snippet's tokens, split into lines (a docstring spans several, lexed as one)."""
    lines: list[list[tuple]] = [[]]
    for token_type, value in lexer_for(snippet.path).get_tokens(snippet.text.expandtabs()):
        for index, part in enumerate(value.split("\n")):
            if index:
                lines.append([])
            if part:
                lines[-1].append((token_type, part))
    return lines[: snippet.last - snippet.first + 1]


def wrap_tokens(tokens: list[tuple], width: int) -> list[list[tuple]]:
    """A line's tokens cut into rows of at most width characters; every row at least one."""
    rows: list[list[tuple]] = [[]]
    line = "".join(text for _, text in tokens)
    position, ends = 0, cuts(line, width, width - len(CONTINUATION))
    for token_type, text in tokens:
        while text:
            if ends and position == ends[0]:
                rows.append([])
                ends.pop(0)
            piece = text[: ends[0] - position] if ends else text
            rows[-1].append((token_type, piece))
            text = text[len(piece) :]
            position += len(piece)
    return rows


def panel(snippets: list[Snippet], width: int, colour: bool) -> list[str]:
    """One twin's column: each snippet under its location, numbered, wrapped, padded to width."""
    rows = []
    for snippet in snippets:
        heading = f"{snippet.location}  lines {snippet.first}-{snippet.last}"[:width]
        heading = f"{heading:<{width}}"
        rows.append(ansiformat("*bold*", heading) if colour else heading)
        code_width = width - NUMBER_WIDTH
        for number, tokens in enumerate(token_lines(snippet), start=snippet.first):
            for index, row in enumerate(wrap_tokens(tokens, code_width)):
                gutter = f"{number:>{NUMBER_WIDTH - 1}} " if index == 0 else " " * NUMBER_WIDTH
                lead = "" if index == 0 else CONTINUATION
                text = "".join(part for _, part in row)
                padding = " " * (code_width - len(lead) - len(text))
                if colour:
                    text = "".join(paint(token_type, part) for token_type, part in row)
                rows.append(gutter + lead + text + padding)
        rows.append(" " * width)
    return rows[:-1]


def side_by_side(concept: Concept, width: int, colour: bool = False) -> str:
    """The concept's code in both twins, in two columns that fit in width characters; under
    STACK_BELOW, one twin's code above the other's."""
    title = [f"{concept.title} ({concept.key})", *textwrap.wrap(concept.why, width), ""]
    if width < STACK_BELOW:
        lines = title
        for twin, name in TWINS.items():
            snippets = [resolve(location) for location in concept.locations(twin)]
            lines += [name, "─" * width, *panel(snippets, width, colour), ""]
        return "\n".join(line.rstrip() for line in lines[:-1])
    column = (width - len(SEPARATOR)) // 2
    panels = [
        panel([resolve(location) for location in concept.locations(twin)], column, colour)
        for twin in TWINS
    ]
    headings = [f"{name:<{column}}" for name in TWINS.values()]
    rule = "─" * column
    lines = [
        *title,
        SEPARATOR.join(headings).rstrip(),
        SEPARATOR.replace(" ", "─").join([rule, rule]),
    ]
    blank = " " * column
    for left, right in itertools.zip_longest(*panels, fillvalue=blank):
        lines.append((left + SEPARATOR + right).rstrip())
    return "\n".join(lines)


def code_html(snippet: Snippet) -> str:
    """One snippet as a highlighted block under its location, linked to its file."""
    relative = snippet.path.relative_to(REPO).as_posix()
    code = highlight(
        snippet.text,
        lexer_for(snippet.path),
        HtmlFormatter(linenos="inline", linenostart=snippet.first),
    )
    return (
        f'<p class="location"><a href="../{html.escape(relative)}">'
        f"<code>{html.escape(snippet.location)}</code></a> "
        f"lines {snippet.first}-{snippet.last}</p>\n{code}"
    )


PAGE_STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 1600px;
       padding: 1rem 2rem; }
nav ol { columns: 3; }
section { border-top: 1px solid #ccc; margin-top: 2rem; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 1.5rem; }
.pair > div { min-width: 0; }
.location { margin: 0.8rem 0 0.2rem; font-size: 13px; }
.highlight pre { font-size: 13px; line-height: 1.4; overflow-x: auto; padding: 0.5rem;
                 margin: 0; border: 1px solid #ddd; }
@media (max-width: 1000px) { .pair { grid-template-columns: 1fr; } nav ol { columns: 1; } }
"""


def html_page(concepts: list[Concept]) -> str:
    """One self-contained static page: every concept, its why, both twins' code in two columns."""
    contents = "\n".join(
        f'<li><a href="#{concept.key}">{html.escape(concept.title)}</a></li>'
        for concept in concepts
    )
    sections = []
    for concept in concepts:
        columns = "\n".join(
            f"<div>\n<h3>{name}</h3>\n"
            + "\n".join(code_html(resolve(location)) for location in concept.locations(twin))
            + "</div>"
            for twin, name in TWINS.items()
        )
        sections.append(
            f'<section id="{concept.key}">\n<h2>{html.escape(concept.title)}</h2>\n'
            f"<p>{html.escape(concept.why)}</p>\n"
            f'<div class="pair">\n{columns}\n</div>\n</section>'
        )
    style = PAGE_STYLE + HtmlFormatter().get_style_defs(".highlight")
    body = "\n".join(sections)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Flask ⇄ Django Twins — side by side</title>
<style>{style}
</style>
</head>
<body>
<h1>Flask ⇄ Django Twins — side by side</h1>
<p>Every concept of <code>docs/concepts.toml</code>, with the code that implements it in each twin.
Generated by <code>make compare-html</code>; do not edit by hand.</p>
<nav><ol>
{contents}
</ol></nav>
{body}
</body>
</html>
"""


def main(argv: list[str] | None = None) -> int:
    """The command line: a listing, one concept side by side, or the HTML page."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("concept", nargs="?", help="a concept's key: show its code side by side")
    parser.add_argument("--html", type=Path, metavar="FILE", help="write the side-by-side page")
    args = parser.parse_args(argv)
    concepts = load_concepts()
    if args.html:
        args.html.write_text(html_page(concepts), encoding="utf-8")
        print(f"Wrote {args.html} ({len(concepts)} concepts).")
        return 0
    if not args.concept:
        print(listing(concepts, terminal_width()))
        return 0
    by_key = {concept.key: concept for concept in concepts}
    if args.concept not in by_key:
        near = [key for key in by_key if args.concept.lower() in key] or list(by_key)
        print(f"No concept {args.concept!r}. Try: {', '.join(near)}", file=sys.stderr)
        return 2
    colour = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    print(side_by_side(by_key[args.concept], terminal_width(), colour))
    return 0


if __name__ == "__main__":
    sys.exit(main())
