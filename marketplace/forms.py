"""Form helpers shared by the seller dashboard and the creator studio."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def add_service_errors(form: forms.BaseForm, error: ValidationError, *, field: str | None = None) -> None:
    """Show a service's ValidationError on the form: per field where the form has it, on top otherwise.

    An error that names no field goes to `field` (the top of the form when None).
    """
    if not hasattr(error, "error_dict"):
        form.add_error(field, error)
        return
    for name, errors in error.error_dict.items():
        if name in form.fields:
            form.add_error(name, errors)
        elif name == NON_FIELD_ERRORS:
            form.add_error(None, errors)
        else:
            label = name.replace("_", " ").capitalize()
            form.add_error(None, [f"{label}: {message}" for item in errors for message in item.messages])
