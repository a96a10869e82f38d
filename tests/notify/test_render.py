"""What the partner reads: content, translations, escaping, header safety, locale fallback."""

from __future__ import annotations

import email
import email.policy
import re

import pytest
import samples

from standing.notify.catalog import MESSAGES, METRIC_FORMATS, resolve_locale
from standing.notify.mime import build_mime
from standing.notify.render import header_safe, render_membership, render_report, render_warning

LOCALES = ("en", "th", "vi", "zh-TW")
# Brand, product and platform names, and addresses, which stay as they are in every language.
KEEP = re.compile(
    r"KKday|Trusted Partner|Preferred Partner|Rides|Booking\.com|Tiki|Nhà bán Uy tín|Uy tín|API|App|extranet|"
    r"[\w.+-]+@[\w.-]+|Sunrise Tours Co\.|Chiang Mai Trekking"
)
ENGLISH_WORDS = re.compile(
    r"\b(the|and|your|you|metric|metrics|orders?|needed|allowed|required|period|status|badge|reply|within|"
    r"what|next|hours?|cancel|evaluation|improvement|bar)\b",
    re.IGNORECASE,
)


def _shape(tree):
    if isinstance(tree, dict):
        return {k: _shape(v) for k, v in tree.items()}
    if isinstance(tree, list):
        return len(tree)
    return type(tree).__name__ if not isinstance(tree, tuple) else "str"


@pytest.mark.parametrize("locale", ["th", "vi", "zh-TW"])
def test_every_locale_has_every_text(locale):
    en, other = dict(MESSAGES["en"]), dict(MESSAGES[locale])
    # plural "_one" forms are English-only; every other key must exist
    en["ui"] = {k: v for k, v in en["ui"].items() if not k.endswith("_one") or k in other["ui"]}
    assert _shape(other) == _shape(en)


@pytest.mark.parametrize("locale", ["th", "vi", "zh-TW"])
def test_placeholders_match_english(locale):
    for key, text in MESSAGES[locale]["ui"].items():
        base = MESSAGES["en"]["ui"][key]
        assert set(re.findall(r"{(\w+)}", text)) <= set(re.findall(r"{(\w+)}", base)) | {"count", "clf"}, key


def test_every_builtin_metric_has_a_title_and_advice_in_every_locale():
    for locale in LOCALES:
        for metric_id in METRIC_FORMATS:
            entry = MESSAGES[locale]["metrics"][metric_id]
            assert entry["title"] and entry["action"] and entry["about"], (locale, metric_id)


def _all_details(locale):
    return [
        (render_report, samples.kkday_evaluated(locale)),
        (render_report, samples.tiki_evaluated(locale)),
        (render_report, samples.booking_evaluated(locale)),
        (render_report, samples.rides_evaluated(locale)),
        (render_warning, samples.at_risk(locale, ("message_response_rate", "partner_cancellation_rate"))),
        (render_membership, samples.membership("opt_out", locale=locale)),
        (render_membership, samples.membership("opt_in", granted=False, locale=locale)),
        (render_membership, samples.membership("opt_in", granted=True, locale=locale)),
    ]


@pytest.mark.parametrize("locale", ["th", "zh-TW"])
def test_no_english_left_in_thai_and_chinese_emails(locale):
    for render, detail in _all_details(locale):
        detail["partner"]["name"] = "Sunrise Tours Co."
        rendered = render(detail)
        for text in (rendered.subject, rendered.text):
            leftover = re.findall(r"[A-Za-z]{3,}", KEEP.sub(" ", text))
            assert leftover == [], (render.__name__, leftover)


def test_no_english_left_in_vietnamese_emails():
    for render, detail in _all_details("vi"):
        rendered = render(detail)
        for text in (rendered.subject, rendered.text):
            assert ENGLISH_WORDS.findall(KEEP.sub(" ", text)) == [], render.__name__


def test_english_report_tells_the_partner_where_they_stand():
    report = render_report(samples.kkday_evaluated("en"))
    text = report.text
    assert report.subject == "KKday Trusted Partner: 2 metrics need improvement (July 2024)"
    for expected in (
        "Not awarded",
        "Message response rate: 85.7% (Required: at least 90%) - Needs improvement — 6 more replies within 12 hours",
        "Partner cancellation rate: 3.3% (Required: at most 2%) - Needs improvement",
        "Order Fulfillment Rate: 97.5% (Required: at least 95%) - Meets the requirement",
        "3 more orders not confirmed in time this period would still pass",
        "within 12 hours",
        "ask the traveller to cancel and reorder",
        "Do not cancel orders yourself",
        "Evaluation period: July 2024",
        "Figures as of: 4 August 2024, 00:00 (Taiwan Time)",  # 16:00 UTC on 3 August is midnight in Taipei
        "Next evaluation: 4 September 2024",
        "Your products rank lower in search results",
        "Dates and times in this email are in Taiwan Time.",
    ):
        assert expected in text, expected
    assert "Reply to each traveller-initiated message within 12 hours" in report.html


