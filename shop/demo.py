"""The demo shop that `manage.py seed_demo` builds: sellers, a category tree, products with
variants, pictures and stock in our warehouses, and three log-ins.

Everything is planned first from `random.Random(42)` (a pure function of the catalog below), then
written through the same services staff and sellers use, so the demo obeys every rule the real
data does: products are validated, images checked and resized by the media task, stock written
with its ledger. Rows that exist already (by slug, SKU, code or username) are left alone, so a
second run adds nothing.
"""

import io
import itertools
import math
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils.text import slugify
from PIL import Image, ImageDraw, ImageFont

from fulfillment.models import Warehouse
from fulfillment.services.stock import set_stock_quantity
from shop.models import Category, Product, Seller, SellerCustomsProfile, SellerMember
from shop.services.catalog import create_product, create_variant
from shop.services.customs import save_customs_profile
from shop.services.images import add_product_image
from shop.validators import gtin_check_digit

SEED = 42
IMAGE_SIZE = 640  # renditions 320 and 640: sharp on phones, and the seed stays quick
STOCK_REFERENCE = "seed_demo"

# --- log-ins ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    email: str
    first_name: str
    last_name: str
    role: str
    is_superuser: bool = False


DEMO_USERS = (
    DemoUser("admin", "admin-demo-pass", "admin@marketplace.local", "Ada", "Admin", "staff, superuser", True),
    DemoUser("seller", "seller-demo-pass", "mina@glowtheory.example.com", "Mina", "Park", "owner of Glow Theory"),
    DemoUser("shopper", "shopper-demo-pass", "sam.rivera@example.com", "Sam", "Rivera", "shopper"),
)
SELLER_USER, SELLER_USER_SHOP = "seller", "glow-theory"

# --- categories: (slug, name, children) --------------------------------------------------------

CATEGORIES = (
    ("beauty", "Beauty",
     (("skincare", "Skincare"), ("makeup", "Makeup"), ("hair-care", "Hair care"), ("bath-body", "Bath & body"))),
    ("fashion", "Fashion", (("womens-clothing", "Women's clothing"), ("mens-clothing", "Men's clothing"))),
    ("accessories", "Accessories",
     (("bags", "Bags"), ("jewellery", "Jewellery"), ("sunglasses-scarves", "Sunglasses & scarves"))),
    ("home", "Home", (("home-decor", "Decor"), ("bedding", "Bedding"))),
    ("kitchen", "Kitchen", (("cookware", "Cookware"), ("drinkware", "Drinkware"), ("kitchen-tools", "Kitchen tools"))),
    ("fitness", "Fitness", (("yoga", "Yoga"), ("strength-training", "Strength training"))),
    ("tech-accessories", "Tech accessories",
     (("phone-cases", "Phone cases"), ("charging", "Charging"), ("audio", "Audio"))),
    ("pets", "Pets", (("dogs", "Dogs"), ("cats", "Cats"))),
)  # fmt: skip
TOP_OF = {child: top for top, _, children in CATEGORIES for child, _ in children}

# --- warehouses ---------------------------------------------------------------------------------

FC, HUB, RETURNS = (
    Warehouse.Kind.FULFILLMENT_CENTRE,
    Warehouse.Kind.CONSOLIDATION_HUB,
    Warehouse.Kind.RETURNS_CENTRE,
)
WAREHOUSES = (
    # code, name, kind, address line 1, city, region, postal code, country, priority
    ("US-NJ1", "Newark Fulfillment Center", FC, "1100 Doremus Avenue", "Newark", "NJ", "07105", "US", 10),
    ("US-CA1", "Ontario Fulfillment Center", FC, "4100 E Mission Boulevard", "Ontario", "CA", "91761", "US", 10),
    ("US-RET1", "Columbus Returns Center", RETURNS, "6500 Alum Creek Drive", "Columbus", "OH", "43217", "US", 0),
    ("GB-LON1", "London Fulfilment Centre", FC, "Unit 7, Thames Gateway Park", "Dagenham", "Greater London",
     "RM9 6FB", "GB", 5),
    ("GB-RET1", "Midlands Returns Centre", RETURNS, "Unit 4, Prologis Park", "Coventry", "West Midlands",
     "CV6 4QX", "GB", 0),
    ("CN-SZ1", "Shenzhen Fulfillment Center", FC, "18 Pingji Avenue, Pinghu", "Shenzhen", "Guangdong",
     "518111", "CN", 5),
    ("HK-HUB", "Hong Kong Consolidation Hub", HUB, "55 Wing Kei Road, Kwai Chung", "Hong Kong", "New Territories",
     "999077", "HK", 0),
    ("US-LAX-HUB", "Los Angeles Import Hub", HUB, "2250 E Carson Street", "Carson", "CA", "90810", "US", 0),
)  # fmt: skip
# Where a seller's goods are stocked, most likely first (by the seller's country).
STOCKING = {"CN": ("CN-SZ1", "US-CA1", "US-NJ1"), "GB": ("GB-LON1", "US-NJ1", "US-CA1")}
STOCKING_DEFAULT = ("US-NJ1", "US-CA1", "GB-LON1", "CN-SZ1")

# --- sellers and what they sell ----------------------------------------------------------------


@dataclass(frozen=True)
class SellerSpec:
    slug: str
    name: str
    country: str
    sku_prefix: str
    gs1_prefix: str  # 7 digits: GS1 company prefix of the brand's GTINs
    description: str


@dataclass(frozen=True)
class ProductSpec:
    title: str
    category: str
    price: int  # whole dollars; the planned price ends in .99
    options: dict[str, tuple[str, ...]]
    hs_code: str
    origin: str
    customs: str
    weight: int  # grams
    dimensions: tuple[int, int, int]  # mm
    description: str
    size_step: int = 0  # dollars added per larger size


SELLERS = (
    SellerSpec("glow-theory", "Glow Theory", "US", "GLOW", "0850012",
               "Korean-inspired skincare and easy, skin-first makeup, formulated in Seoul and tested on every "
               "skin tone."),
    SellerSpec("sudsy-botanics", "Sudsy Botanics", "GB", "SUDS", "5060433",
               "Small-batch hair and body care made in Bristol with plant oils and recyclable packaging."),
    SellerSpec("thread-and-loom", "Thread & Loom", "US", "TNL", "0850027",
               "Wardrobe staples in natural fabrics, cut to be worn for years rather than a season."),
    SellerSpec("northbound-supply", "Northbound Supply", "GB", "NBS", "5060518",
               "Bags, shades and scarves for city days and long weekends away."),
    SellerSpec("lune-and-co", "Lune & Co", "FR", "LUNE", "3770019",
               "Demi-fine jewellery designed in Paris: gold vermeil, freshwater pearls, nothing that turns green."),
    SellerSpec("casa-calma", "Casa Calma", "PT", "CASA", "5600987",
               "Calm homeware from Portuguese workshops: linen, stoneware, cork and candles."),
    SellerSpec("copper-and-crumb", "Copper & Crumb", "US", "CNC", "0850034",
               "Cookware and kitchen tools for people who cook every day, tested in our own test kitchen."),
    SellerSpec("pulsefit", "PulseFit", "US", "PULSE", "0850041",
               "Home-workout gear and activewear that fits in a small apartment."),
    SellerSpec("voltwise", "Voltwise", "CN", "VOLT", "6975123",
               "Phone cases, chargers and audio from Shenzhen, certified and built to last past the next phone."),
    SellerSpec("good-paws-co", "Good Paws Co.", "US", "PAWS", "0850058",
               "Comfortable, durable gear for dogs and cats, designed with vets and one very picky beagle."),
)  # fmt: skip

