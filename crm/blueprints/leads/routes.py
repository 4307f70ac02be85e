from crm.blueprints.leads import bp  # noqa: F401
