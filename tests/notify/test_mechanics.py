"""The mechanical rules every email kind obeys in every locale (issue 14): the subject decodes to exactly the HTML
title, no "UTC", no "0 days", no stacked colons or doubled spaces, one date style per email, Thai numbers with
classifiers, List-Unsubscribe plain and one-click on optional mail only."""

from __future__ import annotations

import copy
import email
import email.policy
import html as htmllib
import re

import pytest
import samples

from standing.notify.mime import build_mime
from standing.notify.render import EmailLinks, render_membership, render_report, render_warning

LOCALES = ("en", "th", "vi", "zh-TW")
LINKS = EmailLinks(
    portal="https://api.standing.example/portal/eyJwIjoia2stMDA0MiIsIngiOjE3MjU0MDAwMDB9.c2lnbmF0dXJl",
    unsubscribe="https://api.standing.example/unsubscribe/eyJwIjoia2stMDA0MiIsIngiOjE3NTY5MzYwMDB9.c2lnbmF0dXJl",
)


def never_joined(locale: str) -> dict:
    detail = samples.booking_evaluated(locale)
    detail["record"].update({"status": "opted_out", "membership": {"state": "never_joined", "changed_on": None}})
    return detail


def left(locale: str) -> dict:
    detail = samples.booking_evaluated(locale)
    detail["record"].update({"status": "opted_out", "membership": {"state": "opted_out", "changed_on": "2024-08-12"}})
    return detail


def suspended(locale: str) -> dict:
    detail = samples.tiki_evaluated(locale)
    detail["record"]["status"] = "suspended"
    detail["record"]["metrics"]["fraud_free"].update({"value": False, "outcome": "fail", "headroom_kind": "change"})
    return detail


def last_day_warning(locale: str) -> dict:
    return {**samples.at_risk(locale), "days_left": 1, "data_as_of": "2024-08-30T17:00:00+00:00"}


def every_email(locale: str) -> list[tuple[str, object]]:
    """(name, rendered) for every kind and situation."""
    long_name = samples.kkday_evaluated(locale)
    long_name["partner"]["name"] = "Công ty TNHH Du lịch và Dịch vụ Lữ hành Quốc tế Ánh Dương Phương Nam"
    return [
        ("report kkday", render_report(samples.kkday_evaluated(locale), LINKS)),
        ("report tiki", render_report(samples.tiki_evaluated(locale), LINKS)),
        ("report tiki suspended", render_report(suspended(locale), LINKS)),
        ("report booking", render_report(samples.booking_evaluated(locale), LINKS)),
        ("report booking never joined", render_report(never_joined(locale), LINKS)),
        ("report booking left", render_report(left(locale), LINKS)),
        ("report rides", render_report(samples.rides_evaluated(locale), LINKS)),
        ("report long name", render_report(long_name, LINKS)),
        (
            "warning",
            render_warning(samples.at_risk(locale, ("message_response_rate", "partner_cancellation_rate")), LINKS),
        ),
        ("warning one", render_warning(samples.at_risk(locale), LINKS)),
        ("warning last day", render_warning(last_day_warning(locale), LINKS)),
        ("membership left", render_membership(samples.membership("opt_out", locale=locale), LINKS)),
        ("membership refused", render_membership(samples.membership("opt_in", granted=False, locale=locale), LINKS)),
        ("membership joined", render_membership(samples.membership("opt_in", granted=True, locale=locale), LINKS)),
    ]


CASES = [(locale, name, rendered) for locale in LOCALES for name, rendered in every_email(locale)]
IDS = [f"{locale}-{name}" for locale, name, _ in CASES]


def _visible(html: str) -> str:
    body = re.sub(r"<(style|head)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", body))


def _title(html: str) -> str:
    return htmllib.unescape(re.search(r"<title>(.*?)</title>", html, re.S).group(1))


@pytest.mark.parametrize(("locale", "name", "rendered"), CASES, ids=IDS)
def test_subject_decodes_to_the_html_title(locale, name, rendered):
    raw = build_mime(
        rendered,
        sender="reports@standing.example",
        sender_name=rendered.sender_name,
        recipient="partner@example.com",
        recipient_name="Nhà Sách Phương Nam — บ้านริมน้ำ 台北",
        list_unsubscribe=LINKS.unsubscribe if rendered.kind == "warning" else None,
    )
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"] == _title(rendered.html) == rendered.subject
    assert message["From"].addresses[0].display_name == rendered.sender_name
    assert message["To"].addresses[0].display_name == "Nhà Sách Phương Nam — บ้านริมน้ำ 台北"
    for line in raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        assert len(line) <= 998


