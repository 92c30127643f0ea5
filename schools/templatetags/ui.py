"""Small template helpers shared by every page."""

from django import template

register = template.Library()


@register.filter
def accessible(field):
    """Render a bound field's widget tied to its help text and errors (aria-describedby, aria-invalid)."""
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_helptext")
    attrs = {}
    if field.errors:
        described.append(f"{field.auto_id}_error")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)
