"""A seller's customs profile (exporter, address, EORI, VAT and IOSS numbers): checked, and edited by its seller
only, in the dashboard, the seller API and the admin."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from marketplace.tests.factories import UserFactory
from shop.models import SellerCustomsProfile
from shop.services.customs import save_customs_profile
from shop.tests.factories import SellerFactory, SellerMemberFactory
from shop.validators import validate_eori, validate_ioss

pytestmark = pytest.mark.django_db
PROFILE_URL = "/api/v1/seller/customs-profile/"


def profile_data(**overrides) -> dict:
    data = {
        "exporter_name": "Sudsy Botanics Ltd",
        "address_line1": "Unit 3, Paintworks",
        "address_line2": "",
        "city": "Bristol",
        "postal_code": "BS4 3EH",
        "country": "GB",
        "eori_number": "GB123456789000",
        "vat_number": "GB123456789",
        "ioss_number": "",
    }
    return {**data, **overrides}


def _rows() -> list[dict]:
    return list(SellerCustomsProfile.objects.order_by("pk").values())


# ---------------------------------------------------------------- the checks


@pytest.mark.parametrize("number", ["GB123456789000", "DE123456789012345", "gb 1234 5678 9000", "XI1", ""])
def test_an_eori_is_a_country_code_and_up_to_15_letters_or_digits(number):
    validate_eori(number)


@pytest.mark.parametrize("number", ["123456789", "G1234", "DE1234567890123456", "DE"])
def test_a_malformed_eori_is_refused(number):
    with pytest.raises(ValidationError, match="An EORI number is the 2-letter country code"):
        validate_eori(number)


@pytest.mark.parametrize("number", ["IM2760000742", "im 276 000 0742", ""])
def test_an_ioss_number_is_im_and_10_digits(number):
    validate_ioss(number)


@pytest.mark.parametrize("number", ["IM276000074", "IM27600007421", "EU2760000742", "IMABCDEFGHIJ"])
def test_a_malformed_ioss_number_is_refused(number):
    with pytest.raises(ValidationError, match="An IOSS number is IM and 10 digits"):
        validate_ioss(number)


def test_the_service_stores_tax_numbers_as_customs_read_them():
    seller = SellerFactory()

    profile = save_customs_profile(
        seller=seller, data=profile_data(eori_number="gb 1234-5678.9000", ioss_number="im 276 000 0742")
    )

    assert (profile.eori_number, profile.ioss_number) == ("GB123456789000", "IM2760000742")
    again = save_customs_profile(seller=seller, data={"city": "Bath"})
    assert (again.pk, again.city, again.exporter_name) == (profile.pk, "Bath", "Sudsy Botanics Ltd")


def test_the_service_refuses_a_whole_bad_profile_and_saves_nothing():
    with pytest.raises(ValidationError) as refused:
        save_customs_profile(
            seller=SellerFactory(), data=profile_data(country="XX", eori_number="123", ioss_number="IM1")
        )

    assert set(refused.value.message_dict) == {"country", "eori_number", "ioss_number"}
    assert not SellerCustomsProfile.objects.exists()


# ---------------------------------------------------------------- the dashboard


def test_the_dashboard_page_starts_from_the_sellers_name_and_saves_the_profile(seller_client):
    url = reverse("dashboard:customs-profile")

    page = seller_client.get(url)
    response = seller_client.post(url, profile_data(eori_number="gb123456789000"))

    assert page.status_code == 200
    assert page.context["form"]["exporter_name"].value() == seller_client.seller.name
    assert response.status_code == 302
    profile = SellerCustomsProfile.objects.get(seller=seller_client.seller)
    assert (profile.exporter_name, profile.eori_number, profile.country.code) == (
        "Sudsy Botanics Ltd",
        "GB123456789000",
        "GB",
    )


def test_bad_input_in_the_dashboard_is_a_form_error_and_changes_nothing(seller_client):
    save_customs_profile(seller=seller_client.seller, data=profile_data())
    before = _rows()

    response = seller_client.post(
        reverse("dashboard:customs-profile"), profile_data(eori_number="12345", ioss_number="IM12", country="XX")
    )

    errors = response.context["form"].errors
    assert response.status_code == 200
    assert errors["eori_number"] == [
        "An EORI number is the 2-letter country code and up to 15 letters or digits, e.g. DE123456789012345."
    ]
    assert errors["ioss_number"] == ["An IOSS number is IM and 10 digits, e.g. IM2760000742."]
    assert "country" in errors
    assert _rows() == before


def test_a_seller_sees_and_edits_only_their_own_profile(client):
    mine, theirs = SellerMemberFactory(), SellerMemberFactory()
    save_customs_profile(seller=theirs.seller, data=profile_data(exporter_name="Not Yours Ltd"))
    client.force_login(mine.user)

    page = client.get(reverse("dashboard:customs-profile")).content.decode()
    client.post(reverse("dashboard:customs-profile"), profile_data(exporter_name="Mine Ltd"))

    assert "Not Yours Ltd" not in page
    assert SellerCustomsProfile.objects.get(seller=theirs.seller).exporter_name == "Not Yours Ltd"
    assert SellerCustomsProfile.objects.get(seller=mine.seller).exporter_name == "Mine Ltd"


def test_only_seller_members_reach_the_page(client):
    anonymous = client.get(reverse("dashboard:customs-profile"))
    client.force_login(UserFactory())
    shopper = client.get(reverse("dashboard:customs-profile"))

    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    assert shopper.status_code == 403


# ---------------------------------------------------------------- the seller API


def test_the_api_creates_shows_and_changes_the_profile(seller_api_client):
    missing = seller_api_client.get(PROFILE_URL)
    created = seller_api_client.put(PROFILE_URL, profile_data(vat_number="gb 123 456 789"), format="json")
    replaced = seller_api_client.put(PROFILE_URL, profile_data(city="Bath"), format="json")
    patched = seller_api_client.patch(PROFILE_URL, {"ioss_number": "IM2760000742"}, format="json")
    shown = seller_api_client.get(PROFILE_URL)

    assert missing.status_code == 404
    assert missing.json() == {"code": "not_found", "message": "You have no customs profile yet: PUT one.", "fields": {}}
    assert (created.status_code, replaced.status_code, patched.status_code) == (201, 200, 200)
    assert created.json()["vat_number"] == "GB123456789"
    body = shown.json()
    body.pop("updated_at")
    assert body == profile_data(city="Bath", ioss_number="IM2760000742")
    assert SellerCustomsProfile.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (profile_data(eori_number="123"), {"eori_number": [
            "An EORI number is the 2-letter country code and up to 15 letters or digits, e.g. DE123456789012345."]}),
        (profile_data(ioss_number="IM123"), {"ioss_number": [
            "An IOSS number is IM and 10 digits, e.g. IM2760000742."]}),
        (profile_data(country="XX"), {"country": ['"XX" is not a valid choice.']}),
        ({"exporter_name": "Ltd"}, {
            "address_line1": ["This field is required."],
            "city": ["This field is required."],
            "country": ["This field is required."],
        }),
    ],
)  # fmt: skip
def test_bad_input_through_the_api_is_a_400_with_field_errors_and_changes_nothing(seller_api_client, body, fields):
    save_customs_profile(seller=seller_api_client.seller, data=profile_data())
    before = _rows()

    response = seller_api_client.put(PROFILE_URL, body, format="json")

    assert response.status_code == 400
    assert response.json() == {"code": "invalid", "message": f"Invalid input: {', '.join(fields)}.", "fields": fields}
    assert _rows() == before


def test_the_api_shows_each_seller_only_their_own_profile(seller_api_client):
    save_customs_profile(seller=SellerMemberFactory().seller, data=profile_data(exporter_name="Not Yours Ltd"))

    shown = seller_api_client.get(PROFILE_URL)
    patched = seller_api_client.patch(PROFILE_URL, {"city": "Bath"}, format="json")

    assert (shown.status_code, patched.status_code) == (404, 404)
    assert SellerCustomsProfile.objects.get().city == "Bristol"


@pytest.mark.parametrize("method", ["get", "put", "patch"])
def test_anonymous_and_non_members_are_refused_403(api_client, method):
    anonymous = getattr(api_client, method)(PROFILE_URL, profile_data(), format="json")
    api_client.force_authenticate(UserFactory())
    shopper = getattr(api_client, method)(PROFILE_URL, profile_data(), format="json")

    assert (anonymous.status_code, shopper.status_code) == (403, 403)
    assert not SellerCustomsProfile.objects.exists()


# ---------------------------------------------------------------- the admin


def _seller_form(seller, **profile) -> dict:
    data = {
        "name": seller.name,
        "slug": seller.slug,
        "description": "",
        "country": "US",
        "support_email": seller.support_email,
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "customs_profile-TOTAL_FORMS": "1",
        "customs_profile-INITIAL_FORMS": "0",
    }
    data.update({f"customs_profile-0-{name}": value for name, value in profile.items()})
    return data


def test_staff_set_a_sellers_customs_profile_inline(staff_client):
    seller = SellerFactory()
    url = reverse("admin:shop_seller_change", args=[seller.pk])

    refused = staff_client.post(url, _seller_form(seller, **profile_data(eori_number="12")))
    saved = staff_client.post(url, _seller_form(seller, **profile_data(eori_number="gb123456789000")))

    assert refused.status_code == 200
    assert "An EORI number is the 2-letter country code" in refused.content.decode()
    assert saved.status_code == 302
    assert SellerCustomsProfile.objects.get(seller=seller).eori_number == "GB123456789000"


def test_the_seller_changelist_costs_the_same_queries_with_profiles(assert_changelist_queries_constant):
    def sellers_with_profiles(count: int) -> None:
        for _ in range(count):
            save_customs_profile(seller=SellerFactory(), data=profile_data())

    assert_changelist_queries_constant(reverse("admin:shop_seller_changelist"), sellers_with_profiles)