APPAREL = ("XS", "S", "M", "L", "XL")

# Each seller's customs profile: exporter, address, tax numbers where registered (demo numbers, in valid formats).
# seller slug -> (exporter name, address line 1, city, postal code, country, EORI, VAT number, IOSS number)
CUSTOMS_PROFILES = {
    "glow-theory": ("Glow Theory Inc.", "2200 Wilshire Boulevard, Suite 400", "Los Angeles", "90057", "US",
                    "", "", "IM8400000142"),
    "sudsy-botanics": ("Sudsy Botanics Ltd", "Unit 3, Paintworks, Bath Road", "Bristol", "BS4 3EH", "GB",
                       "GB123456789000", "GB123456789", ""),
    "thread-and-loom": ("Thread & Loom LLC", "55 Water Street", "Brooklyn", "11201", "US", "", "", "IM8400000217"),
    "northbound-supply": ("Northbound Supply Ltd", "14 Ancoats Street", "Manchester", "M4 6DH", "GB",
                          "GB987654321000", "GB987654321", ""),
    "lune-and-co": ("Lune & Co SAS", "12 rue de Turenne", "Paris", "75004", "FR",
                    "FR12345678900012", "FR32123456789", ""),
    "casa-calma": ("Casa Calma Lda", "Rua das Flores 88", "Porto", "4050-262", "PT",
                   "PT509876543", "PT509876543", ""),
    "copper-and-crumb": ("Copper & Crumb Inc.", "810 Fulton Market", "Chicago", "60607", "US", "", "", ""),
    "pulsefit": ("PulseFit Inc.", "1 Fitness Way", "Austin", "78701", "US", "", "", "IM8400000308"),
    "voltwise": ("Shenzhen Voltwise Technology Co., Ltd.", "Building 6, Nanshan Science Park", "Shenzhen", "518057",
                 "CN", "", "", "IM1560000419"),
    "good-paws-co": ("Good Paws Co.", "400 Bark Avenue", "Portland", "97209", "US", "", "", ""),
}  # fmt: skip

# What carriers restrict, by product title (fulfillment.models.Hazard): the power bank cannot fly (so it is sold
# only where it is stocked, by ground); batteries installed in the equipment may fly.
HAZARDS = {
    "10,000 mAh Magnetic Power Bank": ("lithium_battery_loose",),
    "Wireless Earbuds with ANC": ("lithium_battery_installed",),
    "Bluetooth Shower Speaker": ("lithium_battery_installed",),
    "Mini Massage Gun": ("lithium_battery_installed",),
}


def _p(*args, **kwargs) -> ProductSpec:
    return ProductSpec(*args, **kwargs)


