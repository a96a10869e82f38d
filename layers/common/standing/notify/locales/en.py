"""English texts (the fallback locale). The advice follows each program's own published wording."""

MESSAGES = {
    "ui": {
        "sep": ": ",
        "subject_report_awarded": "{program}: you earned the {badge} for {period}",
        "subject_report_not_awarded_one": "{program}: 1 metric needs improvement ({period})",
        "subject_report_not_awarded": "{program}: {count} metrics need improvement ({period})",
        "subject_report_status": "{program}: your result for {period}",
        "subject_report_suspended": "{program}: your {badge} is suspended",
        "subject_warning_one": "{program}: {metric} is at risk, {days} left",
        "subject_warning": "{program}: {count} metrics are at risk, {days} left",
        "subject_membership_joined": "{program}: welcome, you have joined",
        "subject_membership_refused": "{program}: your request to join could not be granted",
        "subject_membership_left": "{program}: you have left the programme",
        "greeting": "Hello {name},",
        "greeting_no_name": "Hello,",
        "report_intro": "Here is your {program} result for {period}.",
        "status_heading": "Your status",
        "period_label": "Evaluation period",
        "data_as_of_label": "Data as of",
        "next_evaluation_label": "Next evaluation",
        "valid_until_label": "Badge valid until",
        "metrics_heading": "Your metrics",
        "col_metric": "Metric",
        "col_value": "Your result",
        "col_threshold": "Required",
        "col_outcome": "Outcome",
        "next_steps_heading": "What to do next",
        "keep_steps_heading": "How to keep your badge",
        "consequences_heading": "What this means for you",
        "no_metrics": "No metrics were measured for this evaluation.",
        "not_counted": "Not counted this period: too few cases to measure.",
        "footer": (
            "This is an automated message about {program}. Figures cover the activity received up to the "
            "“data as of” time; anything that arrives later counts in the next evaluation."
        ),
        "warning_intro_one": (
            "The current {program} period ({period}) is still open, but one of your metrics is close to the bar "
            "or already below it."
        ),
        "warning_intro": (
            "The current {program} period ({period}) is still open, but {count} of your metrics are close to the bar "
            "or already below it."
        ),
        "warning_days_left": "You have {days} left to improve before the period closes.",
        "pp": "{v} percentage points",
        "days_one": "1 day",
        "days": "{n} days",
        "warning_now": "Now",
        "warning_gap": "How far from the bar",
        "warning_todo": "What to do",
        "unsubscribe_note": (
            "You receive these mid-period warnings because you are enrolled in {program}. You can stop them with "
            "the unsubscribe option of your mail app; your evaluation reports will still be sent."
        ),
        "membership_joined": "You have joined {program}. Your membership takes effect immediately.",
        "membership_refused": (
            "We could not grant your request to join {program}: you can join only when you meet all the criteria, "
            "and these are not met at the moment:"
        ),
        "membership_left": (
            "You have left {program}. Your status and commission changed immediately. You can rejoin only when you "
            "meet all the criteria again."
        ),
        "membership_status": "Your status now: {status}.",
    },
    "status": {
        "awarded": "Badge awarded",
        "not_awarded": "Not awarded",
        "ineligible": "Not eligible",
        "suspended": "Suspended",
        "opted_out": "Not a member",
    },
    "status_meaning": {
        "awarded": "You hold the {badge}.",
        "not_awarded": "You did not qualify for the {badge} this period: at least one metric does not meet the bar.",
        "ineligible": "You are not eligible for this program at the moment, so no badge was awarded.",
        "suspended": "Your {badge} is suspended while an open case is reviewed.",
        "opted_out": (
            "You are not a member of this program, so no badge applies. Your results are shown for your information."
        ),
    },
    "outcome": {"pass": "Meets the bar", "fail": "Needs improvement", "not_applicable": "Not counted"},
    "op": {
        ">=": "at least {v}",
        ">": "more than {v}",
        "<=": "at most {v}",
        "<": "below {v}",
        "==": "{v}",
        "!=": "not {v}",
    },
    "consequence": {
        "ranking_demotion": "Your ranking in search results is lowered for the next period.",
        "delisting_warning": (
            "Delisting warning: your metrics have needed improvement for several evaluations in a row. Without "
            "improvement, your products may be delisted."
        ),
        "suspension": "Your badge is suspended until the open case is closed.",
        "badge_removed": "The badge has been removed.",
        "commission_uplift": "A slightly higher commission applies while you hold the badge.",
        "commission_standard": "Your commission is back to the standard rate.",
    },
    "benefit": {
        "commission_uplift_pct": "A commission uplift of {pct}% applies while you hold the badge.",
        "commission_uplift": "A slightly higher commission applies while you hold the badge.",
        "search_visibility": "Your listing gets more visibility in search results.",
    },
    "units": {
        "orders": ("order", "orders"),
        "messages": ("message", "messages"),
        "timely_replies": ("reply within 12 hours", "replies within 12 hours"),
        "unanswered_messages": ("message without a reply in time", "messages without a reply in time"),
        "partner_cancellations": ("cancellation by you", "cancellations by you"),
        "orders_kept": ("order without a cancellation by you", "orders without a cancellation by you"),
        "cancellations": ("cancellation", "cancellations"),
        "confirmed_orders": ("order confirmed in time", "orders confirmed in time"),
        "unconfirmed_orders": ("order not confirmed in time", "orders not confirmed in time"),
        "reviews": ("review", "reviews"),
        "top_reviews": ("top-rated review", "top-rated reviews"),
        "bottom_reviews": ("lowest-rated review", "lowest-rated reviews"),
        "ratings": ("rating", "ratings"),
        "buyers": ("buyer", "buyers"),
        "rides": ("ride", "rides"),
        "incidents": ("ride with an incident", "rides with an incident"),
        "rides_without_incident": ("ride without an incident", "rides without an incident"),
        "declines": ("declined booking", "declined bookings"),
        "accepted_bookings": ("accepted booking", "accepted bookings"),
        "offered_bookings": ("offered booking", "offered bookings"),
        "rides_with_driver_events": ("ride with driver events", "rides with driver events"),
        "rides_without_driver_events": ("ride without driver events", "rides without driver events"),
        "chats": ("chat", "chats"),
        "chat_replies": ("chat reply", "chat replies"),
        "unanswered_chats": ("unanswered chat", "unanswered chats"),
        "late_orders": ("late order", "late orders"),
        "on_time_orders": ("order processed on time", "orders processed on time"),
        "seller_cancellations": ("order cancelled by you", "orders cancelled by you"),
        "days": ("day", "days"),
        "points": ("point", "points"),
    },
    "headroom": {
        "needed": "{amount} more {unit} needed",
        "allowed": "{amount} more {unit} allowed",
        "allowed_none": "At the limit: 1 more {unit} would fail this",
        "margin": "Passes with {amount} {unit} to spare",
        "until_applicable": "Counts after {amount} more {unit}",
        "needed_plain": "{amount} more needed",
        "allowed_plain": "{amount} more allowed",
        "margin_plain": "Passes with {amount} to spare",
        "until_applicable_plain": "Counts after {amount} more",
        "gap_short": "{gap} away from the bar",
        "gap_room": "{gap} to spare",
    },
    "category": {
        "competitive": "competitive",
        "slightly_uncompetitive": "slightly uncompetitive",
        "uncompetitive": "not competitive",
        "not_competitive": "not competitive",
        "unknown": "unknown",
    },
    "flag": {"clear": "No open case", "open": "Case under review"},
    "score_of": "{v} / {scale}",
    "metrics": {
        "message_response_rate": {
            "title": "Message response rate",
            "advice": "Reply to each traveler-initiated message within 12 hours whenever possible.",
        },
        "partner_cancellation_rate": {
            "title": "Partner cancellation rate",
            "advice": (
                "Do not cancel orders yourself. Order details cannot be changed, so ask the traveler to cancel and "
                "reorder; once the traveler cancels, refund according to the cancellation policy or in full. If you "
                "cannot reach the traveler, try the phone number or email in the booking, then contact KKday."
            ),
        },
        "order_confirmation_rate": {
            "title": "Order confirmation rate",
            "advice": (
                "Confirm every order before its deadline. Check departure conditions in advance, follow local news, "
                "and tell the traveler at once by message or phone if anything changes."
            ),
        },
        "performance_score": {
            "title": "Performance score",
            "advice": (
                "This score is computed from the bookings your property is expected to receive per year together "
                "with traveler demand for your property."
            ),
        },
        "review_score": {
            "title": "Review score",
            "advice": "The score out of 10 that guests give your property after check-out.",
        },
        "price_competitiveness": {
            "title": "External pricing level",
            "advice": (
                "How competitive your price on Booking.com is compared with your prices on other websites; it must "
                "be “competitive”."
            ),
        },
        "survey_score": {
            "title": "Survey score",
            "advice": "The average score customers give your rides: aim for the best possible service on every ride.",
        },
        "incident_rate": {
            "title": "Incident rate",
            "advice": "The share of bookings with an incident, such as a driver no-show or a delay: keep it low.",
        },
        "decline_rate": {
            "title": "Decline rate",
            "advice": "The share of offered bookings you declined last month: accept the bookings you are offered.",
        },
        "driver_events_rate": {
            "title": "Driver events",
            "advice": (
                "The share of rides with driver events, provided through the Booking.com Driver App or by API "
                "connection: make sure every ride sends them."
            ),
        },
        "successful_orders": {
            "title": "Successful orders",
            "advice": "Confirmed orders in the last 3 months; cancelled orders are not counted.",
        },
        "unique_buyers": {
            "title": "Unique buyers",
            "advice": "The number of different customers who bought from your store in the last 3 months.",
        },
        "chat_response_rate": {
            "title": "Chat response rate",
            "advice": (
                "Response rate = chat replies / chats received. It is only calculated when you receive at least 2 "
                "chats in the last 3 months. Reply to every chat."
            ),
        },
        "late_fulfillment_rate": {
            "title": "Late fulfillment rate",
            "advice": (
                "Orders not processed on time / all orders received in the last 3 months. Process every order before "
                "its deadline."
            ),
        },
        "seller_cancellation_rate": {
            "title": "Cancellation rate by seller",
            "advice": (
                "Orders cancelled through the seller's fault / all orders received in the last 3 months. Avoid "
                "cancelling orders."
            ),
        },
        "average_rating": {
            "title": "Average product rating",
            "advice": "The average of all ratings over the last 3 months.",
        },
        "rating_count": {
            "title": "Number of ratings",
            "advice": "The number of ratings received in the last 3 months.",
        },
        "fraud_free": {
            "title": "No suspected fraud",
            "advice": (
                "Your store must not be under verification by Tiki's fraud team; while a verification is open the "
                "title is removed temporarily."
            ),
        },
        "counterfeit_free": {
            "title": "No suspected fake products",
            "advice": (
                "No product may be under appraisal as counterfeit, used, of unknown origin or infringing "
                "intellectual property."
            ),
        },
        "store_lifetime_days": {
            "title": "Store lifetime",
            "advice": (
                "Counted from the time your profile was completed and your store had at least one product sold."
            ),
        },
    },
    "programs": {
        "kkday-trusted-partner": {
            "name": "KKday Trusted Partner",
            "badge": "Trusted Partner badge",
            "status": {
                "awarded": (
                    "The badge is shown on your product pages, and your products get extra exposure and higher "
                    "search rankings. The reward lasts one month."
                ),
                "not_awarded": (
                    "Your products do not show the badge this month. If two or more metrics need improvement, your "
                    "product ranking is lowered next month."
                ),
                "ineligible": (
                    "This program is only open to partners who handle their own orders and messages. If your orders "
                    "or messages are handled by KKday, please reach out to your KKday contact person to learn how to "
                    "handle them yourself."
                ),
            },
            "advice": [
                "Track your monthly performance on the “Become a Trusted Partner” page.",
                ("Communicate through KKday messaging as much as possible and keep a record of the conversations."),
                (
                    "If two or more metrics need improvement, the system lowers your product ranking next month; "
                    "without long-term improvement, your products may be delisted."
                ),
            ],
        },
        "booking-preferred-property": {
            "name": "Booking.com Preferred Partner Programme",
            "badge": "Preferred Partner “thumbs up” badge",
            "status": {
                "awarded": (
                    "Your property gets more visibility in search results and the “thumbs up” badge on its page, in "
                    "exchange for a slightly higher commission. Preferred properties get up to 65% more page views "
                    "and on average 20% more bookings."
                ),
                "not_awarded": (
                    "To be a Preferred Partner you must meet all three criteria at the same time: performance score, "
                    "review score and external pricing level."
                ),
                "opted_out": (
                    "You have left the programme: the badge and the higher commission no longer apply. You can rejoin "
                    "only when you meet all the criteria again."
                ),
            },
            "advice": [
                (
                    "Check your status any time in the extranet: Opportunities > Preferred Partner Programme. We "
                    "measure the criteria every 90 days."
                ),
                (
                    "To leave: in the extranet, go to Opportunities > Preferred Partner Programme > Leave the "
                    "programme. Your status and commission change immediately and a confirmation arrives in your "
                    "extranet inbox."
                ),
                "You can rejoin only when you meet all the criteria again.",
            ],
        },
        "booking-rides-preferred": {
            "name": "Booking.com Rides Preferred Partner Programme",
            "badge": "Preferred Partner status",
            "status": {
                "awarded": (
                    "Booking.com gives you greater preference for securing bookings, which raises the likelihood of a "
                    "higher volume of bookings."
                ),
                "not_awarded": (
                    "Partners who do not meet the minimum quality standards may be de-ranked in the selection "
                    "algorithm."
                ),
            },
            "advice": [
                (
                    "Offer the most competitive pricing as well: quality and price together decide how often you are "
                    "chosen."
                ),
                (
                    "The recommended figures may be adjusted over time and by region; this report uses the ones in "
                    "force for your region."
                ),
            ],
        },
        "tiki-trusted-store": {
            "name": "Tiki Trusted Store",
            "badge": "Trusted store badge (Uy tín)",
            "status": {
                "awarded": (
                    "The badge is displayed on your store homepage and on each of your products; your products rank "
                    "higher in search results and can be found with the Trusted store filter."
                ),
                "not_awarded": "Every requirement must be met to get the title.",
                "suspended": (
                    "The title is removed temporarily while Tiki verifies suspected fraud or fake products. It comes "
                    "back when the verification is closed and you meet the requirements."
                ),
                "ineligible": "Sellers need to have been operating on Tiki for at least 90 days.",
            },
            "advice": [
                (
                    "Check your store's performance in Seller Center > Growth Center > Trusted store; the data is "
                    "updated every day."
                ),
                "When you receive a warning, improve your store's performance as soon as possible.",
                (
                    "If you do not violate any standard but still lose or cannot get the title, email "
                    "partnersupport@tiki.vn or hotrodoitac@tiki.vn for support."
                ),
            ],
        },
    },
    "generic_program": {
        "badge": "badge",
        "advice": [
            "Focus on the metrics marked “Needs improvement” and improve them before the next evaluation.",
        ],
    },
}
