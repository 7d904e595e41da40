from django.contrib.auth import views as auth_views
from django.urls import path

from marketplace import accounts

urlpatterns = [
    path("login/", accounts.ThrottledLoginView.as_view(), name="login"),
    path("logout/", accounts.log_out, name="logout"),
    path("signup/", accounts.signup, name="signup"),
    path("password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "reset/<uidb64>/<token>/",
        accounts.ThrottleClearingPasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