PRODUCTS: dict[str, tuple[ProductSpec, ...]] = {
    "glow-theory": (
        _p("Dew Drop Hyaluronic Serum", "skincare", 24, {"size": ("30 ml", "50 ml")}, "330499", "KR",
           "Facial serum in glass bottle", 120, (45, 45, 120),
           "A weightless serum with three sizes of hyaluronic acid that pulls water into the skin and keeps it there. "
           "Layer it under moisturiser, morning and night.", size_step=10),
        _p("Barrier Repair Ceramide Cream", "skincare", 28, {"size": ("50 ml",)}, "330499", "KR",
           "Facial moisturising cream", 140, (70, 70, 60),
           "A rich but fast-sinking cream with ceramides and panthenol for skin that feels tight, flaky or "
           "over-exfoliated. Fragrance-free."),
        _p("Rice Water Gentle Cleanser", "skincare", 16, {"size": ("150 ml", "300 ml")}, "330499", "KR",
           "Facial cleansing gel", 210, (50, 40, 170),
           "A low-pH gel cleanser with fermented rice water that removes sunscreen and city grime without the squeaky "
           "feeling.", size_step=8),
        _p("Daily Shield SPF 50 Sunscreen", "skincare", 22, {"size": ("50 ml",)}, "330499", "KR",
           "Sunscreen lotion SPF 50", 90, (40, 30, 140),
           "Broad-spectrum SPF 50 with no white cast and a soft, dewy finish that sits well under makeup."),
        _p("Overnight Lip Sleeping Mask", "skincare", 14, {"colour": ("Berry", "Vanilla", "Grapefruit")}, "330410",
           "KR", "Lip care balm", 40, (50, 50, 35),
           "Shea butter and berry extracts melt in overnight so you wake up to soft, smooth lips."),
        _p("Soft Blur Liquid Blush", "makeup", 18,
           {"colour": ("Peach Fizz", "Rose Petal", "Berry Jam", "Coral Sunset")}, "330499", "US",
           "Cheek make-up, liquid", 45, (25, 25, 95),
           "One dot, blended with your fingertips, gives a natural flush that lasts all day. Buildable, never patchy."),
        _p("Velvet Matte Lip Crayon", "makeup", 15, {"colour": ("Brick", "Nude Rose", "Classic Red", "Plum")},
           "330410", "US", "Lipstick in crayon form", 20, (15, 15, 130),
           "A comfortable matte lip colour in a twist-up crayon: sharp enough to line, soft enough to fill in."),
        _p("Lash Lift Tubing Mascara", "makeup", 21, {"colour": ("Black", "Brown-black")}, "330420", "KR",
           "Eye make-up, mascara", 35, (20, 20, 140),
           "Tubing formula that lifts and separates, then slides off with warm water. No smudging, no panda eyes."),
        _p("Skin Tint with SPF 30", "makeup", 32, {"colour": ("Fair", "Light", "Medium", "Deep")}, "330499", "KR",
           "Tinted moisturiser SPF 30", 60, (35, 35, 120),
           "Sheer, skin-like coverage with hydrating squalane and SPF 30. Evens out tone while your freckles "
           "still show."),
    ),
    "sudsy-botanics": (
        _p("Rosemary Scalp Strengthening Oil", "hair-care", 26, {"size": ("50 ml", "100 ml")}, "330590", "GB",
           "Hair and scalp oil", 150, (40, 40, 120),
           "Rosemary, peppermint and castor oil in a dropper bottle. Massage into the scalp twice a week "
           "before washing.",
           size_step=12),
        _p("Argan Repair Shampoo Bar", "hair-care", 13, {"size": ("85 g",)}, "330510", "GB", "Solid shampoo bar",
           95, (70, 70, 30),
           "Lathers like a liquid shampoo, lasts for up to 80 washes and comes in a compostable box."),
        _p("Curl Defining Cream", "hair-care", 18, {"size": ("200 ml", "400 ml")}, "330590", "GB",
           "Hair styling cream", 240, (55, 55, 160),
           "Defines curls and coils without crunch, with shea butter and flaxseed gel for soft hold.", size_step=9),
        _p("Heatless Curling Rod Kit", "hair-care", 17, {"colour": ("Champagne", "Blush pink", "Black")}, "961590",
           "CN", "Satin hair curling rod with clips", 120, (250, 120, 40),
           "Wrap damp hair around the satin rod before bed and wake up to bouncy curls with no heat damage."),
        _p("Oat Milk Body Wash", "bath-body", 14, {"size": ("250 ml", "500 ml")}, "340130", "GB", "Liquid body wash",
           300, (60, 50, 190),
           "A creamy, soap-free wash with colloidal oat that calms dry and itchy skin. Gentle enough for every day.",
           size_step=8),
        _p("Sea Salt Body Scrub", "bath-body", 22, {"scent": ("Eucalyptus", "Grapefruit", "Lavender")}, "330730",
           "GB", "Body scrub, bath preparation", 380, (90, 90, 80),
           "Cornish sea salt in sweet almond oil buffs away rough patches and leaves a light, non-greasy glow."),
        _p("Shea Butter Hand Cream Trio", "bath-body", 18, {"size": ("3 x 30 ml",)}, "330499", "GB",
           "Hand cream, set of three", 130, (120, 80, 30),
           "Three pocket tubes in rose, fig and unscented. Absorbs in seconds, so you can type straight after."),
    ),
    "thread-and-loom": (
        _p("Ribbed Square-Neck Bodysuit", "womens-clothing", 34,
           {"colour": ("Black", "Cream", "Sage"), "size": APPAREL[:4]}, "611420", "VN",
           "Women's knitted cotton bodysuit", 180, (250, 200, 20),
           "Stretch-cotton rib with a flattering square neckline and snap closure. Tucks in cleanly, every time."),
        _p("Linen Blend Wide-Leg Trousers", "womens-clothing", 58,
           {"colour": ("Oat", "Black", "Olive"), "size": APPAREL[:4]}, "620469", "IN",
           "Women's woven linen-blend trousers", 320, (300, 250, 30),
           "Breezy wide-leg trousers with an elastic back waist and deep pockets. Softens with every wash."),
        _p("Oversized Cotton Poplin Shirt", "womens-clothing", 48,
           {"colour": ("White", "Blue stripe"), "size": ("XS", "S", "M", "L")}, "620630", "IN",
           "Women's woven cotton shirt", 240, (300, 250, 25),
           "Crisp organic-cotton poplin in a relaxed cut. Wear it buttoned, knotted or open over a tank."),
        _p("Satin Slip Midi Skirt", "womens-clothing", 44,
           {"colour": ("Champagne", "Chocolate", "Emerald"), "size": APPAREL[:4]}, "620453", "CN",
           "Women's woven satin skirt", 200, (300, 220, 20),
           "A bias-cut satin skirt that skims rather than clings, with a hidden elastic waist."),
        _p("Cropped Knit Cardigan", "womens-clothing", 52,
           {"colour": ("Oat", "Powder blue", "Cherry"), "size": ("XS", "S", "M", "L")}, "611030", "CN",
           "Women's knitted cardigan", 330, (300, 250, 40),
           "A soft, cropped cardigan with pearly buttons. Layers over dresses and high-rise jeans."),
        _p("High-Rise Straight Jeans", "womens-clothing", 68,
           {"colour": ("Mid wash", "Black"), "size": ("24", "26", "28", "30", "32")}, "620462", "MX",
           "Women's cotton denim trousers", 650, (350, 280, 40),
           "Rigid 100% cotton denim that moulds to you, with a high rise and a straight leg that hits at the ankle."),
        _p("Heavyweight Boxy T-Shirt", "mens-clothing", 28,
           {"colour": ("Black", "White", "Washed olive"), "size": APPAREL[1:]}, "610910", "PT",
           "Men's knitted cotton T-shirt", 260, (300, 250, 20),
           "Dense 240 gsm Portuguese cotton in a boxy fit with a ribbed collar that keeps its shape."),
        _p("Brushed Fleece Hoodie", "mens-clothing", 64,
           {"colour": ("Heather grey", "Navy", "Forest"), "size": APPAREL[1:]}, "611020", "PT",
           "Men's knitted cotton hooded sweatshirt", 650, (350, 300, 60),
           "A heavyweight hoodie brushed soft inside, with a double-layer hood and no drawcords to lose."),
        _p("Relaxed Chino Trousers", "mens-clothing", 59,
           {"colour": ("Khaki", "Navy", "Stone"), "size": ("30", "32", "34", "36")}, "620342", "BD",
           "Men's woven cotton trousers", 480, (350, 280, 35),
           "Garment-dyed cotton twill chinos with a relaxed, tapered leg and a touch of stretch."),
        _p("Merino Crew Socks 3-Pack", "mens-clothing", 24, {"size": ("S/M", "L/XL")}, "611594", "PT",
           "Knitted wool socks, three pairs", 150, (200, 120, 40),
           "Fine merino socks that stay warm, dry and odour-free through long days on your feet."),
        _p("Quilted Overshirt Jacket", "mens-clothing", 89, {"colour": ("Olive", "Black"), "size": APPAREL[1:]},
           "620193", "CN", "Men's quilted jacket, man-made fibres", 700, (380, 300, 60),
           "A lightly padded overshirt with snap buttons: a jacket in spring, a layer under a coat in winter."),
    ),
    "northbound-supply": (
        _p("Everyday Canvas Tote", "bags", 32, {"colour": ("Natural", "Black", "Forest")}, "420222", "IN",
           "Tote bag, outer surface of cotton canvas", 420, (420, 380, 20),
           "Heavy cotton canvas with an inside zip pocket and straps long enough to wear over a coat."),
        _p("Mini Crossbody Phone Bag", "bags", 38, {"colour": ("Black", "Tan", "Sage")}, "420229", "CN",
           "Small shoulder bag of plant-based leather", 210, (190, 110, 40),
           "Fits your phone, cards and keys, with an adjustable strap and a magnetic flap."),
        _p("Recycled Nylon Belt Bag", "bags", 29, {"colour": ("Black", "Stone", "Cobalt")}, "420292", "VN",
           "Belt bag, outer surface of nylon", 180, (250, 130, 50),
           "Water-resistant recycled nylon with two zip pockets. Wear it at the waist or across the chest."),
        _p("Weekend Duffel Bag", "bags", 96, {"colour": ("Black", "Olive")}, "420292", "CN",
           "Travel bag, outer surface of polyester", 1300, (520, 300, 280),
           "A 40-litre duffel with a shoe compartment and a trolley sleeve. Fits most airlines' cabin limits."),
        _p("Retro Oval Sunglasses", "sunglasses-scarves", 29, {"colour": ("Black", "Tortoise", "Cream")}, "900410",
           "CN", "Sunglasses, UV400", 90, (160, 70, 50),
           "Nineties oval frames with UV400 lenses and a hard case. Small enough not to swallow your face."),
        _p("Polarised Aviator Sunglasses", "sunglasses-scarves", 45, {"colour": ("Gold / green", "Silver / grey")},
           "900410", "CN", "Sunglasses, polarised", 95, (160, 70, 50),
           "Lightweight metal aviators with polarised lenses that cut glare on water and snow."),
        _p("Silk Twill Bandana Scarf", "sunglasses-scarves", 34, {"colour": ("Paisley", "Polka dot", "Floral")},
           "621410", "CN", "Scarf of silk", 40, (150, 100, 10),
           "A 55 cm square of pure silk twill. Wear it in your hair, on your bag or knotted at the neck."),
    ),
    "lune-and-co": (
        _p("Gold Vermeil Huggie Hoops", "jewellery", 42, {"size": ("12 mm", "16 mm")}, "711311", "TH",
           "Earrings of gold-plated sterling silver", 15, (60, 60, 25),
           "Chunky little hoops in thick 18k gold vermeil over sterling silver. Hypoallergenic, fine to sleep in.",
           size_step=8),
        _p("Freshwater Pearl Drop Necklace", "jewellery", 48, {"size": ("40 cm", "45 cm")}, "711610", "CN",
           "Necklace of freshwater pearl on gold-plated silver", 20, (70, 70, 25),
           "A single baroque freshwater pearl on a fine vermeil chain. Every pearl is a little different."),
        _p("Stackable Signet Ring", "jewellery", 36, {"colour": ("Gold", "Silver"), "size": ("5", "6", "7", "8")},
           "711719", "CN", "Ring of plated brass", 10, (50, 50, 25),
           "A slim signet made to stack, in recycled brass plated with a thick layer of gold or rhodium."),
        _p("Claw Clip Set of 4", "jewellery", 16, {"colour": ("Tortoise", "Neutrals")}, "961511", "CN",
           "Hair clips of plastic, set of four", 90, (150, 100, 50),
           "Four matte claw clips in two sizes with a strong spring. Holds thick hair without slipping."),
    ),
    "casa-calma": (
        _p("Hand-Poured Soy Candle", "home-decor", 26, {"scent": ("Fig & cedar", "Sea salt & sage", "Amber")},
           "340600", "PT", "Candle of soy wax in glass jar", 420, (85, 85, 95),
           "Soy wax with a cotton wick in a reusable amber jar. About 45 hours of slow, clean burn."),
        _p("Ribbed Ceramic Bud Vase", "home-decor", 22, {"colour": ("Chalk", "Terracotta", "Sage")}, "691390", "PT",
           "Ornamental vase of ceramic", 380, (90, 90, 160),
           "Thrown by hand in a family workshop near Caldas da Rainha. Holds a single stem or a small bunch."),
        _p("Boucle Throw Pillow Cover", "home-decor", 29,
           {"colour": ("Ivory", "Oat"), "size": ("45 x 45 cm", "50 x 50 cm")}, "630499", "IN",
           "Cushion cover, woven", 230, (300, 250, 30),
           "A nubbly boucle cover with a hidden zip. Insert not included.", size_step=5),
        _p("Woven Jute Storage Basket", "home-decor", 34, {"size": ("S", "M", "L")}, "460219", "BD",
           "Basket of plaited jute", 600, (300, 300, 250),
           "Sturdy hand-woven jute with cotton handles for blankets, toys or the laundry.", size_step=10),
        _p("Arched Wall Mirror", "home-decor", 119, {"colour": ("Brass", "Black")}, "700992", "CN",
           "Framed glass wall mirror", 4200, (900, 500, 30),
           "A 50 x 90 cm arched mirror in a slim metal frame. Hangs portrait or leans against the wall."),
        _p("Stonewashed Linen Duvet Cover", "bedding", 149,
           {"colour": ("Natural", "Sage", "Terracotta"), "size": ("Queen", "King")}, "630239", "PT",
           "Duvet cover of linen", 1400, (350, 300, 80),
           "Pure European flax linen, stonewashed so it is soft from the first night, with coconut-button closure.",
           size_step=20),
        _p("Bamboo Lyocell Sheet Set", "bedding", 129,
           {"colour": ("White", "Stone"), "size": ("Full", "Queen", "King")}, "630232", "CN",
           "Bed sheet set of lyocell", 1600, (350, 300, 90),
           "Cool, silky sheets that stay breathable on hot nights. Fitted sheet, flat sheet and two pillowcases.",
           size_step=15),
        _p("Waffle Knit Throw Blanket", "bedding", 68, {"colour": ("Oat", "Sage", "Clay")}, "630130", "PT",
           "Blanket of cotton", 900, (400, 300, 100),
           "A generous 130 x 180 cm cotton waffle throw that gets softer every wash."),
        _p("Mulberry Silk Pillowcase", "bedding", 45, {"colour": ("Champagne", "Blush", "Slate")}, "630299", "CN",
           "Pillowcase of silk", 110, (250, 200, 20),
           "22 momme mulberry silk that is kind to hair and skin. Envelope closure, machine washable."),
    ),
    "copper-and-crumb": (
        _p("Pre-Seasoned Cast Iron Skillet", "cookware", 39, {"size": ("10 in", "12 in")}, "732391", "CN",
           "Cast iron frying pan, not enamelled", 2500, (480, 270, 60),
           "Seasoned with flaxseed oil and ready to use. Sears, bakes and goes from hob to oven to table.",
           size_step=12),
        _p("Nonstick Ceramic Frying Pan", "cookware", 49, {"size": ("8 in", "10 in", "12 in")}, "761510", "CN",
           "Aluminium frying pan with ceramic coating", 1100, (460, 270, 55),
           "A PTFE-free ceramic coating on a heavy aluminium base that heats evenly on gas, electric and induction.",
           size_step=10),
        _p("Enamelled Dutch Oven 5.5 qt", "cookware", 129, {"colour": ("Cream", "Sage", "Cherry")}, "732392", "CN",
           "Enamelled cast iron casserole", 5400, (330, 280, 170),
           "For braises, bread and big pots of soup. The light enamel interior shows you exactly how things "
           "are browning."),
        _p("Stainless Steel Mixing Bowls Set", "cookware", 34, {"size": ("Set of 3",)}, "732393", "IN",
           "Kitchen bowls of stainless steel", 900, (280, 280, 120),
           "Three nesting bowls with non-slip bases and lids that snap on for the fridge."),
        _p("Insulated Steel Water Bottle", "drinkware", 29,
           {"colour": ("Lagoon", "Matte black", "Sand"), "size": ("600 ml", "950 ml")}, "961700", "CN",
           "Vacuum-insulated bottle of stainless steel", 400, (80, 80, 270),
           "Keeps water cold for 24 hours and coffee hot for 12. Leakproof lid with a carry loop.", size_step=6),
        _p("Double-Wall Glass Coffee Mugs (Set of 2)", "drinkware", 24, {"size": ("250 ml", "350 ml")}, "701337",
           "CN", "Drinking glasses of borosilicate glass", 450, (200, 110, 120),
           "Mouth-blown borosilicate glass that keeps drinks hot and hands cool, and makes a latte look its best.",
           size_step=4),
        _p("Stoneware Pour-Over Coffee Set", "drinkware", 54, {"colour": ("Speckled white", "Charcoal")}, "691200",
           "PT", "Ceramic coffee dripper and carafe", 1200, (200, 160, 220),
           "A glazed stoneware dripper on a matching 600 ml carafe. Uses standard #2 filters."),
        _p("Reusable Iced Coffee Cup with Straw", "drinkware", 19, {"colour": ("Clear", "Smoke", "Pink")}, "392410",
           "CN", "Drinking cup of plastics", 160, (95, 95, 180),
           "A 700 ml BPA-free tumbler with a screw lid and a straw cleaner. Fits most car cup holders."),
        _p("Japanese Steel Chef's Knife 8 in", "kitchen-tools", 89, {"size": ("8 in",)}, "821192", "JP",
           "Kitchen knife with fixed blade", 220, (340, 60, 25),
           "A thin, hard AUS-10 steel blade forged in Seki. Light, sharp and easy to sharpen again."),
        _p("Acacia Wood Cutting Board", "kitchen-tools", 42, {"size": ("M", "L")}, "441990", "VN",
           "Cutting board of wood", 1500, (450, 300, 25),
           "End-grain acacia with a juice groove. Gentle on knives and handsome enough to serve on.", size_step=14),
        _p("Silicone Utensil Set (6 pieces)", "kitchen-tools", 28, {"colour": ("Sage", "Black", "Oat")}, "392410",
           "CN", "Kitchen utensils of silicone", 480, (330, 120, 60),
           "Spatula, spoonula, turner, ladle, slotted spoon and tongs. Heat-safe to 230 °C and kind to nonstick."),
        _p("Digital Kitchen Scale", "kitchen-tools", 25, {"colour": ("White", "Black")}, "842381", "CN",
           "Electronic kitchen scale, up to 5 kg", 600, (220, 180, 30),
           "Weighs to the gram up to 5 kg, with a tare button and a backlit screen. USB-C rechargeable."),
    ),
    "pulsefit": (
        _p("Cork Yoga Mat 5 mm", "yoga", 78, {"size": ("183 x 61 cm",)}, "950691", "PT",
           "Yoga mat of cork and natural rubber", 2300, (620, 120, 120),
           "Portuguese cork on natural rubber: grippier the more you sweat, naturally antimicrobial."),
        _p("Non-Slip Yoga Mat 6 mm", "yoga", 44, {"colour": ("Sage", "Lilac", "Charcoal")}, "950691", "CN",
           "Yoga mat of TPE", 1100, (620, 120, 120),
           "Extra cushioning for knees and wrists, with alignment lines and a carry strap."),
        _p("Seamless High-Waist Leggings", "yoga", 54,
           {"colour": ("Black", "Mocha", "Deep teal"), "size": APPAREL[:4]}, "610463", "VN",
           "Women's knitted leggings, synthetic fibres", 220, (250, 200, 25),
           "Squat-proof, sweat-wicking and seamless, with a high waistband that stays put."),
        _p("Cotton Yoga Strap & Block Set", "yoga", 26, {"colour": ("Natural",)}, "950691", "IN",
           "Yoga block of cork and cotton strap", 700, (230, 150, 100),
           "A cork block and a 2.5 m cotton strap to deepen stretches and make poses accessible."),
        _p("Fabric Resistance Bands Set", "strength-training", 24, {"colour": ("Pastel", "Bold")}, "950691", "CN",
           "Exercise resistance bands of fabric, set of three", 300, (200, 150, 50),
           "Three non-roll fabric loop bands in light, medium and heavy for glutes, legs and warm-ups."),
        _p("Adjustable Dumbbell 25 lb", "strength-training", 149, {"size": ("5-25 lb",)}, "950691", "CN",
           "Adjustable dumbbell", 11500, (400, 200, 200),
           "Turn the dial to go from 5 to 25 lb in seconds. Replaces nine dumbbells in one tray."),
        _p("Weighted Jump Rope", "strength-training", 22, {"colour": ("Black", "Coral")}, "950691", "CN",
           "Skipping rope with weighted handles", 450, (200, 150, 60),
           "Ball-bearing handles with removable weights and a tangle-free, adjustable cable."),
        _p("Mini Massage Gun", "strength-training", 79, {"colour": ("Graphite", "Sand")}, "901910", "CN",
           "Handheld massage apparatus", 500, (160, 120, 60),
           "Palm-sized percussion massager with four heads and five speeds. Quiet enough for the office."),
    ),
    "voltwise": (
        _p("Clear MagSafe Phone Case", "phone-cases", 24,
           {"model": ("iPhone 15", "iPhone 15 Pro", "iPhone 16", "iPhone 16 Pro")}, "392690", "CN",
           "Mobile phone case of plastics", 45, (170, 90, 20),
           "Anti-yellowing clear case with a built-in magnet ring and raised edges around camera and screen."),
        _p("Silicone Phone Case with Card Slot", "phone-cases", 19,
           {"colour": ("Sage", "Black", "Lilac"), "model": ("iPhone 16", "Galaxy S24")}, "392690", "CN",
           "Mobile phone case of silicone", 50, (170, 90, 20),
           "Soft-touch silicone with a microfibre lining and a slot that holds two cards."),
        _p("Crossbody Phone Lanyard", "phone-cases", 16, {"colour": ("Black", "Sand", "Cobalt")}, "630790", "CN",
           "Phone strap of woven polyester", 30, (150, 90, 20),
           "An adjustable woven strap with a clear patch that fits under any case. Hands free, phone safe."),
        _p("3-in-1 Foldable Wireless Charger", "charging", 59, {"colour": ("White", "Black")}, "850440", "CN",
           "Wireless charger, static converter", 280, (140, 90, 40),
           "Charges phone, watch and earbuds at once, then folds flat for travel. Adapter included."),
        _p("65W GaN USB-C Wall Charger", "charging", 39, {"colour": ("White",)}, "850440", "CN",
           "Power adapter, static converter", 120, (60, 60, 35),
           "Two USB-C ports and one USB-A in a charger the size of a matchbox. Powers a laptop and a phone together."),
        _p("Braided USB-C Cable 2 m", "charging", 14, {"colour": ("Black", "White", "Lavender")}, "854442", "CN",
           "Insulated electric cable with connectors", 60, (120, 80, 25),
           "A 240 W braided cable tested to 30,000 bends, with a strap to keep it tidy."),
        _p("10,000 mAh Magnetic Power Bank", "charging", 45, {"colour": ("Black", "Sand", "Blue")}, "850760",
           "CN", "Lithium-ion battery pack", 210, (105, 70, 20),
           "Snaps onto the back of your phone and charges it wirelessly, or by cable through USB-C."),
        _p("Wireless Earbuds with ANC", "audio", 79, {"colour": ("Black", "White", "Sage")}, "851830", "CN",
           "Wireless earphones", 80, (80, 80, 40),
           "Active noise cancelling, 30 hours with the case and a snug fit in three tip sizes."),
        _p("Bluetooth Shower Speaker", "audio", 29, {"colour": ("Blue", "Coral")}, "851821", "CN",
           "Wireless loudspeaker, waterproof", 250, (100, 100, 60),
           "Waterproof to IP67 with a suction cup and 10 hours of play. Loud enough over the shower."),
    ),
    "good-paws-co": (
        _p("Orthopedic Memory Foam Dog Bed", "dogs", 89, {"colour": ("Oat", "Charcoal"), "size": ("S", "M", "L")},
           "940490", "US", "Pet bed with memory-foam filling", 3200, (700, 500, 150),
           "Egg-crate memory foam that supports older joints, with a washable cover and a non-slip base.",
           size_step=20),
        _p("Reflective Nylon Dog Harness", "dogs", 32,
           {"colour": ("Coral", "Navy", "Forest"), "size": ("XS", "S", "M", "L")}, "420100", "CN",
           "Harness for dogs", 180, (250, 200, 40),
           "A no-pull front clip, reflective stitching and two quick-release buckles. Fits like a hug."),
        _p("Slow Feeder Dog Bowl", "dogs", 18, {"colour": ("Teal", "Grey")}, "392490", "CN",
           "Pet feeding bowl of plastics", 350, (220, 220, 60),
           "A maze that turns gulping into foraging and slows meals down up to ten times."),
        _p("Natural Rubber Chew Toy", "dogs", 15, {"size": ("S", "M", "L")}, "401699", "TH",
           "Dog toy of natural rubber", 200, (120, 60, 60), "A bouncy, treat-stuffable chew for power chewers.",
           size_step=3),
        _p("Cardboard Cat Scratcher Lounge", "cats", 49, {"size": ("One size",)}, "482390", "CN",
           "Cat scratcher of corrugated cardboard", 2400, (600, 300, 250),
           "A curved lounger of recycled corrugated card: scratch pad, nap spot and catnip included."),
        _p("Feather Wand Cat Toy Set", "cats", 12, {"size": ("5 pieces",)}, "950300", "CN",
           "Cat toy wand with refills", 90, (400, 80, 30),
           "A telescopic wand and four refills: feathers, a crinkle fish, a mouse and a bell. Zoomies guaranteed."),
        _p("Ceramic Cat Water Fountain", "cats", 59, {"colour": ("White", "Sage")}, "841370", "CN",
           "Pet water fountain with electric pump", 1900, (220, 220, 150),
           "Running water tempts cats to drink more. Ceramic stays clean, and the pump is whisper quiet."),
    ),
}  # fmt: skip

