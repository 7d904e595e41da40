"""The return request form: a quantity per returnable line, a reason, photos and a comment.

The form checks only the shape of what was sent (a listed quantity, a listed reason, files); whether it
may be returned, and whether photos are needed, is the returns service's to say (`refuse`).
"""

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from shop.models import ReturnRequest
from shop.services.returns import SHOPPER_REASONS, ReturnableLine, ReturnNotAllowed
from shop.templatetags.catalog import money

PHOTO_REASONS = [ReturnRequest.Reason(reason).label for reason in settings.RETURNS_PHOTO_REQUIRED_REASONS]


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Any number of files under one name (the service counts and checks them)."""

    widget = MultipleFileInput

    def clean(self, data, initial=None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else [data]
        cleaned = []
        for file in files:
            if file:
                cleaned.append(super().clean(file, initial))
        return cleaned


def line_field_name(line_id: int) -> str:
    return f"line_{line_id}"


def _line_help(row: ReturnableLine) -> str:
    line = row.line
    words = f"{money(line.unit_price, line.currency)} each · up to {row.returnable} can be returned"
    return f"{words}, until {row.window_ends:%-d %b %Y}." if row.window_ends else f"{words}."


class ReturnRequestForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why are you sending it back?",
        choices=[(reason.value, reason.label) for reason in SHOPPER_REASONS],
        widget=forms.RadioSelect,
        help_text=f"For “{'” and “'.join(PHOTO_REASONS)}”, add at least one photo that shows what is wrong.",
    )
    photos = PhotosField(
        label=f"Photos (up to {settings.RETURNS_MAX_PHOTOS})",
        required=False,
        help_text="JPEG, PNG, WebP or GIF pictures.",
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
    )
    comment = forms.CharField(
        label="Anything we should know? (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, data=None, files=None, *, rows: list[ReturnableLine]) -> None:
        super().__init__(data, files, label_suffix="")
        self.rows = [row for row in rows if row.returnable]
        for row in self.rows:
            line = row.line
            self.fields[line_field_name(line.pk)] = forms.TypedChoiceField(
                label=f"{line.product_title} — {line.variant_label}" if line.variant_label else line.product_title,
                choices=[(units, str(units)) for units in range(row.returnable + 1)],
                coerce=int,
                initial=0,
                help_text=_line_help(row),
            )
        self.order_fields([line_field_name(row.line.pk) for row in self.rows])

    @property
    def line_fields(self) -> list[tuple[ReturnableLine, forms.BoundField]]:
        return [(row, self[line_field_name(row.line.pk)]) for row in self.rows]

    def lines(self) -> list[tuple[int, int]]:
        """(order line id, units) as chosen, zeros included (the service ignores them)."""
        return [(row.line.pk, self.cleaned_data[line_field_name(row.line.pk)]) for row in self.rows]

    def refuse(self, error: ReturnNotAllowed) -> None:
        """The service's refusal as an error on the field at fault; the lines' as an error of their group."""
        if error.field == "lines":
            # No single field holds the lines: their errors are kept under "lines" for the fieldset.
            self.errors.setdefault("lines", self.error_class()).append(error.message)
        elif error.field in self.fields:
            self.add_error(error.field, error.message)
        else:
            self.add_error(None, error.message)
