from crm.blueprints.contacts import bp  # noqa: F401
