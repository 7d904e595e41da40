"""Forms of the creator studio: they parse input; the services decide and raise ValidationError."""

from django import forms
from django_countries import countries

from creators.models import Creator, VideoPost


class ProfileForm(forms.Form):
    display_name = forms.CharField(max_length=80)
    bio = forms.CharField(max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 4}))
    country = forms.ChoiceField(choices=[("", "Choose your country"), *countries])
    # A plain file field: the service checks the picture by its content, like product images.
    avatar = forms.FileField(
        required=False,
        help_text="A JPEG, PNG, WebP or GIF picture.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
    )


class ApplyForm(ProfileForm):
    handle = forms.CharField(
        max_length=31,
        help_text="Your address on the site: 3 to 30 lower-case letters, digits, dots or underscores.",
        widget=forms.TextInput(attrs={"autocapitalize": "none", "autocomplete": "username"}),
    )
    field_order = ["handle", "display_name", "bio", "country", "avatar"]


class CaptionForm(forms.Form):
    caption = forms.CharField(
        max_length=VideoPost._meta.get_field("caption").max_length,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Add #hashtags to be found.",
    )


class UploadForm(CaptionForm):
    field_order = ["video", "caption"]

    video = forms.FileField(
        help_text="MP4, MOV or WebM (H.264, HEVC, VP9 or AV1).",
        widget=forms.ClearableFileInput(attrs={"accept": "video/mp4,video/quicktime,video/webm"}),
    )


class TagTimesForm(forms.Form):
    start_seconds = forms.DecimalField(
        label="Start (seconds)",
        min_value=0,
        max_digits=7,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.1"}),
    )
    end_seconds = forms.DecimalField(
        label="End (seconds, optional)",
        required=False,
        min_value=0,
        max_digits=7,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.1"}),
    )
    position_x = forms.IntegerField(label="Across (%, optional)", required=False, min_value=0, max_value=100)
    position_y = forms.IntegerField(label="Down (%, optional)", required=False, min_value=0, max_value=100)


class TagForm(TagTimesForm):
    product = forms.IntegerField(widget=forms.HiddenInput, error_messages={"required": "Choose a product to tag."})
    field_order = ["product", "start_seconds", "end_seconds", "position_x", "position_y"]


class RelinkForm(forms.Form):
    product = forms.IntegerField(widget=forms.HiddenInput, error_messages={"required": "Choose a product."})


class ProductSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=100)


CREATOR_STATUS_MESSAGES = {
    Creator.Status.PENDING: "Your creator profile is awaiting approval; staff will review it soon.",
    Creator.Status.REJECTED: "Your application for a creator profile was not approved.",
    Creator.Status.SUSPENDED: "Your creator profile is suspended: you cannot upload or publish for now.",
}
