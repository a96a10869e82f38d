"""A deterministic, realistic marketplace for `make demo`: partners of the four built-in programs and their events.

`generate(spec)` returns event envelopes exactly as DESIGN section 3 fixes them, sorted by instant (then event id).
Every partner gets its own `random.Random` seeded from the spec seed and its id, so the same spec always yields
the same stream and one program's roster does not shift another's. Nothing here reads the clock or touches AWS.

What the stream holds, per program (marketplace time zone in brackets):

- KKday Trusted Partner (Asia/Taipei): tour operators in TW/TH/JP, mostly `zh-TW`; about 10% not self-managed
  (ineligible; two of them switch to self-managed in August through a profile update). Orders are due for
  confirmation 24 h after they are placed; traveler messages are answered within 12 h, late, or never; a typhoon
  (2024-07-24/25) cancels Taiwanese tours with cause `force_majeure`; behaviour is worse during the excluded
  adjustment period 2024-06-20..06-30.
- Booking.com Preferred Partner, properties (Europe/Amsterdam): Thai and Dutch hotels (`th`, `en`, `nl`).
  Bookings with 10-point guest reviews after check-out, a monthly `performance_score` and `price_competitiveness`,
  opt-in early for most, a few never, a couple opt out later (one of them rejoins).
- Booking.com rides Preferred Partner (Europe/Amsterdam): taxi companies in the EU, UK and APAC regions. Offered
  rides are declined (rarely) or completed; completed rides mostly carry a driver event, rarely an incident, and
  sometimes a 5-point survey review.
- Tiki Trusted Store (Asia/Ho_Chi_Minh): Vietnamese shops, most `high_value`, a few `general` (those need 200
  successful orders per three months, so they are the expensive ones). Orders are due for fulfilment two days
  after they are placed; double-day sales (7.7, 8.8, 9.9, 10.10) bring peaks and late parcels; a few stores are
  brand new; fraud flags on three stores (one cleared) and a counterfeit flag on one.

Archetypes per program: about 50% `strong`, 30% `borderline` (rates drawn right around the thresholds) and 20%
`poor` (one to three metrics clearly failing). Quirks for the pipeline: about 0.5% of the events appear twice,
verbatim (same id and content, next to the original in `generate`'s order); four partner cancellations are voided
by an upheld dispute (`event.voided`). `arrival_order` gives the same stream in the order a marketplace would
deliver it: duplicates re-sent hours to days later and a handful of events delivered days late.
"""

from __future__ import annotations

import math
import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

__all__ = ["PROGRAMS", "MarketplaceSpec", "arrival_order", "generate", "partners"]


@dataclass(frozen=True)
class MarketplaceSpec:
    seed: int = 7
    start: date = date(2024, 6, 15)  # first activity day
    end: date = date(2024, 11, 5)  # last activity day (inclusive)
    kkday: int = 120
    booking_property: int = 60
    booking_rides: int = 80
    tiki: int = 100  # partners per program
    scale: float = 1.0  # multiplies activity volume per partner (tests use small values)


@dataclass(frozen=True)
class _Program:
    key: str  # the spec field
    id: str  # the program id (DESIGN section 2)
    prefix: str  # partner and event id prefix
    tz: ZoneInfo  # the marketplace's time zone: every occurred_at carries its offset


PROGRAMS: dict[str, _Program] = {
    p.key: p
    for p in (
        _Program("kkday", "kkday-trusted-partner", "kk", ZoneInfo("Asia/Taipei")),
        _Program("booking_property", "booking-preferred-property", "bp", ZoneInfo("Europe/Amsterdam")),
        _Program("booking_rides", "booking-rides-preferred", "br", ZoneInfo("Europe/Amsterdam")),
        _Program("tiki", "tiki-trusted-store", "tk", ZoneInfo("Asia/Ho_Chi_Minh")),
    )
}

STRONG, BORDERLINE, POOR = "strong", "borderline", "poor"

# Calendar facts the stream reflects.
_KKDAY_EXCLUDED = (date(2024, 6, 20), date(2024, 6, 30))
_TYPHOON_DAYS = (date(2024, 7, 24), date(2024, 7, 25))  # Typhoon Gaemi: Taiwan closed tours and offices
_TIKI_DOUBLE_DAYS = {date(2024, 7, 7), date(2024, 8, 8), date(2024, 9, 9), date(2024, 10, 10), date(2024, 11, 11)}
_ESCAPE_NAMES = {
    "kkday": "Ben & Jerry's <Tours>",
    "booking_property": 'Hotel "De Kroon" & Spa <Amsterdam>',
    "booking_rides": "O'Neill & Sons <Cabs> Ltd",
    "tiki": "Shop <b>Giá Rẻ</b> & Co",
}

# Relative activity by local hour (0..23).
_DAYTIME = (1, 1, 1, 1, 1, 2, 4, 6, 8, 10, 11, 12, 12, 11, 10, 10, 11, 12, 13, 14, 13, 10, 6, 3)
_RIDES_HOURS = (3, 2, 2, 2, 3, 5, 8, 10, 10, 8, 7, 7, 8, 7, 7, 8, 10, 11, 10, 9, 8, 7, 6, 4)
_BUSINESS = (0, 0, 0, 0, 0, 0, 1, 4, 10, 12, 12, 11, 8, 11, 12, 12, 11, 10, 7, 5, 4, 3, 2, 1)

_HOURS = range(24)
_CUMULATIVE: dict[tuple[int, ...], list[int]] = {w: list(accumulate(w)) for w in (_DAYTIME, _RIDES_HOURS, _BUSINESS)}

_RATINGS_BELOW_5 = ((4, 3, 2, 1), (60, 20, 10, 10))  # mean 3.3: mixed with 5s to reach a target mean


# --------------------------------------------------------------------------------------------------- helpers


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random(":".join(str(p) for p in (seed, *parts)))


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _at(day: date, tz: ZoneInfo, seconds: float) -> datetime:
    """Local wall time `seconds` after midnight of `day`, as a UTC instant."""
    local = datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(seconds=int(seconds))
    return local.astimezone(UTC)


def _time_of_day(rng: random.Random, weights: tuple[int, ...]) -> int:
    hour = rng.choices(_HOURS, cum_weights=_CUMULATIVE[weights])[0]
    return hour * 3600 + rng.randrange(3600)


def _business_time_after(rng: random.Random, when: datetime, tz: ZoneInfo, min_h: float, max_h: float) -> datetime:
    """An instant between min_h and max_h hours after `when`, nudged to business hours when it can be."""
    for _ in range(4):
        candidate = when + timedelta(seconds=rng.uniform(min_h, max_h) * 3600)
        if _BUSINESS[candidate.astimezone(tz).hour] >= 4:
            return candidate
    return when + timedelta(seconds=rng.uniform(min_h, max_h) * 3600)


def _rating5(rng: random.Random, mean: float) -> int:
    share_of_5 = min(1.0, max(0.0, (mean - 3.3) / 1.7))
    if rng.random() < share_of_5:
        return 5
    return rng.choices(*_RATINGS_BELOW_5)[0]


