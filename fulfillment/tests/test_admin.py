import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from fulfillment.models import Stock, StockMovement
from fulfillment.services.stock import adjust_stock
from fulfillment.tests.factories import WarehouseFactory, stock_of
from marketplace.tests.factories import UserFactory
from shop.tests.factories import VariantFactory

pytestmark = pytest.mark.django_db


def _warehouses(count: int) -> None:
    for _ in range(count):
        stock_of(VariantFactory(), WarehouseFactory(), quantity=5)


def _stocks(count: int) -> None:
    warehouse = WarehouseFactory()
    for _ in range(count):
        stock_of(VariantFactory(), warehouse, quantity=12)


def _movements(count: int) -> None:
    staff = UserFactory(is_staff=True)
    for _ in range(count):
        adjust_stock(
            warehouse=WarehouseFactory(), variant_id=VariantFactory().pk, change=3, reason="received", by=staff
        )


CHANGELISTS = [
    ("warehouse", _warehouses),
    ("stock", _stocks),
    ("stockmovement", _movements),
]


@pytest.mark.parametrize(("model", "make_rows"), CHANGELISTS)
def test_changelist_query_count_does_not_grow_with_rows(assert_changelist_queries_constant, model, make_rows):
    assert_changelist_queries_constant(reverse(f"admin:fulfillment_{model}_changelist"), make_rows)


@pytest.mark.parametrize("model", ["warehouse", "stock", "stockmovement"])
def test_non_staff_are_sent_to_the_admin_log_in(client, user, model):
    client.force_login(user)

    response = client.get(reverse(f"admin:fulfillment_{model}_changelist"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_warehouse_change_form_shows_its_stock_read_only(staff_client):
    stock = stock_of(VariantFactory(sku="TEE-BLK-M"), quantity=7)

    response = staff_client.get(reverse("admin:fulfillment_warehouse_change", args=[stock.warehouse_id]))

    assert response.status_code == 200
    content = response.content.decode()
    assert "TEE-BLK-M" in content
    assert 'name="stocks-0-quantity"' not in content  # shown, not editable
    assert "Set a stock count here" in content


def test_warehouse_add_form_renders(staff_client):
    assert staff_client.get(reverse("admin:fulfillment_warehouse_add")).status_code == 200


def test_stock_is_read_only_in_the_admin(staff_client):
    stock = stock_of(VariantFactory(), quantity=4)

    view = staff_client.get(reverse("admin:fulfillment_stock_change", args=[stock.pk]))
    edit = staff_client.post(reverse("admin:fulfillment_stock_change", args=[stock.pk]), {"quantity": 99})
    add = staff_client.get(reverse("admin:fulfillment_stock_add"))
    delete = staff_client.post(reverse("admin:fulfillment_stock_delete", args=[stock.pk]), {"post": "yes"})

    assert view.status_code == 200
    assert (edit.status_code, add.status_code, delete.status_code) == (403, 403, 403)
    stock.refresh_from_db()
    assert stock.quantity == 4


def test_staff_cannot_add_change_or_delete_stock_movements(staff_client):
    stock = stock_of(VariantFactory(), quantity=4)
    movement = stock.movements.get()
    changelist = reverse("admin:fulfillment_stockmovement_changelist")

    add = staff_client.get(reverse("admin:fulfillment_stockmovement_add"))
    view = staff_client.get(reverse("admin:fulfillment_stockmovement_change", args=[movement.pk]))
    edit = staff_client.post(reverse("admin:fulfillment_stockmovement_change", args=[movement.pk]), {"reference": "x"})
    delete = staff_client.post(reverse("admin:fulfillment_stockmovement_delete", args=[movement.pk]), {"post": "yes"})
    bulk = staff_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [movement.pk], "index": 0, "post": "yes"}
    )

    assert view.status_code == 200
    assert (add.status_code, edit.status_code, delete.status_code) == (403, 403, 403)
    assert "delete_selected" not in staff_client.get(changelist).content.decode()
    assert bulk.status_code == 200  # an unknown action: the changelist again, with an error
    movement.refresh_from_db()
    assert StockMovement.objects.filter(pk=movement.pk, reference="").exists()


