"""Form helpers shared by every blueprint."""

from flask_wtf import FlaskForm

from crm.services import ServiceError
from crm.services.records import has_control_character


class TextForm(FlaskForm):
    """A form whose text never reaches the database with a control character in it.

    PostgreSQL cannot store or even compare text holding a NUL byte (the query fails), and
    no one types one on purpose: refused at validation, before any lookup uses the value.
    """

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            values = field.data if isinstance(field.data, list) else [field.data]
            if any(isinstance(v, str) and has_control_character(v) for v in values):
                label = field.label.text.lower() if field.label else field.name
                field.errors = [*field.errors, f"There is a control character in the {label}; remove it and try again."]
                valid = False
        return valid


def show_error(form: FlaskForm, error: ServiceError) -> None:
    """Put a service's refusal next to the field it is about, or at the top of the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message] if isinstance(field.errors, list) else [error.message]
    else:
        form.form_errors.append(error.message)
