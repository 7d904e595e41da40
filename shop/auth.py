"""The signed-in user as every page's header needs them, loaded in the one query Django makes anyway."""

import functools

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connection

from marketplace.db import planned_cursor
from shop.models import Cart, CartLine, SellerMember


@functools.cache
def _user_sql() -> str:
    """The user's columns, whether they sell and the units in their cart; built once per process."""
    model = get_user_model()
    users, members, carts, lines = (
        connection.ops.quote_name(m._meta.db_table) for m in (model, SellerMember, Cart, CartLine)
    )
    columns = ", ".join(f"u.{connection.ops.quote_name(f.column)}" for f in model._meta.concrete_fields)
    return (
        f"SELECT {columns}, EXISTS (SELECT 1 FROM {members} m WHERE m.user_id = u.id), "  # noqa: S608 (table names)
        f"(SELECT COALESCE(SUM(l.quantity), 0) FROM {lines} l JOIN {carts} c ON c.id = l.cart_id "
        f"WHERE c.user_id = u.id) FROM {users} u WHERE u.id = %s"
    )


@functools.cache
def _attnames() -> list[str]:
    return [field.attname for field in get_user_model()._meta.concrete_fields]


@functools.cache
def _converters() -> list:
    """Per column, what the ORM does to a value read from this database (SQLite's datetimes, for one)."""
    model = get_user_model()

    def converter(field):
        column = field.get_col(model._meta.db_table)
        steps = connection.ops.get_db_converters(column) + field.get_db_converters(connection)

        def convert(value):
            for step in steps:
                value = step(value, column, connection)
            return value

        return convert

    return [converter(field) for field in model._meta.concrete_fields]


class ShopUserBackend(ModelBackend):
    """Django's model backend; the user it loads for a session carries `is_seller` (a member of a seller), so
    the header's "Seller dashboard" link costs no query of its own on every page, and `cart_units`, the units in
    their cart as the request began (`shop.page_shell` shows it on pages that change nothing)."""

    def get_user(self, user_id):
        model = get_user_model()
        try:
            pk = model._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        # Plain SQL, planned once per connection: it runs on every signed-in request, and the ORM took longer to
        # build it than the database to answer.
        with planned_cursor() as cursor:
            cursor.execute(_user_sql(), [pk])
            row = cursor.fetchone()
        if row is None:
            return None
        *values, is_seller, cart_units = row
        user = model.from_db(connection.alias, _attnames(), [
            convert(value) for convert, value in zip(_converters(), values, strict=True)
        ])  # fmt: skip
        user.is_seller, user.cart_units = bool(is_seller), int(cart_units)
        return user if self.user_can_authenticate(user) else None