def _rating10(rng: random.Random, mean: float) -> int:
    return min(10, max(1, round(rng.gauss(mean, 1.4))))


def _slug(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = "".join(c if c.isalnum() else " " for c in ascii_text).split()
    return "-".join(words)[:40].strip("-")


def _opened(rng: random.Random, first: date, last: date) -> str:
    return (first + timedelta(days=rng.randrange((last - first).days + 1))).isoformat()


def _archetypes(rng: random.Random, n: int) -> list[str]:
    strong, borderline = round(n * 0.5), round(n * 0.3)
    kinds = [STRONG] * strong + [BORDERLINE] * borderline + [POOR] * (n - strong - borderline)
    rng.shuffle(kinds)
    return kinds


def _unique_name(rng: random.Random, make: Callable[[random.Random], str], taken: set[str]) -> str:
    for _ in range(50):
        name = make(rng)
        if name not in taken:
            taken.add(name)
            return name
    name = f"{make(rng)} {len(taken) + 1}"
    taken.add(name)
    return name


# ---------------------------------------------------------------------------------------------- names per market

_TW_PLACES = [
    ("台北", "Taipei"), ("九份", "Jiufen"), ("阿里山", "Alishan"), ("日月潭", "Sun Moon Lake"), ("太魯閣", "Taroko"),
    ("墾丁", "Kenting"), ("花蓮", "Hualien"), ("台東", "Taitung"), ("台南", "Tainan"), ("高雄", "Kaohsiung"),
    ("淡水", "Tamsui"), ("宜蘭", "Yilan"), ("綠島", "Green Island"), ("澎湖", "Penghu"), ("陽明山", "Yangmingshan"),
    ("北投", "Beitou"), ("平溪", "Pingxi"), ("小琉球", "Xiaoliuqiu"),
]  # fmt: skip
_TW_STYLES_ZH = [
    "小旅行", "一日遊", "探索之旅", "生態導覽", "秘境之旅", "文化導覽", "單車遊", "美食之旅", "深度遊", "漫遊",
]  # fmt: skip
_TW_SUFFIX_ZH = ["", "", "工作室", "旅行社", "有限公司", "體驗團"]
_TOUR_THEMES = [
    "Night Market Food", "Hot Spring", "Sunrise", "River Tracing", "Cycling", "Tea Farm", "Whale Watching",
    "Hiking", "Snorkeling", "Temple Walk", "Sky Lantern", "Aboriginal Culture", "Street Food", "Photo Walk",
]  # fmt: skip
_TOUR_SUFFIX = ["Tours", "Adventures", "Experiences", "Travel Co.", "Explorers", "Journeys"]
_TH_TOUR_PLACES = ["Chiang Mai", "Phuket", "Krabi", "Bangkok", "Ayutthaya", "Koh Samui", "Pai", "Kanchanaburi"]
_TH_TOUR_ZH = ["ทัวร์เชียงใหม่ สุขใจ", "ภูเก็ต ไอส์แลนด์ ฮอปปิ้ง", "กระบี่ ทะเลสวย ทัวร์", "อยุธยา ย้อนรอย", "บางกอก ฟู้ด วอล์ค"]
_JP_TOUR_PLACES = ["Kyoto", "Osaka", "Hokkaido", "Nara", "Tokyo", "Okinawa", "Hakone"]
_JP_TOUR_NATIVE = ["京都着物散歩", "大阪食い倒れツアー", "北海道スキー体験", "奈良鹿と歩く旅", "沖縄シュノーケル体験"]


def _kkday_name(region: str) -> Callable[[random.Random], str]:
    def make(rng: random.Random) -> str:
        if region == "TW":
            zh, en = rng.choice(_TW_PLACES)
            roll = rng.random()
            if roll < 0.5:
                return f"{zh}{rng.choice(_TW_STYLES_ZH)}{rng.choice(_TW_SUFFIX_ZH)}"
            if roll < 0.8:
                return f"{en} {rng.choice(_TOUR_THEMES)} {rng.choice(_TOUR_SUFFIX)}"
            return f"{zh}{rng.choice(_TW_STYLES_ZH)}｜{en} {rng.choice(_TOUR_SUFFIX)}"
        if region == "TH":
            if rng.random() < 0.3:
                return rng.choice(_TH_TOUR_ZH) + rng.choice(["", " 2", " Express", " Co., Ltd."])
            return f"{rng.choice(_TH_TOUR_PLACES)} {rng.choice(_TOUR_THEMES)} {rng.choice(_TOUR_SUFFIX)}"
        if rng.random() < 0.3:
            return rng.choice(_JP_TOUR_NATIVE) + rng.choice(["", "｜KKday限定", " Club"])
        return f"{rng.choice(_JP_TOUR_PLACES)} {rng.choice(_TOUR_THEMES)} {rng.choice(_TOUR_SUFFIX)}"

    return make


_TH_HOTEL_WORDS = [
    "Baan Suan", "Rim Nam", "Sabai", "Sawasdee", "Chang Thai", "Nam Sai", "Lanna", "Ruen Thai", "Phu Fah",
]  # fmt: skip
_TH_HOTEL_TYPES = ["Resort", "Boutique Hotel", "Guesthouse", "Pool Villas", "Hostel", "Residence", "Beach Resort"]
_TH_HOTEL_PLACES = ["Chiang Mai", "Krabi", "Koh Samui", "Phuket", "Hua Hin", "Pai", "Bangkok", "Ayutthaya", "Khao Lak"]
_TH_HOTEL_NATIVE = ["โรงแรมบ้านสวน", "รีสอร์ทริมน้ำ", "บ้านพักสบายใจ", "โรงแรมเชียงคาน", "เรือนไทย บูทีค"]
_NL_HOTEL_SIGNS = ["Gouden Leeuw", "Zwarte Schaap", "Witte Zwaan", "Drie Haringen", "Oude Molen", "Roode Leeuw"]
_NL_HOTEL_WORDS = ["Grachtenhuis", "Havenzicht", "Duinzicht", "Polderhuys", "Kanaalhuis", "Pakhuis", "Stadslogement"]
_NL_HOTEL_TYPES = ["Hotel", "B&B", "Suites", "Logies", "Apartments", "Bed & Breakfast"]
_NL_BNB = ["Hofje", "Molentje", "Bruggetje", "Tuinhuis"]
_NL_CITIES = ["Amsterdam", "Utrecht", "Haarlem", "Delft", "Leiden", "Giethoorn", "Maastricht", "Rotterdam", "Zwolle"]


def _property_name(region: str) -> Callable[[random.Random], str]:
    def make(rng: random.Random) -> str:
        if region == "TH":
            if rng.random() < 0.25:
                return f"{rng.choice(_TH_HOTEL_NATIVE)} {rng.choice(_TH_HOTEL_PLACES)}"
            return f"{rng.choice(_TH_HOTEL_WORDS)} {rng.choice(_TH_HOTEL_TYPES)} {rng.choice(_TH_HOTEL_PLACES)}"
        roll = rng.random()
        if roll < 0.3:
            return f"Hotel De {rng.choice(_NL_HOTEL_SIGNS)} {rng.choice(_NL_CITIES)}"
        if roll < 0.45:
            return f"Bed & Breakfast 't {rng.choice(_NL_BNB)} {rng.choice(_NL_CITIES)}"
        return f"{rng.choice(_NL_HOTEL_WORDS)} {rng.choice(_NL_HOTEL_TYPES)} {rng.choice(_NL_CITIES)}"

    return make


_RIDE_CITIES = {
    "EU": [
        ("Amsterdam", "B.V."),
        ("Rotterdam", "B.V."),
        ("Berlin", "GmbH"),
        ("München", "GmbH"),
        ("Barcelona", "S.L."),
        ("Madrid", "S.L."),
        ("Lisboa", "Lda."),
        ("Milano", "S.r.l."),
        ("Paris", "SAS"),
        ("Wien", "GmbH"),
    ],
    "UK": [("London", "Ltd"), ("Manchester", "Ltd"), ("Edinburgh", "Ltd"), ("Bristol", "Ltd"), ("Liverpool", "Ltd")],
    "APAC": [
        ("Singapore", "Pte Ltd"),
        ("Sydney", "Pty Ltd"),
        ("Melbourne", "Pty Ltd"),
        ("Bangkok", "Co., Ltd."),
        ("Tokyo", "K.K."),
        ("Kuala Lumpur", "Sdn Bhd"),
    ],
}
_RIDE_WORDS = {
    "EU": ["Taxi Centrale", "Airport Transfers", "Cabs", "Chauffeurs", "Mobility", "Taxi", "Limousines"],
    "UK": ["Private Hire", "Cars", "Executive Travel", "Taxis", "Airport Cars", "Minicabs"],
    "APAC": ["Limousine", "Airport Transfers", "Chauffeur Services", "Cabs", "Premium Cars"],
}
_RIDE_CURRENCY = {
    "Singapore": "SGD",
    "Sydney": "AUD",
    "Melbourne": "AUD",
    "Bangkok": "THB",
    "Tokyo": "JPY",
    "Kuala Lumpur": "MYR",
}
_RIDE_PREFIX = ["", "", "City ", "Blue ", "Star ", "Royal ", "Metro ", "Green "]

_VN_SHOP_HIGH = ["Điện máy", "Điện thoại", "Laptop", "Đồng hồ", "Máy ảnh", "Điện lạnh", "Gia dụng cao cấp"]
_VN_SHOP_GENERAL = ["Nhà sách", "Thời trang", "Mỹ phẩm", "Đồ chơi", "Văn phòng phẩm", "Đồ gia dụng", "Mẹ và Bé"]
_VN_NAMES = [
    "Minh Anh", "Hoàng Long", "Phương Nam", "Thanh Hà", "Bảo Ngọc", "An Khang", "Phúc Lộc", "Gia Huy", "Mai Lan",
    "Tâm Đức", "Việt Tiến", "Kim Cương", "Hồng Phát", "Thành Công", "Sao Việt", "Ngọc Trâm", "Đức Thịnh",
]  # fmt: skip
_VN_SUFFIX = ["", "", " Official", " Store", " Chính Hãng", " - Hà Nội", " - TP.HCM", " - Đà Nẵng"]


def _ride_name(region: str) -> Callable[[random.Random], str]:
    def make(rng: random.Random) -> str:
        city, form = rng.choice(_RIDE_CITIES[region])
        return f"{rng.choice(_RIDE_PREFIX)}{city} {rng.choice(_RIDE_WORDS[region])} {form}"

    return make


def _shop_name(category: str) -> Callable[[random.Random], str]:
    kinds = _VN_SHOP_HIGH if category == "high_value" else _VN_SHOP_GENERAL
    return lambda rng: f"{rng.choice(kinds)} {rng.choice(_VN_NAMES)}{rng.choice(_VN_SUFFIX)}"


# --------------------------------------------------------------------------------------------- the roster


@dataclass
class _Profile:
    partner_id: str
    index: int
    program: _Program
    archetype: str
    name: str
    email: str
    locale: str
    region: str
    category: str
    self_managed: bool
    store_opened_at: str
    active_from: date  # first activity day
    plan: dict[str, Any]  # program-specific roster decisions (membership, flags, profile changes)
    first_sale_at: str | None = None  # known to the marketplace for shops that sold before the stream starts

    def data(self, **changes: Any) -> dict[str, Any]:
        fields = {
            "name": self.name,
            "email": self.email,
            "locale": self.locale,
            "region": self.region,
            "category": self.category,
            "self_managed": self.self_managed,
            "store_opened_at": self.store_opened_at,
            "programs": [self.program.id],
        }
        if self.first_sale_at is not None:
            fields["first_sale_at"] = self.first_sale_at
        fields.update(changes)
        return fields

    def public(self) -> dict[str, Any]:
        return {"partner_id": self.partner_id, "program": self.program.id, "archetype": self.archetype, **self.data()}


def _email(name: str, partner_id: str, domain: str) -> str:
    slug = _slug(name)
    return f"partners+{partner_id}@{slug}.example" if slug else f"{partner_id}@{domain}"


def _kkday(rng: random.Random, taken: set[str]) -> dict[str, Any]:
    region = rng.choices(["TW", "TH", "JP"], weights=[70, 15, 15])[0]
    locale = {
        "TW": rng.choices(["zh-TW", "en"], weights=[9, 1])[0],
        "TH": rng.choices(["th", "en"], weights=[6, 4])[0],
        "JP": rng.choice(["en", "zh-TW"]),
    }[region]
    return {
        "name": _unique_name(rng, _kkday_name(region), taken),
        "locale": locale,
        "region": region,
        "category": rng.choice(["tour", "activity", "attraction_ticket", "transport", "food_experience"]),
        "store_opened_at": _opened(rng, date(2015, 1, 1), date(2023, 12, 31)),
    }


def _property(rng: random.Random, taken: set[str]) -> dict[str, Any]:
    region = rng.choices(["TH", "NL"], weights=[60, 40])[0]
    locale = rng.choices(["th", "en"], weights=[55, 45])[0] if region == "TH" else rng.choice(["nl", "nl", "en"])
    return {
        "name": _unique_name(rng, _property_name(region), taken),
        "locale": locale,
        "region": region,
        "category": rng.choice(["hotel", "hotel", "resort", "guesthouse", "apartment", "bed_and_breakfast", "hostel"]),
        "store_opened_at": _opened(rng, date(2012, 1, 1), date(2023, 12, 31)),
    }


def _rides(rng: random.Random, taken: set[str]) -> dict[str, Any]:
    region = rng.choices(["EU", "UK", "APAC"], weights=[45, 25, 30])[0]
    return {
        "name": _unique_name(rng, _ride_name(region), taken),
        "locale": "en",
        "region": region,
        "category": rng.choice(["taxi", "taxi", "private_transfer", "chauffeur"]),
        "store_opened_at": _opened(rng, date(2018, 1, 1), date(2023, 12, 31)),
    }


def _tiki(rng: random.Random, taken: set[str]) -> dict[str, Any]:
    # The category, and so the name, is decided by the program-wide plan.
    return {
        "name": "",
        "locale": rng.choices(["vi", "en"], weights=[95, 5])[0],
        "region": "VN",
        "category": "high_value",
        "store_opened_at": _opened(rng, date(2016, 1, 1), date(2024, 2, 15)),
    }


_MAIL_DOMAINS = {
    "kkday": "suppliers.kkday.example",
    "booking_property": "extranet.booking.example",
    "booking_rides": "rides.booking.example",
    "tiki": "seller.tiki.example",
}


def _roster(spec: MarketplaceSpec) -> list[_Profile]:
    profiles: list[_Profile] = []
    for key, program in PROGRAMS.items():
        count = getattr(spec, key)
        rng = _rng(spec.seed, program.id, "roster")
        kinds = _archetypes(rng, count)
        taken: set[str] = set()
        build = {"kkday": _kkday, "booking_property": _property, "booking_rides": _rides, "tiki": _tiki}[key]
        batch = []
        for index in range(count):
            fields = build(rng, taken)
            partner_id = f"{program.prefix}-{index + 1:04d}"
            batch.append(
                _Profile(
                    partner_id=partner_id,
                    index=index,
                    program=program,
                    archetype=kinds[index],
                    email=_email(fields["name"], partner_id, _MAIL_DOMAINS[key]),
                    self_managed=True,
                    active_from=spec.start,
                    plan={},
                    **fields,
                )
            )
        _plan(spec, key, batch, rng)
        if count >= 4:  # one partner per program whose name needs escaping in every email and page
            special = batch[2]
            special.name = _ESCAPE_NAMES[key]
            special.email = _email(special.name, special.partner_id, _MAIL_DOMAINS[key])
        profiles.extend(batch)
    return profiles


def _plan(spec: MarketplaceSpec, key: str, batch: list[_Profile], rng: random.Random) -> None:
    """Program-wide roster decisions, made once so the proportions hold exactly."""
    order = list(range(len(batch)))
    rng.shuffle(order)
    n = len(batch)
    if key == "kkday":
        not_self = order[: round(n * 0.1)]
        for pos, i in enumerate(not_self):
            batch[i].self_managed = False
            if pos < 2:  # they take over their own orders and messages mid-August
                batch[i].plan["self_managed_from"] = date(2024, 8, 20) + timedelta(days=pos * 6)
        for i in order[round(n * 0.1) : round(n * 0.1) + 2]:
            batch[i].plan["email_change"] = True
    elif key == "booking_property":
        plans = ["opt_out_later", "opt_out_rejoin"] + ["never"] * max(1, round(n * 0.08)) + ["late_join"]
        for i in order:
            batch[i].plan["membership"] = plans.pop(0) if plans else "early"
    elif key == "tiki":
        general = set(order[: round(n * 0.1)])
        taken: set[str] = set()
        for i, profile in enumerate(batch):
            profile.category = "general" if i in general else "high_value"
            profile.name = _unique_name(rng, _shop_name(profile.category), taken)
            profile.email = _email(profile.name, profile.partner_id, _MAIL_DOMAINS[key])
        rest = order[round(n * 0.1) :] + order[: round(n * 0.1)]
        brand_new = rest[: max(1, round(n * 0.05))] if n >= 10 else []
        for pos, i in enumerate(brand_new):
            if pos < 3:  # opened a few weeks before the stream starts: too young for the first evaluations
                opened = spec.start - timedelta(days=8 + 9 * pos)
            else:  # opened during the stream: activity starts on the opening day
                opened = date(2024, 8, 12) + timedelta(days=17 * (pos - 3))
                batch[i].active_from = max(spec.start, min(opened, spec.end))
            batch[i].store_opened_at = opened.isoformat()
        for i, profile in enumerate(batch):  # shops selling before the stream: the marketplace knows the first sale
            if i not in brand_new:
                opened = date.fromisoformat(profile.store_opened_at)
                profile.first_sale_at = (opened + timedelta(days=rng.randint(1, 20))).isoformat()
        established = [i for i in rest[len(brand_new) :] if batch[i].archetype != POOR]
        flags = [
            ("fraud", date(2024, 8, 12), date(2024, 9, 3)),
            ("fraud", date(2024, 9, 20), None),
            ("fraud", date(2024, 10, 15), None),
            ("counterfeit", date(2024, 7, 18), None),
        ]
        for (flag, raised, cleared), i in zip(flags, established, strict=False):
            batch[i].plan["flag"] = (flag, raised, cleared)


# ----------------------------------------------------------------------------------------------- streams


class _Event:
    __slots__ = ("at", "data", "event_id", "n", "type")

    def __init__(self, at: datetime, n: int, type_: str, data: dict[str, Any]) -> None:
        self.at, self.n, self.type, self.data = at, n, type_, data
        self.event_id = ""


class _Stream:
    """One partner's events, kept in UTC; ids are given in time order when the stream is closed."""

    def __init__(self, profile: _Profile, horizon: datetime) -> None:
        self.profile = profile
        self.tz = profile.program.tz
        self.horizon = horizon
        self.events: list[_Event] = []
        self.counters: dict[str, int] = {}

    def next_id(self, kind: str) -> int:
        self.counters[kind] = self.counters.get(kind, 0) + 1
        return self.counters[kind]

    def local(self, at: datetime) -> str:
        return at.replace(microsecond=0).astimezone(self.tz).isoformat()

    def add(self, at: datetime, type_: str, data: dict[str, Any]) -> _Event | None:
        if at >= self.horizon:
            return None
        event = _Event(at.replace(microsecond=0), len(self.events), type_, data)
        self.events.append(event)
        return event

    def close(self) -> list[_Event]:
        self.events.sort(key=lambda e: (e.at, e.n))
        prefix = self.profile.partner_id
        for seq, event in enumerate(self.events, start=1):
            event.event_id = f"{prefix}-{seq:06d}"
        return self.events


@dataclass
class _Day:
    day: date
    volume: float  # seasonal and weekly factor


def _days(stream: _Stream, spec: MarketplaceSpec, season: Callable[[date], float]) -> list[_Day]:
    first = max(spec.start, stream.profile.active_from)
    return [_Day(d, season(d)) for d in (first + timedelta(days=k) for k in range((spec.end - first).days + 1))]


def _messages(
    stream: _Stream,
    rng: random.Random,
    received: datetime,
    on_time: float,
    late_share: float,
    within_h: float,
) -> None:
    """A traveler/buyer thread: one to three messages, each replied within `within_h` hours with probability
    `on_time`, otherwise replied late (`late_share` of the rest, up to four days later) or never."""
    thread_id = f"{stream.profile.partner_id}-t{stream.next_id('thread'):05d}"
    at = received
    for _ in range(rng.choices([1, 2, 3], weights=[70, 22, 8])[0]):
        message_id = f"{stream.profile.partner_id}-m{stream.next_id('message'):06d}"
        if stream.add(at, "message.received", {"thread_id": thread_id, "message_id": message_id}) is None:
            return
        roll = rng.random()
        if roll < on_time:
            delay_h = min(within_h * 0.98, rng.expovariate(1 / (within_h / 5)) + 0.05)
            replied: datetime | None = at + timedelta(hours=delay_h)
        elif roll < on_time + (1 - on_time) * late_share:
            replied = _business_time_after(rng, at, stream.tz, within_h * 1.05, within_h + 84)
        else:
            replied = None
        if replied is None:
            return
        reply_id = f"{stream.profile.partner_id}-m{stream.next_id('message'):06d}"
        data = {"thread_id": thread_id, "message_id": reply_id, "in_reply_to": message_id}
        if stream.add(replied, "message.replied", data) is None:
            return
        at = replied + timedelta(hours=rng.uniform(0.5, 30))


def _review(stream: _Stream, at: datetime, rating: int, scale: int, order_id: str | None) -> None:
    data: dict[str, Any] = {"review_id": f"{stream.profile.partner_id}-r{stream.next_id('review'):05d}"}
    data.update({"rating": rating, "scale": scale})
    if order_id is not None:
        data["order_id"] = order_id
    stream.add(at, "review.submitted", data)


def _profile_event(stream: _Stream, rng: random.Random, spec: MarketplaceSpec) -> None:
    first = max(spec.start, stream.profile.active_from)
    at = _at(first - timedelta(days=rng.randint(1, 6)), stream.tz, _time_of_day(rng, _BUSINESS))
    stream.add(at, "partner.profile", stream.profile.data())


def _marked_dimensions(rng: random.Random, archetype: str, dimensions: list[str]) -> set[str]:
    """The dimensions in which a partner is not strong: two or three near the threshold for a borderline partner,
    one to three clearly failing for a poor one."""
    if archetype == STRONG:
        return set()
    count = rng.choice([2, 3]) if archetype == BORDERLINE else rng.choices([1, 2, 3], weights=[30, 45, 25])[0]
    return set(rng.sample(dimensions, min(count, len(dimensions))))


def _level(
    rng: random.Random, archetype: str, marked: set[str], dim: str, ranges: dict[str, tuple[float, float]]
) -> float:
    """A partner's rate for one dimension, drawn from its archetype's range for a marked dimension; otherwise
    strong (a poor partner's unmarked dimensions are strong or borderline)."""
    if dim in marked:
        low, high = ranges[archetype]
    elif archetype == POOR:
        low, high = ranges[rng.choice([STRONG, BORDERLINE])]
    else:
        low, high = ranges[STRONG]
    return rng.uniform(low, high)


# ------------------------------------------------------------------------------------------------ KKday


def _kkday_season(day: date) -> float:
    month = {6: 1.0, 7: 1.3, 8: 1.3, 9: 0.9, 10: 1.0, 11: 0.8}.get(day.month, 1.0)
    return month * (1.25 if day.weekday() >= 5 else 0.9)


def _kkday_stream(stream: _Stream, rng: random.Random, spec: MarketplaceSpec) -> None:
    p = stream.profile
    tz = stream.tz
    dims = ["response", "cancellation", "confirmation"]
    marked = _marked_dimensions(rng, p.archetype, dims)
    respond = _level(
        rng, p.archetype, marked, "response", {STRONG: (0.965, 1.0), BORDERLINE: (0.88, 0.925), POOR: (0.55, 0.82)}
    )
    cancel = _level(
        rng,
        p.archetype,
        marked,
        "cancellation",
        {STRONG: (0.0, 0.004), BORDERLINE: (0.014, 0.026), POOR: (0.035, 0.08)},
    )
    confirm = _level(
        rng, p.archetype, marked, "confirmation", {STRONG: (0.985, 1.0), BORDERLINE: (0.935, 0.965), POOR: (0.78, 0.91)}
    )
    size = min(3.5, max(0.35, rng.lognormvariate(-0.1, 0.55))) * spec.scale
    currency, price = {"TW": ("TWD", (600, 4800)), "TH": ("THB", (700, 4500)), "JP": ("JPY", (3000, 22000))}[p.region]
    rating_mean = {STRONG: 4.75, BORDERLINE: 4.5, POOR: 4.1}[p.archetype]
    _profile_event(stream, rng, spec)
    for today in _days(stream, spec, _kkday_season):
        adjusting = _KKDAY_EXCLUDED[0] <= today.day <= _KKDAY_EXCLUDED[1]
        for _ in range(_poisson(rng, 0.2 * size * today.volume)):
            placed = _at(today.day, tz, _time_of_day(rng, _DAYTIME))
            order_id = f"KK{p.index + 1:04d}{stream.next_id('order'):06d}"
            due = placed + timedelta(hours=24)
            amount = round(rng.uniform(*price) / 10) * 10
            data = {"order_id": order_id, "buyer_id": f"kkt-{rng.getrandbits(36):09x}", "due_by": stream.local(due)}
            stream.add(placed, "order.placed", {**data, "amount": amount, "currency": currency})
            activity = _at(placed.astimezone(tz).date() + timedelta(days=rng.randint(1, 35)), tz, 9 * 3600)
            on_time = confirm - (0.05 if adjusting else 0.0)
            roll = rng.random()
            if roll < on_time:
                confirmed: datetime | None = placed + timedelta(hours=min(23.5, rng.expovariate(1 / 3) + 0.1))
            elif roll < on_time + (1 - on_time) * 0.6:
                confirmed = placed + timedelta(hours=rng.uniform(24.5, 60))
            else:
                confirmed = None
            if rng.random() < 0.06:  # the traveler changes plans
                cancelled = placed + (activity - placed) * rng.uniform(0.05, 0.9)
                if confirmed is not None:
                    stream.add(confirmed, "order.confirmed", {"order_id": order_id})
                    cancelled = max(cancelled, confirmed + timedelta(minutes=rng.uniform(20, 600)))
                stream.add(cancelled, "order.cancelled", {"order_id": order_id, "cause": "customer"})
                continue
            if confirmed is None:  # never confirmed: the platform releases the booking
                stream.add(
                    due + timedelta(minutes=rng.randint(5, 90)),
                    "order.cancelled",
                    {"order_id": order_id, "cause": "platform"},
                )
                continue
            stream.add(confirmed, "order.confirmed", {"order_id": order_id})
            if p.region == "TW" and activity.astimezone(tz).date() in _TYPHOON_DAYS:
                closure = _at(_TYPHOON_DAYS[0] - timedelta(days=1), tz, 15 * 3600 + rng.randrange(7200))
                cancelled = max(closure, confirmed + timedelta(minutes=rng.uniform(10, 90)))
                stream.add(cancelled, "order.cancelled", {"order_id": order_id, "cause": "force_majeure"})
                continue
            if rng.random() < cancel + (0.01 if adjusting else 0.0):  # guide unavailable, tour under-booked...
                when = max(confirmed + timedelta(hours=1), activity - timedelta(hours=rng.uniform(6, 72)))
                stream.add(when, "order.cancelled", {"order_id": order_id, "cause": "partner"})
                continue
            completed = max(activity, confirmed) + timedelta(hours=rng.uniform(4, 11))
            stream.add(completed, "order.completed", {"order_id": order_id})
            if rng.random() < 0.3:
                _review(
                    stream, completed + timedelta(hours=rng.uniform(3, 120)), _rating5(rng, rating_mean), 5, order_id
                )
        for _ in range(_poisson(rng, 0.13 * size * today.volume)):
            received = _at(today.day, tz, _time_of_day(rng, _DAYTIME))
            _messages(stream, rng, received, respond - (0.08 if adjusting else 0.0), 0.7, 12)
    if "self_managed_from" in p.plan:
        when = _at(p.plan["self_managed_from"], tz, 10 * 3600 + rng.randrange(3600))
        stream.add(when, "partner.profile", p.data(self_managed=True))
    if p.plan.get("email_change"):
        when = _at(date(2024, 9, 2) + timedelta(days=rng.randrange(40)), tz, _time_of_day(rng, _BUSINESS))
        stream.add(when, "partner.profile", p.data(email=f"reservations+{p.partner_id}@{p.email.split('@')[1]}"))


# --------------------------------------------------------------------------------------- Booking properties


def _property_season(day: date) -> float:
    month = {6: 1.0, 7: 1.25, 8: 1.3, 9: 0.95, 10: 0.9, 11: 0.85}.get(day.month, 1.0)
    return month * (1.15 if day.weekday() in (3, 4) else 0.95)


def _property_stream(stream: _Stream, rng: random.Random, spec: MarketplaceSpec) -> None:
    p = stream.profile
    tz = stream.tz
    marked = _marked_dimensions(rng, p.archetype, ["performance", "reviews", "price"])
    performance = _level(
        rng, p.archetype, marked, "performance", {STRONG: (76, 94), BORDERLINE: (67, 74), POOR: (42, 64)}
    )
    review_mean = _level(
        rng, p.archetype, marked, "reviews", {STRONG: (7.9, 9.2), BORDERLINE: (6.8, 7.4), POOR: (5.2, 6.5)}
    )
    competitive = _level(
        rng, p.archetype, marked, "price", {STRONG: (0.9, 1.0), BORDERLINE: (0.55, 0.8), POOR: (0.05, 0.3)}
    )
    size = min(3.0, max(0.4, rng.lognormvariate(-0.1, 0.45))) * spec.scale
    currency = "THB" if p.region == "TH" else "EUR"
    nightly = (900, 6500) if currency == "THB" else (85, 260)
    _profile_event(stream, rng, spec)
    first = max(spec.start, p.active_from)

    membership = p.plan.get("membership", "early")
    # A property asks to join once it has reviews to be judged on: opt-in is granted only if the criteria hold then.
    join_day = date(2024, 9, 10) if membership == "late_join" else first + timedelta(days=rng.randint(45, 75))
    if membership != "never":
        stream.add(_at(join_day, tz, _time_of_day(rng, _BUSINESS)), "program.opted_in", {"program_id": p.program.id})
    if membership == "opt_out_later":
        stream.add(
            _at(date(2024, 8, 27), tz, 11 * 3600 + rng.randrange(3600)),
            "program.opted_out",
            {"program_id": p.program.id},
        )
    if membership == "opt_out_rejoin":
        stream.add(
            _at(date(2024, 7, 22), tz, 16 * 3600 + rng.randrange(3600)),
            "program.opted_out",
            {"program_id": p.program.id},
        )
        stream.add(
            _at(date(2024, 10, 8), tz, 9 * 3600 + rng.randrange(3600)), "program.opted_in", {"program_id": p.program.id}
        )

    report = first + timedelta(days=1)
    while report <= spec.end:  # the extranet refreshes both figures at the start of every month
        at = _at(report, tz, 6 * 3600 + rng.randrange(1800))
        performance = min(100.0, max(0.0, performance + rng.gauss(0, 2.5)))
        stream.add(at, "score.reported", {"metric": "performance_score", "value": round(performance, 1)})
        # Pricing levels as Booking's extranet shows them; ingest checks and normalises the vocabulary.
        level = "Competitive" if rng.random() < competitive else "uncompetitive"
        stream.add(at + timedelta(seconds=1), "score.reported", {"metric": "price_competitiveness", "value": level})
        report = date(report.year + report.month // 12, report.month % 12 + 1, rng.randint(1, 3))

    for _ in range(_poisson(rng, 3 * spec.scale)):  # guests of stays before the stream started
        at = _at(first + timedelta(days=rng.randrange(21)), tz, _time_of_day(rng, _DAYTIME))
        _review(stream, at, _rating10(rng, review_mean), 10, None)
    for today in _days(stream, spec, _property_season):
        for _ in range(_poisson(rng, 0.24 * size * today.volume)):
            placed = _at(today.day, tz, _time_of_day(rng, _DAYTIME))
            order_id = f"{4100 + p.index:04d}{stream.next_id('order'):06d}"
            nights = rng.choices([1, 2, 3, 4, 5, 7], weights=[25, 30, 20, 12, 8, 5])[0]
            check_in = _at(placed.astimezone(tz).date() + timedelta(days=rng.randint(1, 60)), tz, 15 * 3600)
            amount = round(rng.uniform(*nightly) * nights, 2 if currency == "EUR" else 0)
            if currency == "THB":
                amount = int(amount)
            data = {
                "order_id": order_id,
                "buyer_id": f"bkg-{rng.getrandbits(36):09x}",
                "due_by": stream.local(placed + timedelta(hours=24)),
                "amount": amount,
                "currency": currency,
            }
            stream.add(placed, "order.placed", data)
            stream.add(placed + timedelta(seconds=rng.randint(5, 900)), "order.confirmed", {"order_id": order_id})
            if rng.random() < 0.18:  # free cancellation is the norm
                stream.add(
                    placed + (check_in - placed) * rng.uniform(0.1, 0.95),
                    "order.cancelled",
                    {"order_id": order_id, "cause": "customer"},
                )
                continue
            check_out = check_in + timedelta(days=nights, hours=-4)
            stream.add(check_out, "order.completed", {"order_id": order_id})
            if rng.random() < 0.45:
                _review(
                    stream, check_out + timedelta(hours=rng.uniform(6, 240)), _rating10(rng, review_mean), 10, order_id
                )


# ------------------------------------------------------------------------------------------- Booking rides


def _rides_season(day: date) -> float:
    return (1.2 if day.weekday() in (4, 5) else 0.95) * (1.15 if day.month in (7, 8) else 1.0)


_INCIDENTS = (("delay", "driver_behaviour", "vehicle_condition", "route_deviation", "no_show"), (50, 15, 12, 13, 10))


def _rides_stream(stream: _Stream, rng: random.Random, spec: MarketplaceSpec) -> None:
    p = stream.profile
    tz = stream.tz
    marked = _marked_dimensions(rng, p.archetype, ["survey", "incident", "decline", "driver"])
    survey = _level(
        rng, p.archetype, marked, "survey", {STRONG: (4.78, 4.92), BORDERLINE: (4.52, 4.68), POOR: (4.0, 4.4)}
    )
    incident = _level(
        rng, p.archetype, marked, "incident", {STRONG: (0.0, 0.006), BORDERLINE: (0.011, 0.019), POOR: (0.03, 0.06)}
    )
    decline = _level(
        rng, p.archetype, marked, "decline", {STRONG: (0.0, 0.004), BORDERLINE: (0.007, 0.013), POOR: (0.025, 0.06)}
    )
    driver = _level(
        rng, p.archetype, marked, "driver", {STRONG: (0.955, 0.995), BORDERLINE: (0.88, 0.92), POOR: (0.7, 0.84)}
    )
    size = min(4.0, max(0.4, rng.lognormvariate(-0.15, 0.6))) * spec.scale
    city_currency = next((c for city, c in _RIDE_CURRENCY.items() if city in p.name), None)
    currency = city_currency or {"EU": "EUR", "UK": "GBP", "APAC": "SGD"}[p.region]
    fare_scale = {"JPY": 150, "THB": 35, "MYR": 4.5, "AUD": 1.6, "SGD": 1.4, "GBP": 0.85}.get(currency, 1.0)
    _profile_event(stream, rng, spec)
    for today in _days(stream, spec, _rides_season):
        for _ in range(_poisson(rng, 0.32 * size * today.volume)):
            offered = _at(today.day, tz, _time_of_day(rng, _RIDES_HOURS))
            order_id = f"BR-{p.index + 1:04d}-{stream.next_id('order'):06d}"
            pickup = offered + timedelta(minutes=rng.choice([rng.randint(20, 120), rng.randint(180, 4320)]))
            fare = round(rng.uniform(25, 110) * fare_scale, 2)
            data = {
                "order_id": order_id,
                "buyer_id": f"rdr-{rng.getrandbits(36):09x}",
                "due_by": stream.local(pickup),
                "amount": fare if currency != "JPY" else int(fare),
                "currency": currency,
            }
            stream.add(offered, "order.placed", data)
            if rng.random() < decline:
                stream.add(offered + timedelta(minutes=rng.uniform(1, 25)), "order.declined", {"order_id": order_id})
                continue
            if rng.random() < 0.04:  # the traveler's flight is cancelled, plans change
                stream.add(
                    offered + (pickup - offered) * rng.uniform(0.1, 0.9),
                    "order.cancelled",
                    {"order_id": order_id, "cause": "customer"},
                )
                continue
            if rng.random() < driver:  # the driver app's arrival / pickup event
                stream.add(pickup + timedelta(minutes=rng.uniform(-8, 4)), "ride.driver_event", {"order_id": order_id})
            completed = pickup + timedelta(minutes=rng.uniform(18, 95))
            stream.add(completed, "order.completed", {"order_id": order_id})
            if rng.random() < incident:
                kind = rng.choices(*_INCIDENTS)[0]
                stream.add(
                    completed + timedelta(hours=rng.uniform(0.2, 30)),
                    "ride.incident",
                    {"order_id": order_id, "kind": kind},
                )
            if rng.random() < 0.3:
                _review(stream, completed + timedelta(hours=rng.uniform(0.3, 48)), _rating5(rng, survey), 5, order_id)


# ------------------------------------------------------------------------------------------------- Tiki


def _tiki_season(day: date) -> float:
    if day in _TIKI_DOUBLE_DAYS:
        return 3.0
    if day - timedelta(days=1) in _TIKI_DOUBLE_DAYS:
        return 1.6
    return 1.1 if day.weekday() >= 5 else 0.97


def _tiki_stream(stream: _Stream, rng: random.Random, spec: MarketplaceSpec) -> None:
    p = stream.profile
    tz = stream.tz
    general = p.category == "general"
    marked = _marked_dimensions(rng, p.archetype, ["volume", "chat", "late", "cancel", "rating"])
    per_day = (
        {STRONG: (2.8, 3.4), BORDERLINE: (2.2, 2.5), POOR: (0.9, 1.6)}
        if general
        else {STRONG: (0.6, 0.72), BORDERLINE: (0.5, 0.56), POOR: (0.2, 0.38)}
    )
    volume = _level(rng, p.archetype, marked, "volume", per_day) * spec.scale
    chat = _level(rng, p.archetype, marked, "chat", {STRONG: (0.88, 0.98), BORDERLINE: (0.72, 0.8), POOR: (0.35, 0.65)})
    late = _level(
        rng, p.archetype, marked, "late", {STRONG: (0.0, 0.012), BORDERLINE: (0.022, 0.034), POOR: (0.06, 0.12)}
    )
    cancel = _level(
        rng, p.archetype, marked, "cancel", {STRONG: (0.0, 0.005), BORDERLINE: (0.015, 0.025), POOR: (0.035, 0.07)}
    )
    rating = _level(
        rng, p.archetype, marked, "rating", {STRONG: (4.5, 4.85), BORDERLINE: (4.12, 4.32), POOR: (3.3, 3.95)}
    )
    repeat = {STRONG: 0.15, BORDERLINE: 0.3, POOR: 0.5}[p.archetype]
    review_share = 0.27 if general else 0.45
    chats_per_day = rng.choice([0.02, 0.08, 0.12, 0.2]) * (1.5 if general else 1.0) * spec.scale
    price = (80_000, 900_000) if general else (1_500_000, 35_000_000)
    buyers: list[str] = []
    _profile_event(stream, rng, spec)
    for today in _days(stream, spec, _tiki_season):
        sale = today.day in _TIKI_DOUBLE_DAYS
        for _ in range(_poisson(rng, volume * today.volume)):
            placed = _at(today.day, tz, _time_of_day(rng, _DAYTIME))
            order_id = f"{p.index + 1:03d}{stream.next_id('order'):06d}"
            if buyers and rng.random() < repeat:
                buyer = rng.choice(buyers)
            else:
                buyer = f"tkb-{rng.getrandbits(36):09x}"
                buyers.append(buyer)
            due = placed + timedelta(days=2)
            amount = round(rng.uniform(*price), -3)
            data = {
                "order_id": order_id,
                "buyer_id": buyer,
                "due_by": stream.local(due),
                "amount": int(amount),
                "currency": "VND",
            }
            stream.add(placed, "order.placed", data)
            if rng.random() < 0.035:  # the buyer changes their mind before the shop confirms
                stream.add(
                    placed + timedelta(minutes=rng.uniform(3, 240)),
                    "order.cancelled",
                    {"order_id": order_id, "cause": "customer"},
                )
                continue
            if rng.random() < 0.004:  # payment failed
                stream.add(
                    placed + timedelta(minutes=rng.uniform(20, 120)),
                    "order.cancelled",
                    {"order_id": order_id, "cause": "platform"},
                )
                continue
            confirmed = placed + timedelta(hours=min(20, rng.expovariate(1 / 2.5) + 0.05))
            stream.add(confirmed, "order.confirmed", {"order_id": order_id})
            if rng.random() < cancel:  # out of stock after all
                stream.add(
                    confirmed + timedelta(hours=rng.uniform(1, 36)),
                    "order.cancelled",
                    {"order_id": order_id, "cause": "partner"},
                )
                continue
            if rng.random() < late * (2.0 if sale else 1.0):
                fulfilled = due + timedelta(hours=rng.uniform(2, 80))
            else:
                fulfilled = _business_time_after(
                    rng, confirmed, tz, 2, max(2.5, (due - confirmed).total_seconds() / 3600 - 0.5)
                )
                fulfilled = min(fulfilled, due - timedelta(minutes=10))
            stream.add(fulfilled, "order.fulfilled", {"order_id": order_id})
            delivered = fulfilled + timedelta(days=rng.uniform(1, 5))
            if rng.random() < review_share:
                _review(stream, delivered + timedelta(hours=rng.uniform(2, 96)), _rating5(rng, rating), 5, order_id)
        for _ in range(_poisson(rng, chats_per_day * today.volume)):
            received = _at(today.day, tz, _time_of_day(rng, _DAYTIME))
            _messages(stream, rng, received, chat, 0.35, 12)
    if "flag" in p.plan:
        flag, raised, cleared = p.plan["flag"]
        case_id = f"TK-{'FR' if flag == 'fraud' else 'CF'}-{raised:%y%m%d}-{p.index + 1:03d}"
        stream.add(
            _at(raised, tz, 14 * 3600 + rng.randrange(3600)), "risk.flag_raised", {"flag": flag, "case_id": case_id}
        )
        if cleared is not None:
            stream.add(
                _at(cleared, tz, 10 * 3600 + rng.randrange(3600)),
                "risk.flag_cleared",
                {"flag": flag, "case_id": case_id},
            )


_BUILDERS: dict[str, Callable[[_Stream, random.Random, MarketplaceSpec], None]] = {
    "kkday": _kkday_stream,
    "booking_property": _property_stream,
    "booking_rides": _rides_stream,
    "tiki": _tiki_stream,
}

# ------------------------------------------------------------------------------------------ stream quirks

_VOID_REASONS = [
    "dispute upheld: the traveler did not show up at the meeting point",
    "dispute upheld: the tour was closed by a park authority order",
    "dispute upheld: the courier lost the parcel, not the seller",
    "dispute upheld: the buyer asked the seller to cancel",
    "dispute upheld: duplicate order placed by the buyer",
]


def _voids(spec: MarketplaceSpec, streams: list[_Stream]) -> None:
    """Four partner cancellations (KKday and Tiki, borderline partners first) voided by an upheld dispute."""
    candidates: list[tuple[int, _Stream, _Event]] = []
    for stream in streams:
        if stream.profile.program.key not in ("kkday", "tiki"):
            continue
        rank = 0 if stream.profile.archetype == BORDERLINE else 1
        for event in stream.events:
            if event.type == "order.cancelled" and event.data["cause"] == "partner" and event.at.month >= 7:
                candidates.append((rank, stream, event))
    picked: list[tuple[_Stream, _Event]] = []
    for program in ("kkday", "tiki"):
        rng = _rng(spec.seed, "voids", program)
        pool = [c for c in candidates if c[1].profile.program.key == program]
        pool.sort(key=lambda c: (c[0], c[1].profile.partner_id, c[2].at))
        best = [c for c in pool if c[0] == pool[0][0]] if pool else []
        for _, stream, event in rng.sample(best, min(2, len(best))):
            if all(s is not stream for s, _ in picked):
                picked.append((stream, event))
    for number, (stream, event) in enumerate(picked):
        when = event.at + timedelta(days=rng.uniform(4, 12))
        voided = stream.add(when, "event.voided", {"voided_event_id": "", "reason": _VOID_REASONS[number]})
        if voided is not None:
            voided.data["_voids"] = event


def _close(stream: _Stream) -> list[tuple[datetime, dict[str, Any]]]:
    events = stream.close()
    out = []
    for event in events:
        data = event.data
        if event.type == "event.voided":
            target = data.pop("_voids")
            data["voided_event_id"] = target.event_id
        out.append(
            (
                event.at,
                {
                    "event_id": event.event_id,
                    "type": event.type,
                    "partner_id": stream.profile.partner_id,
                    "occurred_at": event.at.astimezone(stream.tz).isoformat(),
                    "data": data,
                },
            )
        )
    return out


def _copy(envelope: dict[str, Any]) -> dict[str, Any]:
    data = {k: list(v) if isinstance(v, list) else v for k, v in envelope["data"].items()}
    return {**envelope, "data": data}


def _timed(spec: MarketplaceSpec) -> list[tuple[datetime, dict[str, Any], bool]]:
    """Every envelope with its instant and whether it is a verbatim re-send, sorted by (instant, event id)."""
    streams: list[_Stream] = []
    for profile in _roster(spec):
        program = profile.program
        horizon = _at(spec.end + timedelta(days=1), program.tz, 0)
        stream = _Stream(profile, horizon)
        _BUILDERS[program.key](stream, _rng(spec.seed, profile.partner_id), spec)
        streams.append(stream)
    _voids(spec, streams)
    timed: list[tuple[datetime, dict[str, Any], bool]] = []
    for stream in streams:
        dup_rng = _rng(spec.seed, stream.profile.partner_id, "duplicates")
        for at, envelope in _close(stream):
            timed.append((at, envelope, False))
            if dup_rng.random() < 0.005:
                timed.append((at, _copy(envelope), True))
    timed.sort(key=lambda item: (item[0], item[1]["event_id"], item[2]))
    return timed


# ---------------------------------------------------------------------------------------------- public API


def partners(spec: MarketplaceSpec) -> list[dict[str, Any]]:
    """The generated partner profiles: partner_id, program (id), archetype, and the profile fields."""
    return [profile.public() for profile in _roster(spec)]


def generate(spec: MarketplaceSpec) -> list[dict[str, Any]]:
    """The marketplace's event envelopes (DESIGN section 3), sorted by occurred_at (as an instant), then event_id."""
    return [envelope for _, envelope, _ in _timed(spec)]


def arrival_order(spec: MarketplaceSpec) -> list[dict[str, Any]]:
    """The same envelopes as `generate`, in the order the marketplace delivers them.

    Most events arrive seconds to minutes after they occur. A verbatim duplicate is re-sent 1 hour to 3 days after
    its original; a handful of events (about one in 8,000, at least three in a stream of 3,000 or more) arrive
    2 to 6 days late, so a period may close before they land. Position is the only signal: no field is added."""
    rng = _rng(spec.seed, "arrival")
    timed = _timed(spec)
    late_every = max(1, min(len(timed) // 3, 8000))
    arriving: list[tuple[datetime, int, dict[str, Any]]] = []
    for n, (at, envelope, duplicate) in enumerate(timed):
        if duplicate:
            delay = timedelta(hours=rng.uniform(1, 72))
        elif envelope["type"] != "partner.profile" and len(timed) >= 3000 and rng.randrange(late_every) == 0:
            delay = timedelta(days=rng.uniform(2, 6))
        else:
            delay = timedelta(seconds=rng.uniform(1, 300))
        arriving.append((at + delay, n, envelope))
    arriving.sort(key=lambda item: (item[0], item[1]))
    return [envelope for _, _, envelope in arriving]
