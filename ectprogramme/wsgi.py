"""WSGI entry point (gunicorn ectprogramme.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ectprogramme.settings")
application = get_wsgi_application()