def test_set_stock_action_writes_through_the_service(staff_client, staff_user):
    first = stock_of(VariantFactory(), quantity=4)
    second = stock_of(VariantFactory(), quantity=9)
    changelist = reverse("admin:fulfillment_stock_changelist")

    confirm = staff_client.post(
        changelist, {"action": "set_stock_count", "_selected_action": [first.pk, second.pk], "index": 0}
    )
    response = staff_client.post(
        changelist,
        {
            "action": "set_stock_count",
            "_selected_action": [first.pk, second.pk],
            "apply": "1",
            "quantity": "6",
            "note": "cycle count",
        },
    )

    assert confirm.status_code == 200
    assert "Set the stock count" in confirm.content.decode()
    assert response.status_code == 302
    for stock, change in ((first, 2), (second, -3)):
        stock.refresh_from_db()
        assert stock.quantity == 6
        movement = stock.movements.order_by("-pk").first()
        assert (movement.reason, movement.quantity_change, movement.quantity_after) == ("counted", change, 6)
        assert (movement.by, movement.reference) == (staff_user, "admin: cycle count")


def test_set_stock_action_refuses_to_go_below_allocated(staff_client):
    stock = stock_of(VariantFactory(), quantity=10)
    Stock.objects.filter(pk=stock.pk).update(quantity_allocated=8)  # as an allocation would

    response = staff_client.post(
        reverse("admin:fulfillment_stock_changelist"),
        {"action": "set_stock_count", "_selected_action": [stock.pk], "apply": "1", "quantity": "5", "note": "recount"},
        follow=True,
    )

    assert "Not changed" in response.content.decode()
    stock.refresh_from_db()
    assert stock.quantity == 10


def test_set_stock_page_creates_the_line_with_a_movement(staff_client, staff_user):
    warehouse = WarehouseFactory(code="US-NJ1")
    variant = VariantFactory(sku="MUG-350")
    url = reverse("admin:fulfillment_stock_set")

    page = staff_client.get(f"{url}?warehouse={warehouse.pk}&variant={variant.pk}")
    response = staff_client.post(
        url,
        {
            "warehouse": warehouse.pk,
            "variant": variant.pk,
            "quantity": "25",
            "bin_location": "A01-02-C",
            "note": "found",
        },
    )

    assert page.status_code == 200
    assert 'class="admin-autocomplete' in page.content.decode()  # variants are searched, not listed
    assert f'<option value="{variant.pk}" selected>' in page.content.decode()
    assert response.status_code == 302
    stock = Stock.objects.get(warehouse=warehouse, variant=variant)
    assert (stock.quantity, stock.bin_location) == (25, "A01-02-C")
    movement = stock.movements.get()
    assert (movement.quantity_change, movement.by, movement.reference) == (25, staff_user, "admin: found")


def test_set_stock_page_shows_an_error_below_allocated(staff_client):
    stock = stock_of(VariantFactory(), quantity=10)
    Stock.objects.filter(pk=stock.pk).update(quantity_allocated=8)

    response = staff_client.post(
        reverse("admin:fulfillment_stock_set"),
        {"warehouse": stock.warehouse_id, "variant": stock.variant_id, "quantity": "2", "note": "recount"},
    )

    assert response.status_code == 200
    assert "already allocated" in response.content.decode()
    stock.refresh_from_db()
    assert stock.quantity == 10


def test_set_stock_needs_the_change_stock_permission(client):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_stock"))
    client.force_login(viewer)
    stock = stock_of(VariantFactory(), quantity=3)

    page = client.get(reverse("admin:fulfillment_stock_set"))
    changelist = client.get(reverse("admin:fulfillment_stock_changelist"))
    action = client.post(
        reverse("admin:fulfillment_stock_changelist"),
        {"action": "set_stock_count", "_selected_action": [stock.pk], "apply": "1", "quantity": "50"},
    )

    assert page.status_code == 403
    assert changelist.status_code == 200
    assert "set_stock_count" not in changelist.content.decode()
    assert action.status_code == 200  # not an action this user has: nothing happens
    stock.refresh_from_db()
    assert stock.quantity == 3


def test_staff_change_a_count_only_with_a_reason(staff_client):
    stock = stock_of(VariantFactory(), quantity=10)

    page = staff_client.post(
        reverse("admin:fulfillment_stock_set"),
        {"warehouse": stock.warehouse_id, "variant": stock.variant_id, "quantity": "4", "note": ""},
    )
    action = staff_client.post(
        reverse("admin:fulfillment_stock_changelist"),
        {"action": "set_stock_count", "_selected_action": [stock.pk], "apply": "1", "quantity": "4"},
    )

    assert page.status_code == action.status_code == 200
    assert "This field is required." in page.content.decode() and "This field is required." in action.content.decode()
    stock.refresh_from_db()
    assert stock.quantity == 10 and not stock.movements.exclude(reason="counted", quantity_change=10).exists()


def test_fulfillment_orders_and_backorders_are_listed_read_only(staff_client):
    for model in ("fulfillmentorder", "backorder"):
        assert staff_client.get(reverse(f"admin:fulfillment_{model}_changelist")).status_code == 200
        assert staff_client.get(reverse(f"admin:fulfillment_{model}_add")).status_code == 403
