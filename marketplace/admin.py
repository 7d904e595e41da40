from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .accounts import ThrottledAdminAuthenticationForm
from .models import User

admin.site.login_form = ThrottledAdminAuthenticationForm


@admin.register(User)
class MarketplaceUserAdmin(UserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "is_staff", "is_active", "date_joined")
    readonly_fields = ("last_login", "date_joined")
