"""The CRM: a Flask application factory built from small configure steps."""

import gc
import logging

from flask import Flask

from crm.config import from_environment


def create_app(config: dict | None = None) -> Flask:
    """Build the app; ``config`` overrides the environment (tests pass theirs here)."""
    app = Flask(__name__, instance_relative_config=True)
    overrides = config or {}
    app.config.update(from_environment(app.instance_path, app.debug or bool(overrides.get("DEBUG")),
                                       overrides.get("SECRET_KEY")))
    if config:
        app.config.update(config)
    _configure_logging(app)
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    _configure_extensions(app)
    _configure_blueprints(app)
    from crm import web

    web.init_web(app)
    from crm import cli

    cli.init_cli(app)
    return app


def _configure_logging(app: Flask) -> None:
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _configure_extensions(app: Flask) -> None:
    from crm import models  # noqa: F401  (every mapper must exist before the first query)
    from crm.extensions import csrf
    from crm.extensions import db
    from crm.extensions import htmx
    from crm.extensions import login_manager
    from crm.extensions import migrate
    from crm.extensions import principal
    from tenants.rls import install_rls_settings
    from tenants.scoping import install_scoping
    from tenants.web import init_tenancy

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    login_manager.init_app(app)
    principal.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    install_scoping(db.session)
    with app.app_context():
        for engine in db.engines.values():
            install_rls_settings(engine)
    init_tenancy(app)
    from crm import security

    security.init_security(app)
    from crm.jobs import init_jobs

    init_jobs(app)


def _configure_blueprints(app: Flask) -> None:
    from crm.blueprints.activity import bp as activity_bp
    from crm.blueprints.admin import bp as admin_bp
    from crm.blueprints.auth import bp as auth_bp
    from crm.blueprints.companies import bp as companies_bp
    from crm.blueprints.contacts import bp as contacts_bp
    from crm.blueprints.dashboard import bp as dashboard_bp
    from crm.blueprints.imports import bp as imports_bp
    from crm.blueprints.leads import bp as leads_bp
    from crm.blueprints.notifications import bp as notifications_bp
    from crm.blueprints.notifications import unsubscribe_bp
    from crm.blueprints.opportunities import bp as opportunities_bp
    from crm.blueprints.products import bp as products_bp
    from crm.blueprints.search import bp as search_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(unsubscribe_bp)
    app.register_blueprint(dashboard_bp, url_prefix="/<org_slug>")
    app.register_blueprint(admin_bp, url_prefix="/<org_slug>/admin")
    app.register_blueprint(companies_bp, url_prefix="/<org_slug>/companies")
    app.register_blueprint(contacts_bp, url_prefix="/<org_slug>/contacts")
    app.register_blueprint(leads_bp, url_prefix="/<org_slug>/leads")
    app.register_blueprint(imports_bp, url_prefix="/<org_slug>/leads/imports")
    app.register_blueprint(opportunities_bp, url_prefix="/<org_slug>/opportunities")
    app.register_blueprint(products_bp, url_prefix="/<org_slug>/products")
    app.register_blueprint(notifications_bp, url_prefix="/<org_slug>/notifications")
    app.register_blueprint(activity_bp, url_prefix="/<org_slug>/activity")
    app.register_blueprint(search_bp, url_prefix="/<org_slug>")


def freeze_startup_objects() -> None:
    """Keep what start-up built (the app, mappers, templates: about 130,000 objects) out of
    the garbage collector's full passes, which otherwise walk all of it now and then in the
    middle of a request (100 ms, docs/performance.md). For the serving process only: a test
    run builds many apps, and frozen objects are never freed."""
    gc.collect()
    gc.freeze()

