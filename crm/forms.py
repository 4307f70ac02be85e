"""Form helpers shared by every blueprint."""

from flask_wtf import FlaskForm

from crm.services import ServiceError


def show_error(form: FlaskForm, error: ServiceError) -> None:
    """Put a service's refusal next to the field it is about, or at the top of the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message] if isinstance(field.errors, list) else [error.message]
    else:
        form.form_errors.append(error.message)
