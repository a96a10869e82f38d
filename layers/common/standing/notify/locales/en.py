"""English texts (the fallback locale), following the glossary in docs/emails.md: "programme" throughout (as in
Booking.com's own programme names), each marketplace's own word for what a partner earns (KKday: badge; Booking.com:
Preferred Partner status; Tiki: title), dates as "4 September 2024" in the programme's time zone."""

MESSAGES = {
    "ui": {
        "sep": ": ",
        "metric_line": "{title}: {value} (Required: {threshold}) - {outcome}{rest}",
        "headroom_join": " — ",
        "address": "",
        "count": "{n} {noun}",
        "subject_report_awarded": "{program}: you earned {badge} for {period}",
        "subject_report_not_awarded_one": "{program}: 1 metric needs improvement ({period})",
        "subject_report_not_awarded": "{program}: {n} need improvement ({period})",
        "subject_report_status": "{program}: your result for {period}",
        "subject_report_suspended": "{program}: {badge} is suspended",
        "subject_warning_one": "{program}: {metric} is at risk (period ends {end})",
        "subject_warning": "{program}: {n} are at risk (period ends {end})",
        "subject_membership_joined": "{program}: welcome, you have joined",
        "subject_membership_refused": "{program}: your request to join could not be granted",
        "subject_membership_left": "{program}: you have left the programme",
        "greeting": "Dear {name},",
        "greeting_no_name": "Dear partner,",
        "report_intro": "Here is your {program} result for {period}.",
        "status_heading": "Your status",
        "period_label": "Evaluation period",
        "data_as_of_label": "Figures as of",
        "next_evaluation_label": "Next evaluation",
        "valid_until_label": "Valid until",
        "metrics_heading": "Your metrics",
        "col_metric": "Metric",
        "col_value": "Your result",
        "col_threshold": "Required",
        "col_outcome": "Outcome",
        "next_steps_heading": "What to do next",
        "keep_steps_heading": "How to keep {badge}",
        "consequences_heading": "What this means for you",
        "no_metrics": "No metrics were measured for this evaluation.",
        "not_counted": "Not counted this period: the sample is too small.",
        "not_counted_until": "Not counted this period: {phrase}.",
        "no_data": "No data in this period.",
        "footer_report": (
            "This is an automated message about {program}. The figures include the activity received up to the "
            "time shown above; anything received later counts in the next evaluation."
        ),
        "footer_warning": (
            "This is an automated message about {program}. The figures are provisional until the period closes."
        ),
        "footer_membership": "This is an automated message about {program}.",
        "zone_note": "Dates and times in this email are in {zone}.",
        "portal_link": "See your standing online",
        "warning_intro_one": (
            "The current {program} period ({period}) is still open, and one of your metrics is close to the "
            "requirement or below it."
        ),
        "warning_intro": (
            "The current {program} period ({period}) is still open, and {n} are close to the requirement or below it."
        ),
        "warning_intro_closed": (
            "The {program} period {period} has ended. These figures were taken at its close; your report will "
            "follow with the final result."
        ),
        "warning_days_left": "The period ends on {end}: {days} left to improve, including today.",
        "warning_last_day": "Today, {end}, is the last day of the period.",
        "warning_ends": "The period ends on {end}.",
        "warning_closed": "The period ended on {end}.",
        "pp": "{v} percentage points",
        "days_one": "1 day",
        "days": "{n} days",
        "warning_now": "Now",
        "warning_gap": "Where you stand",
        "warning_todo": "What to do: ",
        "unsubscribe_note": (
            "You receive mid-period warnings because you take part in {program}. To stop them, use the unsubscribe "
            "option of your mail app; your evaluation reports will still be sent."
        ),
        "membership_joined": "You have joined {program}. Your membership takes effect immediately.",
        "membership_refused": (
            "We could not grant your request to join {program}: you can join only when you meet all the criteria, "
            "and these are not met at the moment:"
        ),
        "membership_left": (
            "You have left {program}. Your status and commission rate changed immediately. You can rejoin once you "
            "meet all the criteria again."
        ),
        "membership_when": "Recorded on {when}.",
        "membership_status": "Your status now: {status}.",
        "left_no_date": "You are not a member of this programme, so its benefits do not apply.",
    },
    "status": {
        "awarded": "Awarded",
        "not_awarded": "Not awarded",
        "ineligible": "Not eligible",
        "suspended": "Suspended",
        "opted_out": "Not a member",
        "never_joined": "Not a member yet",
    },
    "status_meaning": {
        "awarded": "You hold {badge}.",
        "not_awarded": (
            "You did not qualify for {badge} this period: at least one metric does not meet the requirement."
        ),
        "ineligible": "You are not eligible for this programme at the moment, so {badge} could not be awarded.",
        "suspended": "While a review is open, {badge} is suspended.",
        "opted_out": "You are not a member of this programme, so its benefits do not apply.",
        "never_joined": (
            "You have not joined this programme yet. Your results are shown so you can see how close you are."
        ),
        "left": "You left this programme on {date}, so its benefits no longer apply.",
    },
    "outcome": {
        "pass": "Meets the requirement",
        "fail": "Needs improvement",
        "under_review": "Under review",
        "not_applicable": "Not counted",
    },
    "op": {
        ">=": "at least {v}",
        ">": "more than {v}",
        "<=": "at most {v}",
        "<": "below {v}",
        "==": "{v}",
        "!=": "not {v}",
    },
    "consequence": {
        "ranking_demotion": "Your products rank lower in search results for the next period.",
        "delisting_warning": (
            "Delisting warning: your metrics have needed improvement for several evaluations in a row. Without "
            "improvement, your products may be delisted."
        ),
        "suspension": "While the review is open, {badge} stays suspended.",
        "badge_removed": "We have removed {badge}.",
        "commission_uplift": "A slightly higher commission rate applies while you hold {badge}.",
        "commission_standard": "Your commission rate is back to the standard rate.",
    },
    "benefit": {
        "commission_uplift_pct": ("Your commission rate is {pct} percentage points higher while you hold {badge}."),
        "commission_uplift": "A slightly higher commission rate applies while you hold {badge}.",
        "search_visibility": "Your listing gets more visibility in search results.",
    },
    "units_form": "plural",
    "units": {
        "metrics": ("metric", "metrics"),
        "orders": ("order", "orders"),
        "messages": ("message", "messages"),
        "timely_replies": ("reply within 12 hours", "replies within 12 hours"),
        "unanswered_messages": ("message not answered in time", "messages not answered in time"),
        "partner_cancellations": ("cancellation by you", "cancellations by you"),
        "orders_kept": ("order without a cancellation by you", "orders without a cancellation by you"),
        "orders_kept_by_seller": ("order without a cancellation by you", "orders without a cancellation by you"),
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
        "needed": "{amount} more {noun} needed to pass",
        "allowed": "{amount} more {noun} this period would still pass",
        "allowed_none": "No margin left: one more {noun} this period would fail it",
        "margin": "{amount} {noun} above the requirement",
        "until_applicable": "counts once you have {amount} more {noun}",
        "needed_plain": "{amount} more needed to pass",
        "allowed_plain": "A margin of {amount} this period",
        "margin_plain": "{amount} above the requirement",
        "until_applicable_plain": "counts once you have {amount} more",
        "gap_short": "{gap} short of the requirement",
        "gap_room": "{gap} above the requirement",
        "under_review": "Back to normal once the review is closed",
    },
    "category": {
        "competitive": "competitive",
        "slightly_uncompetitive": "slightly uncompetitive",
        "uncompetitive": "not competitive",
        "not_competitive": "not competitive",
        "unknown": "unknown",
    },
    "flag": {"clear": "No open review", "open": "Review open", "required": "No open review"},
    "score_of": "{v} / {scale}",
    "dates": {
        "months": [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
        "year_offset": 0,
        "date": "{d} {month} {y}",
        "month": "{month} {y}",
        "range": "{start} – {end}",
        "time": "{h}:{m}",
        "instant": "{date}, {time} ({zone})",
        "zone_lowercase": False,
        "zone_utc": "Greenwich Mean Time",
    },
    "metrics": {
        "message_response_rate": {
            "title": "Message response rate",
            "about": "Traveller-initiated messages you replied to within 12 hours.",
            "action": "Reply to each traveller-initiated message within 12 hours.",
        },
        "partner_cancellation_rate": {
            "title": "Partner cancellation rate",
            "about": "Orders you cancelled, out of all orders placed.",
            "action": (
                "Do not cancel orders yourself. Order details cannot be changed, so ask the traveller to cancel and "
                "reorder; once the traveller cancels, refund according to the cancellation policy or in full. If you "
                "cannot reach the traveller, try the phone number or email in the booking, then contact KKday."
            ),
        },
        "order_confirmation_rate": {
            "title": "Order Fulfillment Rate",
            "about": "Orders confirmed by their deadline, out of the orders placed.",
            "action": (
                "Confirm every order before its deadline. Check departure conditions in advance, follow local news, "
                "and tell the traveller at once by message or phone if anything changes."
            ),
        },
        "performance_score": {
            "title": "Performance score",
            "about": "Booking.com's score (0 to 100) from your expected yearly bookings and traveller demand.",
            "action": "Keep your availability, rates and content up to date to attract bookings.",
        },
        "review_score": {
            "title": "Review score",
            "about": "The score out of 10 that guests give your property after check-out.",
            "action": "Ask for and respond to guest reviews, and act on what guests point out.",
        },
        "price_competitiveness": {
            "title": "External pricing level",
            "about": "Your price on Booking.com compared with your prices on other websites.",
            "action": "Keep your price on Booking.com competitive with your prices on other websites.",
        },
        "survey_score": {
            "title": "Survey score",
            "about": "The average score (out of 5) customers give your rides.",
            "action": "Send punctual, friendly drivers in clean vehicles on every ride.",
        },
        "incident_rate": {
            "title": "Service incident rate",
            "about": "Bookings with a service incident, such as a driver no-show or a delay.",
            "action": "Avoid driver no-shows and delays: plan pick-ups with a margin.",
        },
        "decline_rate": {
            "title": "Decline rate",
            "about": "Offered bookings you declined.",
            "action": "Accept the bookings you are offered; decline only when you truly cannot serve them.",
        },
        "driver_events_rate": {
            "title": "Driver events",
            "about": "Rides that sent driver events through the Booking.com Driver App or the API connection.",
            "action": "Have drivers use the Booking.com Driver App (or the API connection) on every ride.",
        },
        "successful_orders": {
            "title": "Successful orders",
            "about": "Confirmed orders in the last 3 months; cancelled orders are not counted.",
            "action": "Grow your confirmed orders: keep products in stock and your listings accurate.",
        },
        "unique_buyers": {
            "title": "Unique buyers",
            "about": "Different customers who bought from your store in the last 3 months.",
            "action": "Reach more customers with accurate listings and competitive prices.",
        },
        "chat_response_rate": {
            "title": "Chat response rate",
            "about": "Chat replies out of chats received; counted once you receive at least 2 chats in 3 months.",
            "action": "Reply to every customer chat.",
        },
        "late_fulfillment_rate": {
            "title": "Late fulfilment rate",
            "about": "Orders not processed on time, out of all orders received in the last 3 months.",
            "action": "Process every order before its deadline.",
        },
        "seller_cancellation_rate": {
            "title": "Seller cancellation rate",
            "about": "Orders cancelled through the seller's fault, out of all orders in the last 3 months.",
            "action": "Keep stock up to date so you never have to cancel an order.",
        },
        "average_rating": {
            "title": "Average product rating",
            "about": "The average of all ratings over the last 3 months.",
            "action": "Describe products accurately and pack them well.",
        },
        "rating_count": {
            "title": "Number of ratings",
            "about": "Ratings received in the last 3 months.",
            "action": "Encourage buyers to rate their purchase.",
        },
        "fraud_free": {
            "title": "Fraud check",
            "about": "Whether Tiki's fraud team is verifying activity in your store.",
            "action": "Answer Tiki's fraud team promptly; the title returns once the review is closed.",
        },
        "counterfeit_free": {
            "title": "Product authenticity check",
            "about": "Whether a product is being appraised as counterfeit, used, of unknown origin or infringing.",
            "action": "Sell only genuine, new goods of known origin that infringe no intellectual property.",
        },
        "store_lifetime_days": {
            "title": "Store age",
            "about": "Counted from the later of the day your store opened on Tiki and its first successful sale.",
            "action": "Keep selling: the title needs a store that has operated for at least 90 days.",
        },
    },
    "programs": {
        "kkday-trusted-partner": {
            "name": "KKday Trusted Partner",
            "full_name": "KKday Trusted Partner",
            "sender": "KKday",
            "address": "",
            "badge": "the Trusted Partner badge",
            "status": {
                "awarded": (
                    "The badge shows on your product pages until the next evaluation, and your products get extra "
                    "exposure and rank higher in search."
                ),
                "not_awarded": (
                    "Your products do not show the badge until the next evaluation on {next}. With two or more "
                    "metrics needing improvement, your products rank lower for a month."
                ),
                "ineligible": (
                    "The programme is open to partners who handle their own orders and messages. If KKday handles "
                    "them for you, ask your KKday contact how to handle them yourself."
                ),
            },
            "actions": {
                "track": "Follow your monthly results on the “Become a Trusted Partner” page.",
                "messaging": "Talk to travellers through KKday messaging and keep a record of the conversations.",
                "contact": "Ask your KKday contact how to handle orders and messages yourself.",
            },
        },
        "booking-preferred-property": {
            "name": "Booking.com Preferred Partner Programme",
            "full_name": "Booking.com Preferred Partner Programme",
            "sender": "Booking.com",
            "address": "",
            "badge": "Preferred Partner status",
            "status": {
                "awarded": (
                    "Your property shows the thumbs-up icon and gets more visibility in search results, in exchange "
                    "for a slightly higher commission rate."
                ),
                "not_awarded": (
                    "Preferred Partner status needs all three criteria at the same time: performance score, review "
                    "score and external pricing level."
                ),
                "left": "You can rejoin once you meet all the criteria again.",
            },
            "actions": {
                "check_status": (
                    "Check your status any time in the extranet: Opportunities > Preferred Partner Programme. The "
                    "criteria are measured every 90 days."
                ),
                "leave": (
                    "If you want to leave: in the extranet, go to Opportunities > Preferred Partner Programme > Leave "
                    "the programme. Your status and commission rate change immediately."
                ),
                "join": (
                    "To join once you meet the criteria: in the extranet, go to Opportunities > Preferred Partner "
                    "Programme and request to join."
                ),
            },
        },
        "booking-rides-preferred": {
            "name": "Booking.com Rides Preferred Partner Programme",
            "full_name": "Booking.com Rides Preferred Partner Programme",
            "sender": "Booking.com",
            "address": "",
            "badge": "Preferred Partner status",
            "status": {
                "awarded": (
                    "Booking.com gives you greater preference when assigning bookings, which makes a higher volume "
                    "of bookings more likely."
                ),
                "not_awarded": (
                    "Partners who do not meet the minimum quality standards may be ranked lower in the selection "
                    "algorithm."
                ),
            },
            "actions": {
                "pricing": (
                    "Offer competitive prices as well: quality and price together decide how often you are chosen."
                ),
                "figures": "The recommended figures may change over time; this report uses the ones in force.",
            },
        },
        "tiki-trusted-store": {
            "name": "Tiki Trusted Store",
            "full_name": "Tiki Trusted Store",
            "sender": "Tiki",
            "address": "",
            "badge": "the Trusted Store title",
            "status": {
                "awarded": (
                    "The Trusted Store icon shows on your store page and on each of your products; your products rank "
                    "higher in search and can be found with the Trusted Store filter."
                ),
                "not_awarded": "Every requirement must be met to get the title.",
                "suspended": (
                    "The title is removed while Tiki reviews suspected fraud or counterfeit products. It returns "
                    "when the review is closed and you meet the requirements."
                ),
                "ineligible": "Sellers need to have operated on Tiki for at least 90 days.",
            },
            "actions": {
                "check": (
                    "Check your store's results in Seller Center > Growth Center > Trusted Store; they are updated "
                    "every day."
                ),
                "act_on_warning": "Improve the metrics above as soon as possible, before the period ends.",
                "support": (
                    "If you believe you meet every requirement, email partnersupport@tiki.vn or hotrodoitac@tiki.vn."
                ),
            },
        },
    },
    "generic_program": {
        "address": "",
        "badge": "the programme's badge",
        "actions": {"focus": "Improve the metrics marked “Needs improvement” before the next evaluation."},
    },
}