# --- the plan: pure data, computed from the seed --------------------------------------------------


@dataclass(frozen=True)
class StockPlan:
    warehouse: str
    quantity: int
    bin_location: str


@dataclass(frozen=True)
class VariantPlan:
    sku: str
    name: str
    option_values: dict[str, str]
    price: Decimal
    compare_at_price: Decimal | None
    gtin: str
    position: int
    stock: tuple[StockPlan, ...]


@dataclass(frozen=True)
class ProductPlan:
    number: int
    seller: str
    slug: str
    category: str
    data: dict  # fields of shop.services.catalog.create_product, category by slug
    variants: tuple[VariantPlan, ...]
    images: tuple[dict, ...]  # picture() keyword arguments, one per image


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, count: int = 1) -> None:
        self.created[name] = self.created.get(name, 0) + count

    @property
    def anything_created(self) -> bool:
        return any(self.created.values())


PALETTES = (
    ((255, 236, 230), (247, 174, 160), (120, 40, 40)),
    ((235, 245, 238), (150, 200, 170), (30, 80, 60)),
    ((236, 240, 255), (160, 175, 235), (40, 50, 120)),
    ((255, 246, 222), (240, 196, 120), (110, 70, 20)),
    ((246, 236, 255), (200, 165, 235), (80, 40, 110)),
    ((232, 246, 248), (130, 200, 210), (20, 80, 90)),
    ((245, 242, 236), (200, 185, 160), (80, 65, 45)),
    ((255, 234, 242), (240, 150, 185), (120, 30, 70)),
    ((238, 238, 238), (170, 170, 175), (40, 40, 45)),
)


