"""Extension singletons, bound to the app in ``create_app``."""

from flask_htmx import HTMX
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_principal import Principal
from flask_wtf.csrf import CSRFProtect

from tenants.db import db

__all__ = ["db", "migrate", "login_manager", "principal", "csrf", "htmx"]

migrate = Migrate()
login_manager = LoginManager()
# The identity is derived from Flask-Login and the organization in the URL on every
# request, so nothing about it is kept in the session.
principal = Principal(use_sessions=False, skip_static=True)
csrf = CSRFProtect()
htmx = HTMX()
