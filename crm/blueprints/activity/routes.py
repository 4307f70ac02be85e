from crm.blueprints.activity import bp  # noqa: F401