def _dollars(value: float | int) -> Decimal:
    """A shelf price: whole dollars minus a cent."""
    return Decimal(math.ceil(value)) - Decimal("0.01")


def _gtin13(prefix: str, item: int) -> str:
    body = f"{prefix}{item:05d}"
    return body + str(gtin_check_digit(body))


def _bin(rng: random.Random) -> str:
    return f"{rng.choice('ABCDEFGH')}{rng.randint(1, 24):02d}-{rng.randint(1, 12):02d}-{rng.choice('ABCD')}"


def _initials(title: str) -> str:
    words = [word for word in title.replace("-", " ").split() if word[:1].isalpha()]
    return "".join(word[0].upper() for word in words[:2])


def _stock_plan(rng: random.Random, country: str) -> tuple[StockPlan, ...]:
    preferred = STOCKING.get(country, STOCKING_DEFAULT)
    count = rng.choices((1, 2, 3), weights=(45, 40, 15))[0]
    codes = [preferred[0], *rng.sample(preferred[1:], count - 1)]
    if rng.random() < 0.08:  # sold out: the shelf is there, empty
        return (StockPlan(codes[0], 0, _bin(rng)),)
    plans = []
    for code in codes:
        band = rng.choices(((1, 6), (12, 180), (200, 600)), weights=(15, 75, 10))[0]
        plans.append(StockPlan(code, rng.randint(*band), _bin(rng)))
    return tuple(plans)


