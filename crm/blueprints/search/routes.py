from crm.blueprints.search import bp  # noqa: F401
