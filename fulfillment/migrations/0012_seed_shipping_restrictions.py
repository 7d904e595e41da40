# The first rows of the shipping restrictions table: what air and ground services refuse, each with its source.
# Rules as read on 2026-12-03 (secondary reading of the regulations): staff verify them before going live, and
# change them by adding rows in the admin, never by editing these.

import datetime as dt

from django.db import migrations

FROM = dt.date(2025, 1, 1)
IATA = "IATA Dangerous Goods Regulations"
UPU = "UPU Convention art. 19 and Letter Post Regulations RL 131 (dangerous goods in international mail)"
PUB52 = "USPS Publication 52, Hazardous, Restricted, and Perishable Mail"

# hazard, destination, service kind, allowed, note (shown to shoppers), source
RULES = (
    (
        "aerosol", "*", "air", False,
        "Aerosols are dangerous goods in an aircraft, so air services (and every parcel abroad) refuse them.",
        f"{IATA}, UN1950 aerosols (Class 2); {PUB52}, 342 (aerosols: ground only, not mailable abroad); {UPU}",
    ),
    (
        "aerosol", "*", "ground", True,
        "Aerosols may travel by road in small consumer quantities.",
        f"{PUB52}, 342 (consumer aerosols mailable by ground transportation)",
    ),
    (
        "lithium_battery_loose", "*", "air", False,
        "Lithium batteries on their own (power banks, spare cells) are refused on air services.",
        f"{IATA}, Packing Instructions 965 and 968; {PUB52}, 349 (lithium batteries); {UPU}",
    ),
    (
        "lithium_battery_installed", "*", "air", True,
        "Lithium batteries installed in the equipment they power may fly (at most 4 cells or 2 batteries).",
        f"{IATA}, Packing Instructions 967 and 970, Section II; UPU Letter Post Regulations RL 131 "
        "(lithium batteries contained in equipment accepted in international mail)",
    ),
    (
        "lithium_battery_packed", "*", "air", False,
        "Lithium batteries packed beside (not installed in) equipment are refused in international air mail.",
        f"{PUB52}, 349 (international mail: only batteries installed in equipment); {UPU}",
    ),
    (
        "flammable_liquid", "*", "air", False,
        "Flammable liquids (perfume, nail polish, alcohol-based products) are refused on air services.",
        f"{IATA}, Class 3 (UN1266 perfumery products); {PUB52}, 343 (flammable liquids: not mailable abroad); {UPU}",
    ),
    (
        "flammable_liquid", "*", "ground", True,
        "Small quantities of flammable liquids may travel by road.",
        f"{PUB52}, 343 (limited quantities by ground transportation)",
    ),
    (
        "magnetised", "*", "air", False,
        "Strongly magnetised material can disturb aircraft instruments, so air services refuse it.",
        f"{IATA}, Packing Instruction 953 (magnetized material, UN2807, Class 9)",
    ),
)  # fmt: skip


def seed(apps, schema_editor):
    ShippingRestriction = apps.get_model("fulfillment", "ShippingRestriction")
    for hazard, destination, service_kind, allowed, note, source in RULES:
        ShippingRestriction.objects.get_or_create(
            hazard=hazard,
            destination=destination,
            service_kind=service_kind,
            effective_from=FROM,
            defaults={"allowed": allowed, "note": note, "source": source},
        )


def unseed(apps, schema_editor):
    ShippingRestriction = apps.get_model("fulfillment", "ShippingRestriction")
    for hazard, destination, service_kind, *_ in RULES:
        ShippingRestriction.objects.filter(
            hazard=hazard, destination=destination, service_kind=service_kind, effective_from=FROM
        ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("fulfillment", "0011_outbound_line_customs_shipping_restrictions"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