def test_what_to_do_next_lists_actions_not_definitions():
    text = render_report(samples.kkday_evaluated("en")).text
    steps = text.split("What to do next", 1)[1].split("--", 1)[0]
    assert "Message response rate: Reply to each traveller-initiated message within 12 hours." in steps
    assert "Traveller-initiated messages you replied to within 12 hours." not in steps  # the definition stays above
    tiki = render_report(samples.tiki_evaluated("vi"))
    assert "Tỷ lệ phản hồi = số lượt trả lời chat / số cuộc chat nhận được" in tiki.html  # what the metric measures
    assert "ít nhất 2 tin nhắn" in tiki.text
    booking = render_report(samples.booking_evaluated("th")).text
    assert "ถอนตัวจากโปรแกรมที่พักแนะนำ" in booking  # a member is told how to leave
    kkday = render_report(samples.kkday_evaluated("zh-TW")).text
    assert "12 小時內回覆" in kkday and "請勿自行取消訂單" in kkday and "重新下單" in kkday


def test_numbers_and_dates_follow_the_locale():
    vi = render_report(samples.tiki_evaluated("vi")).text
    assert "1,2%" in vi and "4,6/5" in vi and "01/07/2024 – 30/09/2024" in vi  # decimal comma, dd/mm/yyyy
    zh = render_report(samples.kkday_evaluated("zh-TW")).text
    assert "2024年9月4日" in zh and "2024年7月" in zh
    th = render_report(samples.kkday_evaluated("th")).text
    assert "เดือนกรกฎาคม 2567" in th and "85.7%" in th and "4 กันยายน 2567" in th  # Buddhist era


def test_warning_says_which_metric_how_far_what_to_do_and_when_the_period_ends():
    warning = render_warning(samples.at_risk("en"))
    assert warning.subject == "KKday Trusted Partner: Message response rate is at risk (period ends 31 August 2024)"
    assert "The period ends on 31 August 2024: 9 days left to improve, including today." in warning.text
    assert "85.7%" in warning.text and "at least 90%" in warning.text
    assert "6 more replies within 12 hours needed" in warning.text
    assert "Reply to each traveller-initiated message within 12 hours." in warning.text
    assert "Partner cancellation rate" not in warning.text  # only the metrics at risk
    last = render_warning({**samples.at_risk("en"), "days_left": 1})
    assert "Today, 31 August 2024, is the last day of the period." in last.text
    closed = render_warning({**samples.at_risk("en"), "days_left": 0})
    assert "has ended" in closed.text and "still open" not in closed.text and "0 days" not in closed.text


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("th", "th"),
        ("th-TH", "th"),
        ("vi_VN", "vi"),
        ("zh-TW", "zh-TW"),
        ("zh_Hant", "zh-TW"),
        ("zh-HK", "zh-TW"),
        ("zh-CN", "en"),
        ("fr", "en"),
        ("", "en"),
        (None, "en"),
        (42, "en"),
    ],
)
def test_locale_resolution(tag, expected):
    assert resolve_locale(tag) == expected


def test_unknown_locale_falls_back_to_english():
    report = render_report(samples.kkday_evaluated("fr-FR"))
    assert report.locale == "en"
    assert "Message response rate" in report.text
    assert '<html lang="en">' in report.html


def test_partner_name_is_escaped_in_html():
    report = render_report(samples.kkday_evaluated("en", name="<script>alert(1)</script>"))
    assert "<script>" not in report.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report.html
    warning = render_warning({**samples.at_risk(), "partner": {"name": "<img src=x onerror=alert(1)>"}})
    assert "<img" not in warning.html and "&lt;img src=x onerror=alert(1)&gt;" in warning.html


def test_event_supplied_program_name_is_escaped_and_header_safe():
    detail = samples.kkday_evaluated("en")
    detail["program"], detail["program_name"] = "acme-gold", "Acme <b>Gold</b>\r\nBcc: victim@example.com"
    detail["record"]["program"] = "acme-gold"
    detail["record"]["metrics"]["custom_metric"] = {"value": 12, "threshold": 10, "op": ">=", "outcome": "pass"}
    report = render_report(detail)
    assert "\r" not in report.subject and "\n" not in report.subject
    assert "&lt;b&gt;Gold&lt;/b&gt;" in report.html
    assert "custom_metric" in report.text  # unknown metric ids still render
    raw = build_mime(
        report,
        sender="reports@standing.example",
        sender_name=report.program_name,
        recipient="ops@sunrise.example",
        recipient_name="Evil\r\nBcc: x@evil.example",
    )
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Bcc"] is None
    assert "\n" not in message["Subject"] and "Bcc: victim@example.com" in message["Subject"]
    assert [a.addr_spec for a in message["To"].addresses] == ["ops@sunrise.example"]


