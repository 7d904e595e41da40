"""Review forms: they check the shape of what was sent; the reviews service says what is allowed."""

from django import forms
from django.conf import settings

from shop.models import ReviewReport
from shop.returns.forms import MultipleFileInput, PhotosField
from shop.services.reviews import ReviewRefused

STARS = [(str(n), f"{n} star{'s' if n > 1 else ''}") for n in range(5, 0, -1)]


class RefusalMixin:
    def refuse(self, error: ReviewRefused) -> None:
        """The service's refusal as an error on the field at fault, else on the form."""
        self.add_error(error.field if error.field in self.fields else None, error.message)


class ReviewForm(RefusalMixin, forms.Form):
    rating = forms.ChoiceField(label="Your rating", choices=STARS, widget=forms.RadioSelect)
    text = forms.CharField(
        label="Your review",
        max_length=settings.REVIEW_MAX_TEXT_CHARS,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What did you like or not? Other shoppers read this.",
    )
    photos = PhotosField(
        label=f"Photos (up to {settings.REVIEW_MAX_PHOTOS})",
        required=False,
        help_text="JPEG, PNG, WebP or GIF pictures of what you received.",
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
    )
    video = forms.FileField(
        label="Or a short video",
        required=False,
        help_text=(
            f"Instead of photos: an MP4 (H.264) clip of up to {settings.REVIEW_VIDEO_MAX_SECONDS} seconds and "
            f"{settings.REVIEW_VIDEO_MAX_BYTES // (1024 * 1024)} MB, as most phones record."
        ),
        widget=forms.FileInput(attrs={"accept": "video/mp4,video/quicktime,video/webm"}),
    )

    def __init__(self, *args, photo_choices=(), has_video: bool = False, **kwargs) -> None:
        super().__init__(*args, label_suffix="", **kwargs)
        if has_video:
            self.fields["remove_video"] = forms.BooleanField(
                label="Remove your video", required=False, help_text="Or choose another video above to replace it."
            )
        if photo_choices:
            self.fields["remove_photos"] = forms.MultipleChoiceField(
                label="Remove photos", required=False, choices=photo_choices, widget=forms.CheckboxSelectMultiple
            )


class AnswerForm(RefusalMixin, forms.Form):
    text = forms.CharField(
        label="Your answer",
        max_length=settings.REVIEW_MAX_TEXT_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown under the review on your product's page. You can answer once.",
    )


class ReportForm(RefusalMixin, forms.Form):
    reason = forms.ChoiceField(
        label="What is wrong with it?", choices=ReviewReport.Reason.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label="Anything to add? (optional)", required=False, max_length=300)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, label_suffix="", **kwargs)