def _variant_combinations(rng: random.Random, options: dict[str, tuple[str, ...]]) -> list[dict[str, str]]:
    combos = [dict(zip(options, values, strict=True)) for values in itertools.product(*options.values())]
    if len(combos) > 4:
        keep = sorted(rng.sample(range(len(combos)), rng.randint(2, 4)))
        combos = [combos[index] for index in keep]
    return combos


def plan_catalog(seed: int = SEED) -> list[ProductPlan]:
    """Every demo product with its variants, prices, stock and pictures; the same for the same seed."""
    rng = random.Random(seed)
    sellers = {seller.slug: seller for seller in SELLERS}
    # Round-robin over sellers, so the first N products already span the whole shop.
    queues = [[(slug, spec) for spec in specs] for slug, specs in PRODUCTS.items()]
    rows = [pair for group in itertools.zip_longest(*queues) for pair in group if pair is not None]
    plans = []
    for number, (seller_slug, spec) in enumerate(rows, start=1):
        seller = sellers[seller_slug]
        base = spec.price
        compare_factor = rng.choice((1.2, 1.25, 1.3, 1.4, 1.5)) if rng.random() < 0.3 else None
        variants = []
        for position, values in enumerate(_variant_combinations(rng, spec.options), start=1):
            size = values.get("size")
            step = spec.size_step * (spec.options["size"].index(size) if size and spec.size_step else 0)
            price = _dollars(base + step)
            variants.append(
                VariantPlan(
                    sku=f"{seller.sku_prefix}-{number:03d}-{position:02d}",
                    name=" / ".join(values.values()),
                    option_values=values,
                    price=price,
                    compare_at_price=_dollars(float(price) * compare_factor) if compare_factor else None,
                    gtin=_gtin13(seller.gs1_prefix, number * 10 + position),
                    position=position,
                    stock=_stock_plan(rng, seller.country),
                )
            )
        palette = rng.randrange(len(PALETTES))
        images = tuple(
            {"palette": (palette + view * 3) % len(PALETTES), "view": view, "tilt": rng.randint(-12, 12)}
            for view in range(rng.choices((1, 2, 3), weights=(35, 45, 20))[0])
        )
        data = {
            "title": spec.title,
            "description": spec.description,
            "status": Product.Status.ACTIVE,
            "is_featured": False,
            "affiliate_commission_rate": Decimal(
                rng.choices(("0", "5", "8", "10", "12", "15", "20", "25"), weights=(5, 10, 15, 25, 15, 15, 10, 5))[0]
            ),
            "hs_code": spec.hs_code,
            "country_of_origin": spec.origin,
            "customs_description": spec.customs,
            "weight_grams": spec.weight,
            "length_mm": spec.dimensions[0],
            "width_mm": spec.dimensions[1],
            "height_mm": spec.dimensions[2],
            "hazards": list(HAZARDS.get(spec.title, ())),
        }
        plans.append(
            ProductPlan(number, seller_slug, slugify(spec.title), spec.category, data, tuple(variants), images)
        )
    drafts = set(rng.sample(range(len(plans)), 4))
    featured = rng.sample([index for index in range(len(plans)) if index not in drafts], 12)
    for index in drafts:
        plans[index].data["status"] = Product.Status.DRAFT
    for index in featured:
        plans[index].data["is_featured"] = True
    return plans


