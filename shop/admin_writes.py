"""Admin pages whose saves are service calls (the catalog's products and variants, creators' tags).

Their forms ask the service's check functions, so a refusal shows as a form error; their
save_model/save_formset call the service's write functions, which run the same checks again. A
refusal at save time (the rows changed since the form was checked) rolls the whole page back: staff
are sent back to it with the reason, never to a server error.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect


class ServiceWritesAdmin(admin.ModelAdmin):
    """A ModelAdmin whose add and change pages save through services."""

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context=None
    ) -> HttpResponse:
        try:
            # Django runs a POST in one transaction: a refusal raised here has rolled it all back.
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as refused:
            self.message_user(request, f"Nothing was saved: {' '.join(refused.messages)}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


def adopt(instance: Model, saved: Model) -> None:
    """Make the admin's unsaved instance the row a service created (the admin goes on with its own object)."""
    instance.__dict__.update(saved.__dict__)