def test_header_safe_strips_control_characters():
    assert header_safe("a\r\nb\tc\x00d\u2028e") == "a b c d e"


def test_statuses_and_values_of_every_kind_render():
    for status in ("awarded", "not_awarded", "ineligible", "suspended", "opted_out"):
        detail = samples.tiki_evaluated("th")
        detail["record"]["status"] = status
        detail["record"]["metrics"]["chat_response_rate"].update(
            {
                "outcome": "not_applicable",
                "value": None,
                "headroom_kind": "until_applicable",
                "headroom_amount": 1,
                "headroom_unit": "chat_response_rate.sample",
            }
        )
        detail["record"]["metrics"]["fraud_free"].update({"value": False, "outcome": "fail"})
        rendered = render_report(detail)
        assert MESSAGES["th"]["status"][status] in rendered.text
        assert "จะเริ่มนับเมื่อมีแชทเพิ่มอีก 1" in rendered.text
        assert "อยู่ระหว่างการตรวจสอบ" in rendered.text


def test_membership_refusal_names_the_failing_criteria():
    refused = render_membership(samples.membership("opt_in", granted=False, locale="en"))
    assert "could not be granted" in refused.subject
    assert "Review score" in refused.text


def test_a_value_just_under_the_bar_never_reads_as_the_bar():
    detail = samples.kkday_evaluated("en")
    detail["record"]["metrics"]["message_response_rate"]["value"] = 0.89996
    text = render_report(detail).text
    assert "Message response rate: 89.996% (Required: at least 90%) - Needs improvement" in text


def test_warning_shows_when_the_data_was_taken():
    detail = {**samples.at_risk("th"), "data_as_of": "2024-08-22T03:00:00+00:00"}
    assert "ข้อมูล ณ: 22 สิงหาคม 2567 เวลา 11.00 น. (เวลาไต้หวัน)" in render_warning(detail).text


@pytest.mark.parametrize("locale", LOCALES)
def test_benefits_are_told_in_words(locale):
    detail = samples.booking_evaluated(locale)
    detail["record"].update(
        {"status": "awarded", "benefits": {"badge": "thumbs_up", "commission_uplift_pct": 3, "search_visibility": 1}}
    )
    text = render_report(detail).text
    badge = MESSAGES[locale]["programs"]["booking-preferred-property"]["badge"]
    assert MESSAGES[locale]["benefit"]["commission_uplift_pct"].format(pct="3", badge=badge) in text
    assert MESSAGES[locale]["benefit"]["search_visibility"] in text
    assert "commission_uplift" not in text and "thumbs_up" not in text


def test_every_unit_the_engine_names_has_a_word_in_every_locale():
    from standing.notify.catalog import UNIT_ALIASES

    for locale in LOCALES:
        for alias in set(UNIT_ALIASES.values()):
            assert alias in MESSAGES[locale]["units"], (locale, alias)


def test_every_unit_and_metric_of_the_loaded_programs_has_words_in_every_locale():
    """Contract with the rules engine: the `headroom_unit` keys it emits (`{metric}.{role}` or a program's own key)
    and its metric ids are all known to the catalogues, so no email falls back to a bare number or an id."""
    from standing.catalog import programs
    from standing.notify.catalog import UNIT_ALIASES, Texts

    for program in programs().values():
        for version in program.versions:
            for metric in version.metrics:
                assert metric.id in METRIC_FORMATS, (program.id, metric.id)
                for role, unit in (metric.units or {}).items():
                    assert unit.key in UNIT_ALIASES, (program.id, metric.id, role, unit.key)
                    for locale in LOCALES:
                        assert Texts(locale).unit(unit.key, 2) is not None, (locale, unit.key)


@pytest.mark.parametrize("locale", LOCALES)
def test_a_metric_with_nothing_measured_says_so(locale):
    detail = samples.booking_evaluated(locale)
    detail["record"]["metrics"]["review_score"].update(
        {
            "value": None,
            "outcome": "fail",
            "headroom_kind": "until_applicable",
            "headroom_amount": 1,
            "headroom_unit": "review_score.sample",
            "reason": "no guest reviews in the period",
        }
    )
    text = render_report(detail).text
    expected = "No guest reviews in the period" if locale == "en" else MESSAGES[locale]["ui"]["no_data"]
    row = next(
        line
        for line in text.splitlines()
        if MESSAGES[locale]["metrics"]["review_score"]["title"] + MESSAGES[locale]["ui"]["sep"] in line
    )
    assert expected in row
    assert MESSAGES[locale]["headroom"]["until_applicable"].split("{")[0] not in row