@pytest.mark.parametrize("locale", LOCALES)
def test_a_long_subject_keeps_every_space(locale):
    detail = samples.booking_evaluated(locale)
    detail["program"] = "acme-trusted-seller"
    detail["program_name"] = "Acme Trusted Seller Programme " * 4 + "Nhà bán Uy tín ไทย"
    detail["record"]["program"] = "acme-trusted-seller"
    rendered = render_report(detail, LINKS)
    raw = build_mime(rendered, sender="r@standing.example", sender_name=rendered.sender_name, recipient="p@example.com")
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert len(rendered.subject) > 120
    assert message["Subject"] == rendered.subject == _title(rendered.html)


@pytest.mark.parametrize(("locale", "name", "rendered"), CASES, ids=IDS)
def test_no_utc_no_zero_days_no_stacked_colons_no_doubled_spaces(locale, name, rendered):
    for text in (rendered.subject, rendered.text, _visible(rendered.html)):
        assert "UTC" not in text
        assert not re.search(r"(?<![\d.,])0 (days?|วัน|ngày|天)", text)
        assert "still open" not in text or "warning" in name
    for text in (rendered.subject, rendered.text):
        assert not re.search(r"[:：]\s*[:：]", text), text
        for line in text.splitlines():
            assert "  " not in line.strip(), line
            assert not line.endswith((": ", "： ")), line
        if locale == "zh-TW":  # no half-width space after full-width punctuation
            assert not re.search(r"[：）」。，]( )", text), re.search(r".{10}[：）」。，] .{10}", text)


DATE_LIKE = {
    "en": r"\b\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?(?: \d{4})?|\b\d{4}-\d{2}-\d{2}\b|"
    r"\b\d{1,2}/\d{1,2}/\d{2,4}\b|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{1,2},",
    "th": r"\d{1,2} ?(?:ม\.ค\.|ก\.พ\.|มี\.ค\.|เม\.ย\.|พ\.ค\.|มิ\.ย\.|ก\.ค\.|ส\.ค\.|ก\.ย\.|ต\.ค\.|พ\.ย\.|ธ\.ค\.|"
    r"มกราคม|กุมภาพันธ์|มีนาคม|เมษายน|พฤษภาคม|มิถุนายน|กรกฎาคม|สิงหาคม|กันยายน|ตุลาคม|พฤศจิกายน|ธันวาคม)"
    r"(?: ?(?:ค\.ศ\.|พ\.ศ\.)? ?\d{4})?|\b\d{4}-\d{2}-\d{2}\b",
    "vi": r"\b\d{1,2}/\d{1,2}/\d{4}\b|\b\d{1,2} (?:thg|tháng) \d{1,2}\b|\b\d{4}-\d{2}-\d{2}\b",
    "zh-TW": r"\d{4}年\d{1,2}月(?:\d{1,2}日)?|\b\d{1,2}/\d{1,2}\b|\b\d{4}-\d{2}-\d{2}\b",
}
HOUSE_STYLE = {
    "en": r"\d{1,2} (?:January|February|March|April|May|June|July|August|September|October|November|December) \d{4}",
    "th": r"\d{1,2} (?:มกราคม|กุมภาพันธ์|มีนาคม|เมษายน|พฤษภาคม|มิถุนายน|กรกฎาคม|สิงหาคม|กันยายน|ตุลาคม|พฤศจิกายน|"
    r"ธันวาคม) 25\d\d",
    "vi": r"\d{2}/\d{2}/\d{4}",
    "zh-TW": r"\d{4}年\d{1,2}月(?:\d{1,2}日)?",
}


@pytest.mark.parametrize(("locale", "name", "rendered"), CASES, ids=IDS)
def test_one_date_style_per_email(locale, name, rendered):
    text = rendered.subject + "\n" + rendered.text
    found = re.findall(DATE_LIKE[locale], text)
    assert found, "every email names at least one date"
    assert [d for d in found if not re.fullmatch(HOUSE_STYLE[locale], d)] == [], found
    if locale == "th":
        assert not re.search(r"\b20\d\d\b", text), "Thai years are Buddhist-era"


