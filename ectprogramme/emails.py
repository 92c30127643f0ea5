"""One helper to send templated e-mails: `emails/<name>-subject.txt`, `-body.txt`, `-body.html`.

`render` gives the three parts (for e-mails stored before they are sent, such as nudges);
`send_rendered` sends such parts, with an optional Reply-To, extra headers and attachments.
`attachments` is a list of `(filename, content, mimetype)`, e.g. a booking's `.ics`.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def render(name, context):
    """(subject, text, html) of the e-mail `name` with `context`."""
    context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"emails/{name}-subject.txt", context).split())
    text = render_to_string(f"emails/{name}-body.txt", context)
    html = render_to_string(f"emails/{name}-body.html", context)
    return subject, text, html


def send_rendered(subject, text, html, to, reply_to=None, headers=None, connection=None, attachments=()):
    """Send one e-mail; over `connection` (an open backend, for many e-mails) if given."""
    message = EmailMultiAlternatives(
        subject, text, settings.DEFAULT_FROM_EMAIL, [to], reply_to=[reply_to] if reply_to else None, headers=headers or None,
    )
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    if connection is None:
        message.send()
    else:
        connection.send_messages([message])


def send(name, to, context, reply_to=None, headers=None, attachments=()):
    send_rendered(*render(name, context), to, reply_to=reply_to, headers=headers, attachments=attachments)
