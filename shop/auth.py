"""The signed-in user as every page's header needs them, loaded in the one query Django makes anyway."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef

from shop.models import SellerMember


class ShopUserBackend(ModelBackend):
    """Django's model backend; the user it loads for a session carries `is_seller` (a member of a seller), so
    the header's "Seller dashboard" link costs no query of its own on every page."""

    def get_user(self, user_id):
        user = (
            get_user_model()
            ._default_manager.annotate(is_seller=Exists(SellerMember.objects.filter(user=OuterRef("pk"))))
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
