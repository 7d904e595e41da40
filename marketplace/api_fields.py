"""Serializer fields every API serializer shares."""

from django_countries.serializer_fields import CountryField
from rest_framework import serializers


class IdRelatedField(serializers.PrimaryKeyRelatedField):
    """An object by its id: a whole number only.

    DRF hands a JSON number to the ORM as it is, and the ORM turns it into an integer: `1.5` and
    `true` both found object 1. They are refused here as the wrong type, as text that is no number is.
    """

    def to_internal_value(self, data):
        if isinstance(data, bool) or (isinstance(data, float) and not data.is_integer()):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


class CountryCodeField(CountryField):
    """A country by its ISO code, given as text (django-countries also reads `{"code": ...}`, and `{}` as blank)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)