# --- pictures -------------------------------------------------------------------------------------


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, ImportError, OSError):  # Pillow without FreeType: the small bitmap font
        return ImageFont.load_default()


@dataclass(frozen=True)
class _Pen:
    """Draws in units of the object's radius around its centre."""

    draw: ImageDraw.ImageDraw
    cx: float
    cy: float
    r: float
    fill: tuple[int, ...]
    line: tuple[int, ...]

    def box(self, x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        return (self.cx + x0 * self.r, self.cy + y0 * self.r, self.cx + x1 * self.r, self.cy + y1 * self.r)


# Each silhouette returns how far below the centre (in radii) the initials go.
def _bottle(pen: _Pen) -> float:
    pen.draw.rounded_rectangle(pen.box(-0.55, -0.6, 0.55, 1), radius=0.25 * pen.r, fill=pen.fill)
    pen.draw.rectangle(pen.box(-0.22, -0.95, 0.22, -0.6), fill=pen.line)
    return 0.2


def _tee(pen: _Pen) -> float:
    outline = ((-0.35, -0.9), (0.35, -0.9), (1.0, -0.5), (0.75, -0.1), (0.55, -0.25), (0.55, 0.95), (-0.55, 0.95),
               (-0.55, -0.25), (-0.75, -0.1), (-1.0, -0.5))  # fmt: skip
    pen.draw.polygon([(pen.cx + x * pen.r, pen.cy + y * pen.r) for x, y in outline], fill=pen.fill)
    pen.draw.chord(pen.box(-0.3, -1.1, 0.3, -0.7), 0, 180, fill=pen.line)
    return 0.25


def _ring(pen: _Pen) -> float:
    pen.draw.ellipse(pen.box(-1, -1, 1, 1), outline=pen.fill, width=int(0.28 * pen.r))
    pen.draw.regular_polygon((pen.cx, pen.cy - pen.r, 0.22 * pen.r), 4, rotation=45, fill=pen.line)
    return 0


def _arch(pen: _Pen) -> float:
    pen.draw.pieslice(pen.box(-0.7, -1.0, 0.7, 0.4), 180, 360, fill=pen.fill)
    pen.draw.rectangle(pen.box(-0.7, -0.3, 0.7, 1), fill=pen.fill)
    return 0.2


def _bowl(pen: _Pen) -> float:
    pen.draw.chord(pen.box(-1, -1, 1, 1), 0, 180, fill=pen.fill)
    pen.draw.rectangle(pen.box(-1.05, -0.06, 1.05, 0.06), fill=pen.line)
    return 0.45


def _hexagon(pen: _Pen) -> float:
    pen.draw.regular_polygon((pen.cx, pen.cy, pen.r), 6, rotation=30, fill=pen.fill)
    return 0


def _phone(pen: _Pen) -> float:
    pen.draw.rounded_rectangle(pen.box(-0.55, -1, 0.55, 1), radius=0.18 * pen.r, fill=pen.line)
    pen.draw.rounded_rectangle(pen.box(-0.47, -0.9, 0.47, 0.9), radius=0.12 * pen.r, fill=pen.fill)
    return 0


def _paw(pen: _Pen) -> float:
    pen.draw.ellipse(pen.box(-0.6, -0.2, 0.6, 0.8), fill=pen.fill)
    for dx, dy in ((-0.75, -0.45), (-0.28, -0.85), (0.28, -0.85), (0.75, -0.45)):
        pen.draw.ellipse(pen.box(dx - 0.2, dy - 0.22, dx + 0.2, dy + 0.22), fill=pen.fill)
    return 0.3


SHAPES = {
    "beauty": _bottle,
    "fashion": _tee,
    "accessories": _ring,
    "home": _arch,
    "kitchen": _bowl,
    "fitness": _hexagon,
    "tech-accessories": _phone,
    "pets": _paw,
}


def picture(
    *, title: str, caption: str, category: str, palette: int, view: int, tilt: int, size: int = IMAGE_SIZE
) -> bytes:
    """A product photo stand-in: a gradient, the category's silhouette, the product's initials (JPEG)."""
    light, mid, dark = PALETTES[palette]
    mask = Image.linear_gradient("L").resize((size, size))
    if view == 1:
        mask = mask.transpose(Image.Transpose.ROTATE_90)
    canvas = Image.composite(Image.new("RGB", (size, size), mid), Image.new("RGB", (size, size), light), mask)
    draw = ImageDraw.Draw(canvas, "RGBA")
    if view == 1:  # a second angle: smaller object on a dotted backdrop
        step = size // 12
        for x, y in itertools.product(range(step // 2, size, step), repeat=2):
            draw.ellipse((x - 3, y - 3, x + 3, y + 3), fill=(*dark, 40))
    scale = {0: 0.3, 1: 0.22, 2: 0.4}[view]
    cx, cy, r = size / 2 + tilt * size / 200, size * (0.47 if view != 2 else 0.55), size * scale
    draw.ellipse((cx - r, cy + r * 1.02, cx + r, cy + r * 1.18), fill=(*dark, 45))  # shadow
    drop = SHAPES[TOP_OF[category]](_Pen(draw, cx, cy, r, fill=(255, 255, 255, 235), line=(*dark, 255)))
    draw.text(
        (cx, cy + drop * r), _initials(title), font=_font(int(r * (0.55 if view != 2 else 0.4))), fill=dark, anchor="mm"
    )
    if view != 2:
        draw.text((size / 2, size * 0.93), caption, font=_font(size // 26), fill=(*dark, 200), anchor="mm")
    buffer = io.BytesIO()
    canvas.save(buffer, "JPEG", quality=86)
    return buffer.getvalue()


def logo(*, name: str, palette: int, size: int = 256) -> bytes:
    """A round seller logo with the brand's initials (PNG)."""
    light, mid, dark = PALETTES[palette % len(PALETTES)]
    image = Image.new("RGB", (size, size), light)
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, size - 8, size - 8), fill=mid, outline=dark, width=6)
    draw.text((size / 2, size / 2), _initials(name), font=_font(size // 3), fill=dark, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


# --- writing it ---------------------------------------------------------------------------------


def _seed_users(report: SeedReport) -> dict[str, object]:
    users = {}
    user_model = get_user_model()
    for demo in DEMO_USERS:
        user = user_model.objects.filter(username=demo.username).first()
        if user is None:
            create = user_model.objects.create_superuser if demo.is_superuser else user_model.objects.create_user
            user = create(
                username=demo.username,
                email=demo.email,
                password=demo.password,
                first_name=demo.first_name,
                last_name=demo.last_name,
            )
            report.add("users")
        users[demo.username] = user
    return users


def _seed_categories(report: SeedReport) -> dict[str, Category]:
    existing = {category.slug: category for category in Category.objects.all()}
    for top_position, (slug, name, children) in enumerate(CATEGORIES, start=1):
        if slug not in existing:
            existing[slug] = Category.objects.create(slug=slug, name=name, position=top_position)
            report.add("categories")
        for position, (child_slug, child_name) in enumerate(children, start=1):
            if child_slug not in existing:
                existing[child_slug] = Category.objects.create(
                    slug=child_slug, name=child_name, parent=existing[slug], position=position
                )
                report.add("categories")
    return existing


def _seed_sellers(report: SeedReport, users: dict[str, object]) -> dict[str, Seller]:
    existing = {seller.slug: seller for seller in Seller.objects.filter(slug__in=[spec.slug for spec in SELLERS])}
    for index, spec in enumerate(SELLERS):
        if spec.slug in existing:
            continue
        seller = Seller(
            slug=spec.slug,
            name=spec.name,
            description=spec.description,
            country=spec.country,
            support_email=f"help@{spec.slug.replace('-', '')}.example.com",
        )
        seller.logo.save(f"{spec.slug}.png", ContentFile(logo(name=spec.name, palette=index)), save=False)
        seller.save()
        existing[spec.slug] = seller
        report.add("sellers")
    _, created = SellerMember.objects.get_or_create(
        seller=existing[SELLER_USER_SHOP], user=users[SELLER_USER], defaults={"role": SellerMember.Role.OWNER}
    )
    if created:
        report.add("seller memberships")
    _seed_customs_profiles(report, existing)
    return existing


def _seed_customs_profiles(report: SeedReport, sellers: dict[str, Seller]) -> None:
    with_profile = set(SellerCustomsProfile.objects.values_list("seller__slug", flat=True))
    for slug, (name, line1, city, postal_code, country, eori, vat, ioss) in CUSTOMS_PROFILES.items():
        if slug in with_profile or slug not in sellers:
            continue
        save_customs_profile(
            seller=sellers[slug],
            data={
                "exporter_name": name,
                "address_line1": line1,
                "city": city,
                "postal_code": postal_code,
                "country": country,
                "eori_number": eori,
                "vat_number": vat,
                "ioss_number": ioss,
            },
        )
        report.add("customs profiles")


def _seed_warehouses(report: SeedReport) -> dict[str, Warehouse]:
    existing = {warehouse.code: warehouse for warehouse in Warehouse.objects.all()}
    for code, name, kind, line1, city, region, postal_code, country, priority in WAREHOUSES:
        if code not in existing:
            existing[code] = Warehouse.objects.create(
                code=code,
                name=name,
                kind=kind,
                address_line1=line1,
                city=city,
                region=region,
                postal_code=postal_code,
                country=country,
                priority=priority,
            )
            report.add("warehouses")
    return existing


def _seed_product(
    plan: ProductPlan,
    *,
    seller: Seller,
    category: Category,
    warehouses: dict[str, Warehouse],
    by,
    report: SeedReport,
) -> None:
    product = create_product(seller=seller, data={**plan.data, "category": category})
    if product.slug != plan.slug:  # taken by another product: the demo's own slug keeps reruns idempotent
        raise RuntimeError(f"The slug {plan.slug!r} is taken; cannot seed {plan.data['title']!r}.")
    report.add("products")
    for variant_plan in plan.variants:
        variant = create_variant(
            product=product,
            data={
                "sku": variant_plan.sku,
                "name": variant_plan.name,
                "option_values": variant_plan.option_values,
                "price": variant_plan.price,
                "currency": "USD",
                "compare_at_price": variant_plan.compare_at_price,
                "gtin": variant_plan.gtin,
                "position": variant_plan.position,
            },
        )
        report.add("variants")
        for stock in variant_plan.stock:
            set_stock_quantity(
                warehouse=warehouses[stock.warehouse],
                variant_id=variant.pk,
                quantity=stock.quantity,
                by=by,
                reference=STOCK_REFERENCE,
                bin_location=stock.bin_location,
            )
            report.add("stock lines")
    for index, style in enumerate(plan.images, start=1):
        content = picture(title=plan.data["title"], caption=seller.name, category=plan.category, **style)
        upload = SimpleUploadedFile(f"{plan.slug}-{index}.jpg", content, content_type="image/jpeg")
        add_product_image(product=product, upload=upload, alt_text=f"{plan.data['title']}, picture {index}")
        report.add("images")


def seed_demo(*, products: int | None = None) -> SeedReport:
    """Create whatever part of the demo shop is missing; returns what was created.

    `products` limits the catalog to its first N products (tests use a small N). Image renditions
    are queued when the transaction commits (made in-process when no broker is configured).
    """
    plans = plan_catalog()
    if products is not None:
        plans = plans[: max(products, 0)]
    report = SeedReport()
    with transaction.atomic():
        users = _seed_users(report)
        categories = _seed_categories(report)
        sellers = _seed_sellers(report, users)
        warehouses = _seed_warehouses(report)
        existing = set(Product.objects.filter(slug__in=[plan.slug for plan in plans]).values_list("slug", flat=True))
        for plan in plans:
            if plan.slug in existing:
                continue
            _seed_product(
                plan,
                seller=sellers[plan.seller],
                category=categories[plan.category],
                warehouses=warehouses,
                by=users["admin"],
                report=report,
            )
    return report


def login_lines() -> Iterable[str]:
    for demo in DEMO_USERS:
        yield f"  {demo.username:<8} {demo.password:<18} {demo.role}"
