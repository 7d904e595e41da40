"""Distance between a warehouse and a destination, as a small zone table: no geocoding, no network."""

# Zones, nearest first.
SAME_COUNTRY = 0
SAME_REGION = 1
ELSEWHERE = 2

# Postal-code tie-breaker when the first digit is missing or not a digit: after every known one.
UNKNOWN_POSTAL_DISTANCE = 10

# Countries whose postal codes start with a digit that tracks geography (US ZIP: 0 north-east .. 9 west).
POSTAL_DIGIT_COUNTRIES = frozenset({"US"})

_REGIONS: dict[str, str] = {
    "north_america": "US CA MX PR GL BM",
    "central_america_caribbean": "GT BZ SV HN NI CR PA CU DO HT JM BS BB TT",
    "south_america": "AR BO BR CL CO EC GY PY PE SR UY VE",
    "europe": (
        "AD AL AT BA BE BG BY CH CY CZ DE DK EE ES FI FO FR GB GI GR HR HU IE IS IT LI LT LU LV MC MD ME MK "
        "MT NL NO PL PT RO RS SE SI SK SM UA VA XK"
    ),
    "middle_east": "AE BH IL IQ IR JO KW LB OM QA SA SY TR YE",
    "asia": "AF AM AZ BD BN BT CN GE HK ID IN JP KG KH KR KZ LA LK MM MN MO MV MY NP PH PK SG TH TJ TL TM TW UZ VN",
    "oceania": "AU NZ FJ PG NC PF WS TO VU SB",
    "africa": (
        "DZ AO BJ BW BF BI CM CV CF TD KM CD CG CI DJ EG GQ ER SZ ET GA GM GH GN GW KE LS LR LY MG MW ML MR MU "
        "MA MZ NA NE NG RW ST SN SC SL SO ZA SS SD TZ TG TN UG ZM ZW"
    ),
}

# Country (ISO 3166-1 alpha-2) -> region; a country missing here is only ever SAME_COUNTRY or ELSEWHERE.
REGION_OF: dict[str, str] = {country: region for region, codes in _REGIONS.items() for country in codes.split()}


def _normalise(country: object) -> str:
    """An ISO code from a string or a django-countries Country, upper-cased."""
    return str(getattr(country, "code", country) or "").strip().upper()


def zone(origin_country: object, destination_country: object) -> int:
    """The zone between two countries: same country 0, same region 1, otherwise 2."""
    origin, destination = _normalise(origin_country), _normalise(destination_country)
    if origin and origin == destination:
        return SAME_COUNTRY
    region = REGION_OF.get(origin)
    if region is not None and region == REGION_OF.get(destination):
        return SAME_REGION
    return ELSEWHERE


def postal_distance(country: object, origin_postal: str, destination_postal: str) -> int:
    """Within one country, how far apart two postal codes are by their first digit (0 where not meaningful)."""
    if _normalise(country) not in POSTAL_DIGIT_COUNTRIES:
        return 0
    origin, destination = (origin_postal or "").strip()[:1], (destination_postal or "").strip()[:1]
    if not (origin.isdigit() and destination.isdigit()):
        return UNKNOWN_POSTAL_DISTANCE
    return abs(int(origin) - int(destination))


def distance(
    origin_country: object, origin_postal: str, destination_country: object, destination_postal: str
) -> tuple[int, int]:
    """A sortable distance: (zone, postal-digit difference inside the same country), smaller is nearer."""
    zone_ = zone(origin_country, destination_country)
    if zone_ != SAME_COUNTRY:
        return (zone_, 0)
    return (zone_, postal_distance(origin_country, origin_postal, destination_postal))
