"""Model fields of the catalog's customs data: an HS code kept as digits, and a product's hazard flags."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from fulfillment.models import Hazard
from shop.validators import HS_CODE_HELP, normalise_hs_code, normalise_tax_id, validate_hs_code


class HSCodeFormField(forms.CharField):
    """Accepts the code as people type it ("6109.10"), cleaned to digits before its length is checked."""

    def to_python(self, value: Any) -> str:
        return normalise_hs_code(super().to_python(value))


class HSCodeField(models.CharField):
    """A Harmonized System code, stored as 6 to 10 digits; dots and spaces are dropped when it is cleaned."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("validators", [validate_hs_code])
        kwargs.setdefault("help_text", HS_CODE_HELP)
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> str:
        return normalise_hs_code(super().to_python(value))

    def formfield(self, **kwargs) -> forms.Field:
        return super().formfield(**{"form_class": HSCodeFormField, **kwargs})


class TaxIdFormField(forms.CharField):
    def to_python(self, value: Any) -> str:
        return normalise_tax_id(super().to_python(value))


class TaxIdField(models.CharField):
    """An EORI, VAT or IOSS number, stored as customs systems read it: capitals, no spaces, dots or dashes."""

    def to_python(self, value: Any) -> str:
        return normalise_tax_id(super().to_python(value))

    def formfield(self, **kwargs) -> forms.Field:
        return super().formfield(**{"form_class": TaxIdFormField, **kwargs})


def validate_hazards(value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError("Give the hazards as a list of names.", code="hazards_type")
    unknown = sorted(set(value) - set(Hazard.values))
    if unknown:
        raise ValidationError(
            f"Unknown hazard: {', '.join(unknown)}. Choose from {', '.join(Hazard.values)}.", code="hazards_unknown"
        )


class HazardsFormField(forms.TypedMultipleChoiceField):
    """Tick boxes of the fixed hazard list."""

    def __init__(self, **kwargs) -> None:
        for unused in ("max_length", "encoder", "decoder", "empty_value"):
            kwargs.pop(unused, None)
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        super().__init__(choices=Hazard.choices, coerce=str, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        return value if isinstance(value, list | tuple) else []

    def has_changed(self, initial: Any, data: Any) -> bool:
        return sorted(initial or []) != sorted(data or [])


class HazardsField(models.JSONField):
    """The product's hazard flags (fulfillment.models.Hazard values), sorted and without repeats."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("validators", [validate_hazards])
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        if isinstance(value, list | tuple | set) and all(isinstance(item, str) for item in value):
            return sorted(set(value))
        return value

    def formfield(self, **kwargs) -> forms.Field:
        return models.Field.formfield(self, **{"form_class": HazardsFormField, "required": not self.blank, **kwargs})
