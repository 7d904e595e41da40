"""The signed-in user as every page's header needs them, loaded in the one query Django makes anyway."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connection

from shop.models import SellerMember


class ShopUserBackend(ModelBackend):
    """Django's model backend; the user it loads for a session carries `is_seller` (a member of a seller), so
    the header's "Seller dashboard" link costs no query of its own on every page."""

    def get_user(self, user_id):
        model = get_user_model()
        try:
            pk = model._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        users, members = (connection.ops.quote_name(m._meta.db_table) for m in (model, SellerMember))
        # Plain SQL: it runs on every signed-in request, and the ORM took longer to build it than to run it.
        query = model._default_manager.raw(
            f"SELECT u.*, EXISTS (SELECT 1 FROM {members} m WHERE m.user_id = u.id) AS is_seller "  # noqa: S608
            f"FROM {users} u WHERE u.id = %s",
            [pk],
        )
        user = next(iter(query), None)
        return user if user is not None and self.user_can_authenticate(user) else None