THAI_CLASSIFIERS = (
    "รายการ|ครั้ง|ข้อความ|ชั่วโมง|วัน|เดือน|คะแนน|เที่ยว|ราย|คน|ชิ้น|จุดเปอร์เซ็นต์|%|ข้อ|หน่วย|น\\.|"
    "มกราคม|กุมภาพันธ์|มีนาคม|เมษายน|พฤษภาคม|มิถุนายน|กรกฎาคม|สิงหาคม|กันยายน|ตุลาคม|พฤศจิกายน|ธันวาคม"
)


@pytest.mark.parametrize(("name", "rendered"), [(n, r) for loc, n, r in CASES if loc == "th"])
def test_thai_numbers_have_their_classifier(name, rendered):
    text = rendered.subject + "\n" + rendered.text
    text = re.sub(r"https?://\S+|[\w.+-]+@[\w.-]+", " ", text)  # links and addresses
    text = re.sub(r"\b25\d\d\b", " ", text)  # years close a date
    text = re.sub(r"\d{2}\.\d{2} น\.", " ", text)  # times
    text = re.sub(r"\d+(?:[.,]\d+)? จาก (\d+) คะแนน", " ", text)  # scores "6.8 จาก 10 คะแนน"
    follows = re.compile(r" ?(?:" + THAI_CLASSIFIERS + ")")
    bare = [
        text[max(0, m.start() - 15) : m.end() + 10]
        for m in re.finditer(r"(?<![\d.,])\d+(?:[.,]\d+)*", text)
        if not follows.match(text, m.end())
    ]
    assert bare == [], bare


@pytest.mark.parametrize("locale", LOCALES)
def test_list_unsubscribe_is_plain_and_one_click_on_warnings_only(locale):
    warning = render_warning(samples.at_risk(locale), LINKS)
    raw = build_mime(
        warning,
        sender="r@standing.example",
        sender_name=warning.sender_name,
        recipient="p@example.com",
        list_unsubscribe=LINKS.unsubscribe,
    )
    headers = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    assert f"\r\nList-Unsubscribe: <{LINKS.unsubscribe}>\r\n" in headers  # one line, never an encoded word
    assert "\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in headers
    assert "=?" not in headers.split("List-Unsubscribe")[1].split("\r\n")[0]
    report = render_report(samples.kkday_evaluated(locale), LINKS)
    message = email.message_from_bytes(
        build_mime(report, sender="r@standing.example", sender_name="KKday", recipient="p@example.com"),
        policy=email.policy.default,
    )
    assert message["List-Unsubscribe"] is None and message["List-Unsubscribe-Post"] is None


def test_list_unsubscribe_refuses_anything_but_one_https_url():
    warning = render_warning(samples.at_risk("en"), LINKS)
    for bad in ("mailto:x@example.com", "https://a.example/x> <https://b.example/y"):
        with pytest.raises(ValueError, match="List-Unsubscribe"):
            build_mime(warning, sender="r@s.example", sender_name="", recipient="p@example.com", list_unsubscribe=bad)


@pytest.mark.parametrize(("locale", "name", "rendered"), CASES, ids=IDS)
def test_every_email_links_to_the_partners_page_and_names_its_time_zone(locale, name, rendered):
    assert f'href="{LINKS.portal}"' in rendered.html
    assert LINKS.portal in rendered.text
    zone = {"en": "Taiwan Time", "th": "เวลาไต้หวัน", "vi": "giờ Đài Loan", "zh-TW": "台灣時間"}[locale]
    if "kkday" in name or "warning" in name:
        assert zone in rendered.text


@pytest.mark.parametrize("locale", LOCALES)
def test_times_are_in_the_programs_time_zone(locale):
    # 23:00 UTC on 28 June is already the 29th in Taipei.
    detail = {
        **samples.at_risk(locale),
        "data_as_of": "2024-06-28T23:00:00+00:00",
        "period": {"start": "2024-06-01", "end": "2024-06-30"},
    }
    text = render_warning(detail, LINKS).text
    expected = {
        "en": "29 June 2024, 07:00",
        "th": "29 มิถุนายน 2567 เวลา 07.00 น.",
        "vi": "07:00 ngày 29/06/2024",
        "zh-TW": "2024年6月29日 07:00",
    }
    assert expected[locale] in text


@pytest.mark.parametrize("locale", LOCALES)
def test_a_fraud_check_under_review_is_never_called_needs_improvement(locale):
    from standing.notify.catalog import MESSAGES

    rendered = render_report(suspended(locale), LINKS)
    row = next(
        line for line in rendered.text.splitlines() if MESSAGES[locale]["metrics"]["fraud_free"]["title"] in line
    )
    assert MESSAGES[locale]["outcome"]["under_review"] in row
    assert MESSAGES[locale]["outcome"]["fail"] not in row


