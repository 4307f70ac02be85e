from crm.blueprints.companies import bp  # noqa: F401
