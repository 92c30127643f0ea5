"""Rendering thousands of nudge e-mails fast: each template shape rendered once, then filled per e-mail.

A `Renderer` (one per hub run) renders a rule's templates (`emails/<name>-subject.txt`, `-body.txt`,
`-body.html`) once per shape with a marker in place of each per-e-mail value, and fills the markers
of each e-mail in one pass. A marker shows what the template did to its value: put it in as it is,
escaped it, or made paragraphs of it (`linebreaks`), and the fill does the same to the real value.
A list of items repeats the fragment found by rendering it with one item and with two.

The shape is what the templates can branch on: the rule, which values are empty (an empty value is
rendered as it is, not as a marker) and whether there are items. The first e-mail of each shape
is also rendered by Django and compared; a shape the markers cannot follow (a filter that depends
on the value) is rendered by Django from then on. Constants (the hub) are rendered into the shape.
"""

import re

from django.conf import settings
from django.template.loader import get_template
from django.utils.html import escape, linebreaks

PARTS = ("subject.txt", "body.txt", "body.html")
_OPEN, _CLOSE = "\ue000", "\ue001"
# <p>?, escaped or not, the value's name, <br> (made paragraphs) or a newline (as it is), </p>?
_MARKER = re.compile(f"(<p>)?{_OPEN}(&amp;|&)(\\w+)(<br>|\n){_CLOSE}(</p>)?")
_ITEM = "items__{}__{}"


def _marker(name):
    return f"{_OPEN}&{name}\n{_CLOSE}"


def _templates(name):
    return [get_template(f"emails/{name}-{part}") for part in PARTS]


def _finish(parts):
    subject, text, html = parts
    return " ".join(subject.split()), text, html


def render_with_django(name, context):
    """(subject, text, html) as `ectprogramme.emails.render` makes them."""
    context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **context}
    return _finish([template.render(context) for template in _templates(name)])


def _parse(text):
    """The rendered text as a list of literal strings and (how, name) markers."""
    tokens, position = [], 0
    for match in _MARKER.finditer(text):
        opening, escaped, key, newline, closing = match.groups()
        paragraphs = newline == "<br>"
        if paragraphs and not (opening and closing):
            return None
        tokens.append(text[position : match.start()] + ("" if paragraphs else opening or ""))
        tokens.append(("paragraphs" if paragraphs else "text", escaped == "&amp;", key))
        if not paragraphs and closing:
            tokens.append(closing)
        position = match.end()
    tokens.append(text[position:])
    return [t for t in tokens if t != ""]


def _fill(tokens, values):
    out = []
    for token in tokens:
        if isinstance(token, str):
            out.append(token)
            continue
        how, escaped, key = token
        value = str(values[key])
        if how == "paragraphs":
            out.append(linebreaks(value, autoescape=escaped))
        else:
            out.append(escape(value) if escaped else value)
    return "".join(out)


class _Shape:
    """One shape of a rule's e-mail: per part, the tokens before the items, of an item, after them."""

    def __init__(self, name, constants, values, scalars, item_keys, has_items):
        markers = {key: _marker(key) for key in scalars}
        base = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **constants, **values, **markers}

        def rendered(count):
            items = [{field: _marker(_ITEM.format(n, field)) for field in item_keys} for n in range(count)]
            return [t.render({**base, "items": items}) for t in _templates(name)]

        self.parts = []
        if not has_items:
            self.parts = [(_parse(text), None, []) for text in rendered(0)]
        for one, two in zip(rendered(1), rendered(2)) if has_items else ():
            if one == two:  # a part without the items
                self.parts.append((_parse(one), None, []))
                continue
            grown = len(two) - len(one)
            start = next((i for i, (a, b) in enumerate(zip(one, two)) if a != b), len(one))
            repeat = two[start : start + grown]
            if grown <= 0 or two != one[:start] + repeat + one[start:] or _ITEM.format(1, "") not in repeat:
                raise ValueError("the items do not repeat")
            repeat = _parse(repeat.replace(_ITEM.format(1, ""), _ITEM.format("N", "")))
            if repeat is None:
                raise ValueError("a marker was cut")
            self.parts.append((_parse(one[:start]), repeat, _parse(one[start:])))
        if any(head is None or tail is None for head, repeat, tail in self.parts):
            raise ValueError("a marker was cut")
        known = set(scalars) | {_ITEM.format(n, field) for n in (0, "N") for field in item_keys}
        if any(not isinstance(t, str) and t[2] not in known for part in self.parts for tokens in part if tokens for t in tokens):
            raise ValueError("a marker was changed")

    def fill(self, values, items):
        values = dict(values)
        for n, item in enumerate(items):
            for field, value in item.items():
                values[_ITEM.format(n, field)] = value
        parts = []
        for head, repeat, tail in self.parts:
            text = _fill(head, values)
            if repeat:
                for n in range(1, len(items)):
                    row = {_ITEM.format("N", field): value for field, value in items[n].items()}
                    text += _fill(repeat, {**values, **row})
            parts.append(text + _fill(tail, values))
        return _finish(parts)


class Renderer:
    """Renders e-mails `emails/<name>-*` whose context is `constants` (the same for every e-mail of
    this renderer, such as the hub) plus per-e-mail strings and `items` (a list of dicts of strings)."""

    def __init__(self, constants):
        self.constants = constants
        self.shapes = {}

    def render(self, name, values, items=()):
        """(subject, text, html) of one e-mail; the same as `render_with_django` with the merged context."""
        items = list(items)
        item_keys = tuple(sorted(items[0])) if items else ()
        uniform = all(tuple(sorted(i)) == item_keys and all(i.values()) for i in items)
        scalars = tuple(sorted(key for key, value in values.items() if value not in ("", None, 0, False)))
        context = {**self.constants, **values, "items": items}
        if not uniform or any(not isinstance(values[k], (str, int)) for k in scalars):
            return render_with_django(name, context)
        empty = tuple(sorted((key, value) for key, value in values.items() if key not in scalars))
        key = (name, scalars, empty, item_keys, bool(items), len(items) > 1)
        shape = self.shapes.get(key)
        if shape is None:
            expected = render_with_django(name, context)
            try:
                shape = _Shape(name, self.constants, dict(empty), scalars, item_keys, bool(items))
                if shape.fill(values, items) != expected:
                    shape = False
            except ValueError:
                shape = False
            self.shapes[key] = shape
            return expected
        if shape is False:
            return render_with_django(name, context)
        return shape.fill(values, items)
