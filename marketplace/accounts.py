"""Shopper accounts: sign-up, a log-in page that slows down password guessing, and log-out."""

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import login, logout
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.contrib.auth.views import LoginView, PasswordResetConfirmView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from marketplace import login_throttle
from marketplace.models import User
from marketplace.same_origin import same_origin_post


class SignupForm(UserCreationForm):
    email = forms.EmailField(required=True, help_text="For order confirmations and password resets.")

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")


class ThrottledLogInMixin:
    """marketplace/login_throttle.py on an authentication form: refused before the password is checked."""

    def clean(self):
        username = self.data.get("username", "")
        refusal = login_throttle.refusal(self.request, username)
        if refusal is not None:
            raise forms.ValidationError(refusal.message, code="locked_out")
        try:
            return super().clean()
        except forms.ValidationError:
            login_throttle.record_failure(self.request, username)
            raise


class ThrottledAuthenticationForm(ThrottledLogInMixin, AuthenticationForm):
    """The shoppers' and sellers' log-in page (refusals answer 429)."""


class ThrottledAdminAuthenticationForm(ThrottledLogInMixin, AdminAuthenticationForm):
    """The admin's log-in page: staff passwords are guessed at too."""


class ThrottledLoginView(LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        login_throttle.record_success(self.request, form.cleaned_data["username"], response)
        return response

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error("__all__", "locked_out"):
            response.status_code = 429
        return response


class ThrottleClearingPasswordResetConfirmView(PasswordResetConfirmView):
    """Setting a new password from the emailed link proves control of the account: its failure counts go."""

    def form_valid(self, form):
        response = super().form_valid(form)
        login_throttle.record_password_reset(self.request, form.user.get_username())
        return response


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user)
        return redirect("home")
    return render(request, "registration/signup.html", {"form": form})


@require_POST
@same_origin_post
@never_cache
def log_out(request: HttpRequest) -> HttpResponse:
    """Log out, then go home. The form is in every page's header, and pages are shared whole per kind of header
    (`shop.page_shell`): the browser's Origin is checked instead of a CSRF token, which would cost every page a
    freshly masked token and a cookie."""
    logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)