@pytest.mark.parametrize("locale", LOCALES)
def test_never_joined_is_told_how_to_join_not_that_it_left(locale):
    from standing.notify.catalog import MESSAGES

    m = MESSAGES[locale]
    text = render_report(never_joined(locale), LINKS).text
    assert m["status"]["never_joined"] in text
    assert m["programs"]["booking-preferred-property"]["actions"]["join"] in text
    assert m["status_meaning"]["left"].split("{date}")[0] not in text
    assert m["programs"]["booking-preferred-property"]["actions"]["leave"] not in text
    gone = render_report(left(locale), LINKS).text
    assert m["status_meaning"]["left"].split("{date}")[0] in gone
    assert m["programs"]["booking-preferred-property"]["actions"]["leave"] not in gone
    older = samples.booking_evaluated(locale)
    older["record"]["status"] = "opted_out"  # a record from before `membership` existed
    assert m["status_meaning"]["left"].split("{date}")[0] not in render_report(older, LINKS).text


@pytest.mark.parametrize("locale", LOCALES)
def test_leave_advice_only_for_members_and_rejoin_said_once(locale):
    from standing.notify.catalog import MESSAGES

    leave = MESSAGES[locale]["programs"]["booking-preferred-property"]["actions"]["leave"]
    for granted, action in ((True, "opt_in"), (False, "opt_in"), (True, "opt_out")):
        text = render_membership(samples.membership(action, granted=granted, locale=locale), LINKS).text
        assert leave not in text
    left_mail = render_membership(samples.membership("opt_out", locale=locale), LINKS).text
    rejoin = {"en": "rejoin", "th": "กลับเข้าร่วม", "vi": "tham gia lại", "zh-TW": "重新加入"}[locale]
    assert left_mail.count(rejoin) == 1
    assert leave in render_report(samples.booking_evaluated(locale), LINKS).text


def test_english_follows_its_glossary():
    texts = [r for loc, _, r in CASES if loc == "en"]
    for rendered in texts:
        lowered = (rendered.subject + rendered.text).lower()
        assert "the bar" not in lowered and "this month" not in lowered
        assert not re.search(r"\bprogram\b", lowered), "programme throughout"
    kkday = render_report(samples.kkday_evaluated("en"), LINKS).text
    assert "Order Fulfillment Rate" in kkday
    booking = samples.booking_evaluated("en")
    booking["record"].update({"status": "awarded", "benefits": {"commission_uplift_pct": 3}})
    assert "3 percentage points" in render_report(booking, LINKS).text
    tiki = render_report(samples.tiki_evaluated("en"), LINKS).text
    assert "title" in tiki and "badge" not in tiki


def test_vietnamese_register_and_title():
    for _, _name, rendered in [c for c in CASES if c[0] == "vi"]:
        text = rendered.text
        assert text.startswith("Kính gửi")
        assert "bạn" not in text.replace("Nhà bán", "").lower().split() and "Xin chào" not in text
        for calque in ("vụ việc chưa đóng", "Không có vụ việc", "chưa đủ số trường hợp", "còn được phép"):
            assert calque not in text
        for line in text.splitlines():
            stripped = line.lstrip("-* ").strip()
            if stripped and stripped[0].isalpha():
                assert not stripped[0].islower(), line
    tiki = render_report(samples.tiki_evaluated("vi"), LINKS).text
    assert "danh hiệu" in tiki and "huy hiệu Nhà bán" not in tiki and "Quý Nhà bán" in tiki


def test_chinese_says_the_english_name_once_and_counts_with_the_right_words():
    for _, _name, rendered in [c for c in CASES if c[0] == "zh-TW"]:
        assert rendered.text.count("（Trusted Partner）") <= 1
        assert rendered.text.count("（Preferred Partner）") <= 1
        assert "案例數量不足" not in rendered.text and "數據" not in rendered.text
        assert "則聊天" not in rendered.text and "則評分" not in rendered.text
    rides = render_report(samples.rides_evaluated("zh-TW"), LINKS).text
    assert "服務事故率" in rides
    tiki = copy.deepcopy(samples.tiki_evaluated("zh-TW"))
    tiki["record"]["metrics"]["chat_response_rate"].update({"outcome": "not_applicable", "value": None})
    assert "樣本數不足" in render_report(tiki, LINKS).text
