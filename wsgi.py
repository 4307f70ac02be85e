"""The WSGI entry point: ``gunicorn wsgi:app``."""

from crm import create_app
from crm import freeze_startup_objects

app = create_app()
freeze_startup_objects()
