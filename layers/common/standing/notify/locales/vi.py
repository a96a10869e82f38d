"""Vietnamese texts, following the glossary in docs/emails.md: a formal register ("Kính gửi", "Quý đối tác"; Tiki
sellers are "Quý Nhà bán", substituted through the programme's `address`), Tiki's title is a "danh hiệu" (the icon
is its badge), dates as dd/mm/yyyy in the programme's time zone. Tiki wording follows its Vietnamese seller centre
(Nhà bán Uy tín, Trung tâm Nhà bán)."""

MESSAGES = {
    "ui": {
        "sep": ": ",
        "metric_line": "{title}: {value} (Yêu cầu: {threshold}) - {outcome}{rest}",
        "headroom_join": " — ",
        "address": "Quý đối tác",
        "count": "{n} {noun}",
        "subject_report_awarded": "{program}: Quý đối tác đạt {badge} cho kỳ {period}",
        "subject_report_not_awarded": "{program}: {n} cần cải thiện (kỳ {period})",
        "subject_report_status": "{program}: kết quả đánh giá kỳ {period}",
        "subject_report_suspended": "{program}: {badge} đang bị tạm ngưng",
        "subject_warning": "{program}: {n} có nguy cơ không đạt (kỳ kết thúc ngày {end})",
        "subject_warning_one": "{program}: {metric} có nguy cơ không đạt (kỳ kết thúc ngày {end})",
        "subject_membership_joined": "{program}: chào mừng Quý đối tác tham gia chương trình",
        "subject_membership_refused": "{program}: yêu cầu tham gia chưa được chấp thuận",
        "subject_membership_left": "{program}: Quý đối tác đã rời chương trình",
        "greeting": "Kính gửi {name},",
        "greeting_no_name": "Kính gửi Quý đối tác,",
        "report_intro": "Dưới đây là kết quả đánh giá kỳ {period} trong {program}.",
        "status_heading": "Trạng thái",
        "period_label": "Kỳ đánh giá",
        "data_as_of_label": "Số liệu tính đến",
        "next_evaluation_label": "Lần đánh giá tiếp theo",
        "valid_until_label": "Hiệu lực đến",
        "metrics_heading": "Các chỉ số",
        "col_metric": "Chỉ số",
        "col_value": "Kết quả",
        "col_threshold": "Yêu cầu",
        "col_outcome": "Đánh giá",
        "next_steps_heading": "Việc cần làm tiếp theo",
        "keep_steps_heading": "Cách duy trì {badge}",
        "consequences_heading": "Ảnh hưởng đối với Quý đối tác",
        "no_metrics": "Không có chỉ số nào được đo trong lần đánh giá này.",
        "not_counted": "Không tính trong kỳ này: chưa đủ dữ liệu.",
        "not_counted_until": "Không tính trong kỳ này: {phrase}.",
        "no_data": "Chưa có số liệu trong kỳ này.",
        "footer_report": (
            "Đây là thư tự động về {program}. Số liệu gồm các hoạt động ghi nhận đến thời điểm nêu trên; dữ liệu "
            "đến sau sẽ được tính trong lần đánh giá tiếp theo."
        ),
        "footer_warning": "Đây là thư tự động về {program}. Số liệu là tạm tính cho đến khi kỳ đánh giá kết thúc.",
        "footer_membership": "Đây là thư tự động về {program}.",
        "zone_note": "Ngày giờ trong thư này theo {zone}.",
        "portal_link": "Xem trạng thái trực tuyến",
        "warning_intro": (
            "Kỳ hiện tại ({period}) trong {program} vẫn đang diễn ra, và {n} của Quý đối tác đang sát mức yêu "
            "cầu hoặc chưa đạt."
        ),
        "warning_intro_closed": (
            "Kỳ {period} trong {program} đã kết thúc. Số liệu dưới đây được ghi nhận tại thời điểm kết thúc kỳ; báo "
            "cáo kết quả chính thức sẽ được gửi sau."
        ),
        "warning_days_left": "Kỳ đánh giá kết thúc ngày {end}: còn {days} để cải thiện, tính cả hôm nay.",
        "warning_last_day": "Hôm nay ({end}) là ngày cuối cùng của kỳ đánh giá.",
        "warning_ends": "Kỳ đánh giá kết thúc ngày {end}.",
        "warning_closed": "Kỳ đánh giá đã kết thúc ngày {end}.",
        "pp": "{v} điểm phần trăm",
        "days": "{n} ngày",
        "warning_now": "Hiện tại",
        "warning_gap": "So với yêu cầu",
        "warning_todo": "Việc cần làm: ",
        "unsubscribe_note": (
            "Quý đối tác nhận cảnh báo giữa kỳ vì đang tham gia {program}. Để ngừng nhận, vui lòng dùng tùy chọn "
            "hủy đăng ký trong ứng dụng email; báo cáo kết quả đánh giá vẫn được gửi như thường lệ."
        ),
        "membership_joined": "Quý đối tác đã tham gia {program}. Tư cách thành viên có hiệu lực ngay.",
        "membership_refused": (
            "Yêu cầu tham gia {program} chưa được chấp thuận: chỉ có thể tham gia khi đáp ứng tất cả các tiêu chí, "
            "và hiện các tiêu chí sau chưa đạt:"
        ),
        "membership_left": (
            "Quý đối tác đã rời {program}. Trạng thái và tỷ lệ hoa hồng đã thay đổi ngay. Quý đối tác có thể tham "
            "gia lại khi đáp ứng lại tất cả các tiêu chí."
        ),
        "membership_when": "Ghi nhận lúc {when}.",
        "membership_status": "Trạng thái hiện tại: {status}.",
        "left_no_date": "Quý đối tác không phải là thành viên của chương trình này nên không được hưởng quyền lợi.",
    },
    "status": {
        "awarded": "Đạt",
        "not_awarded": "Chưa đạt",
        "ineligible": "Chưa đủ điều kiện",
        "suspended": "Tạm ngưng",
        "opted_out": "Không phải thành viên",
        "never_joined": "Chưa tham gia",
    },
    "status_meaning": {
        "awarded": "Quý đối tác đang giữ {badge}.",
        "not_awarded": "Kỳ này Quý đối tác chưa đạt {badge}: có ít nhất một chỉ số chưa đạt yêu cầu.",
        "ineligible": "Hiện Quý đối tác chưa đủ điều kiện tham gia chương trình này nên chưa được xét {badge}.",
        "suspended": "Trong thời gian xác minh, {badge} bị tạm ngưng.",
        "opted_out": "Quý đối tác không phải là thành viên của chương trình này nên không được hưởng quyền lợi.",
        "never_joined": (
            "Quý đối tác chưa tham gia chương trình này. Kết quả dưới đây giúp Quý đối tác biết mình đã gần đạt "
            "đến đâu."
        ),
        "left": "Quý đối tác đã rời chương trình ngày {date} nên không còn được hưởng quyền lợi.",
    },
    "outcome": {
        "pass": "Đạt yêu cầu",
        "fail": "Cần cải thiện",
        "under_review": "Đang xác minh",
        "not_applicable": "Không tính",
    },
    "op": {
        ">=": "tối thiểu {v}",
        ">": "trên {v}",
        "<=": "tối đa {v}",
        "<": "dưới {v}",
        "==": "{v}",
        "!=": "khác {v}",
    },
    "consequence": {
        "ranking_demotion": "Thứ hạng sản phẩm trong kết quả tìm kiếm sẽ bị hạ trong kỳ tới.",
        "delisting_warning": (
            "Cảnh báo gỡ sản phẩm: các chỉ số cần cải thiện trong nhiều kỳ đánh giá liên tiếp. Nếu không cải thiện, "
            "sản phẩm có thể bị gỡ khỏi sàn."
        ),
        "suspension": "Trong thời gian xác minh, {badge} tiếp tục bị tạm ngưng.",
        "badge_removed": "Chúng tôi đã thu hồi {badge}.",
        "commission_uplift": "Tỷ lệ hoa hồng cao hơn một chút được áp dụng trong thời gian giữ {badge}.",
        "commission_standard": "Tỷ lệ hoa hồng đã trở về mức tiêu chuẩn.",
    },
    "benefit": {
        "commission_uplift_pct": "Tỷ lệ hoa hồng cao hơn {pct} điểm phần trăm trong thời gian giữ {badge}.",
        "commission_uplift": "Tỷ lệ hoa hồng cao hơn một chút được áp dụng trong thời gian giữ {badge}.",
        "search_visibility": "Chỗ nghỉ được hiển thị nhiều hơn trong kết quả tìm kiếm.",
    },
    "units_form": "classifier",
    "units": {
        "metrics": ("chỉ số", ""),
        "orders": ("đơn hàng", ""),
        "messages": ("tin nhắn", ""),
        "timely_replies": ("phản hồi trong vòng 12 giờ", ""),
        "unanswered_messages": ("tin nhắn chưa được phản hồi kịp thời", ""),
        "partner_cancellations": ("lần hủy đơn từ phía đối tác", ""),
        "orders_kept": ("đơn hàng không bị hủy từ phía đối tác", ""),
        "orders_kept_by_seller": ("đơn hàng không bị Nhà bán hủy", ""),
        "cancellations": ("lần hủy", ""),
        "confirmed_orders": ("đơn hàng được xác nhận đúng hạn", ""),
        "unconfirmed_orders": ("đơn hàng không được xác nhận đúng hạn", ""),
        "reviews": ("đánh giá", ""),
        "top_reviews": ("đánh giá điểm cao nhất", ""),
        "bottom_reviews": ("đánh giá điểm thấp nhất", ""),
        "ratings": ("lượt đánh giá", ""),
        "buyers": ("người mua", ""),
        "rides": ("chuyến xe", ""),
        "incidents": ("chuyến xe có sự cố", ""),
        "rides_without_incident": ("chuyến xe không có sự cố", ""),
        "declines": ("lượt đặt xe bị từ chối", ""),
        "accepted_bookings": ("lượt đặt xe được nhận", ""),
        "offered_bookings": ("lượt đặt xe được đề xuất", ""),
        "rides_with_driver_events": ("chuyến xe có dữ liệu sự kiện tài xế", ""),
        "rides_without_driver_events": ("chuyến xe không có dữ liệu sự kiện tài xế", ""),
        "chats": ("cuộc trò chuyện", ""),
        "chat_replies": ("phản hồi chat", ""),
        "unanswered_chats": ("cuộc trò chuyện chưa được phản hồi", ""),
        "late_orders": ("đơn hàng xử lý trễ", ""),
        "on_time_orders": ("đơn hàng xử lý đúng hạn", ""),
        "seller_cancellations": ("đơn hàng bị hủy do Nhà bán", ""),
        "days": ("ngày", ""),
        "points": ("điểm", ""),
    },
    "headroom": {
        "needed": "Cần thêm {amount} {noun} để đạt",
        "allowed": "Còn cách ngưỡng {amount} {noun}",
        "allowed_none": "Đã sát ngưỡng: chỉ cần thêm 1 {noun} trong kỳ này là không đạt",
        "margin": "Vượt yêu cầu {amount} {noun}",
        "until_applicable": "được tính khi có thêm {amount} {noun}",
        "needed_plain": "Cần thêm {amount} để đạt",
        "allowed_plain": "Còn cách ngưỡng {amount}",
        "margin_plain": "Vượt yêu cầu {amount}",
        "until_applicable_plain": "được tính khi có thêm {amount}",
        "gap_short": "Còn thiếu {gap} so với yêu cầu",
        "gap_room": "Vượt yêu cầu {gap}",
        "under_review": "Trở lại bình thường khi việc xác minh kết thúc",
    },
    "category": {
        "competitive": "cạnh tranh",
        "slightly_uncompetitive": "kém cạnh tranh một chút",
        "uncompetitive": "không cạnh tranh",
        "not_competitive": "không cạnh tranh",
        "unknown": "chưa rõ",
    },
    "flag": {"clear": "Không bị xác minh", "open": "Đang được xác minh", "required": "Không bị xác minh"},
    "score_of": "{v}/{scale}",
    "dates": {
        "months": [
            "tháng 1",
            "tháng 2",
            "tháng 3",
            "tháng 4",
            "tháng 5",
            "tháng 6",
            "tháng 7",
            "tháng 8",
            "tháng 9",
            "tháng 10",
            "tháng 11",
            "tháng 12",
        ],
        "year_offset": 0,
        "date": "{dd}/{mm}/{y}",
        "month": "",
        "range": "{start} – {end}",
        "time": "{h}:{m}",
        "instant": "{time} ngày {date} ({zone})",
        "zone_lowercase": True,
        "zone_utc": "giờ chuẩn Greenwich",
    },
    "metrics": {
        "message_response_rate": {
            "title": "Tỷ lệ phản hồi tin nhắn",
            "about": "Tin nhắn do du khách gửi được phản hồi trong vòng 12 giờ.",
            "action": "Phản hồi mọi tin nhắn do du khách gửi trong vòng 12 giờ.",
        },
        "partner_cancellation_rate": {
            "title": "Tỷ lệ hủy đơn từ phía đối tác",
            "about": "Số đơn do đối tác hủy trên tổng số đơn đã đặt.",
            "action": (
                "Không tự hủy đơn. Vì nội dung đơn hàng không thể chỉnh sửa, vui lòng đề nghị du khách hủy và đặt lại; "
                "khi du khách đã hủy, hoàn tiền theo chính sách hủy hoặc hoàn toàn bộ. Nếu không liên lạc được với du "
                "khách, hãy thử số điện thoại hoặc email trong thông tin đặt chỗ, sau đó liên hệ KKday."
            ),
        },
        "order_confirmation_rate": {
            "title": "Tỷ lệ hoàn tất đơn hàng",
            "about": "Số đơn được xác nhận trước hạn trên tổng số đơn đã đặt.",
            "action": (
                "Xác nhận mọi đơn hàng trước hạn. Kiểm tra trước điều kiện khởi hành, theo dõi tin tức địa phương và "
                "báo ngay cho du khách qua tin nhắn hoặc điện thoại nếu có thay đổi."
            ),
        },
        "performance_score": {
            "title": "Điểm hiệu suất",
            "about": "Điểm (0 đến 100) tính từ số lượt đặt phòng dự kiến mỗi năm và nhu cầu của du khách.",
            "action": "Cập nhật thường xuyên tình trạng phòng trống, giá và thông tin chỗ nghỉ để thu hút lượt đặt.",
        },
        "review_score": {
            "title": "Điểm đánh giá",
            "about": "Điểm trên thang 10 mà khách chấm cho chỗ nghỉ sau khi trả phòng.",
            "action": "Mời khách viết đánh giá, phản hồi đánh giá và cải thiện theo góp ý của khách.",
        },
        "price_competitiveness": {
            "title": "Mức giá bên ngoài",
            "about": "Giá trên Booking.com so với giá của Quý đối tác trên các trang web khác.",
            "action": "Giữ giá trên Booking.com cạnh tranh so với giá trên các trang web khác.",
        },
        "survey_score": {
            "title": "Điểm khảo sát",
            "about": "Điểm trung bình (thang 5) khách hàng chấm cho các chuyến xe.",
            "action": "Bố trí tài xế đúng giờ, thân thiện và xe sạch sẽ cho mọi chuyến.",
        },
        "incident_rate": {
            "title": "Tỷ lệ sự cố dịch vụ",
            "about": "Lượt đặt xe có sự cố dịch vụ, như tài xế không đến hoặc đến trễ.",
            "action": "Tránh để tài xế không đến hoặc đến trễ: lên lịch đón khách có thời gian dự phòng.",
        },
        "decline_rate": {
            "title": "Tỷ lệ từ chối",
            "about": "Lượt đặt xe được đề xuất nhưng bị từ chối.",
            "action": "Nhận các lượt đặt xe được đề xuất; chỉ từ chối khi thật sự không thể phục vụ.",
        },
        "driver_events_rate": {
            "title": "Sự kiện tài xế",
            "about": "Chuyến xe gửi dữ liệu sự kiện tài xế qua ứng dụng tài xế của Booking.com hoặc kết nối API.",
            "action": "Yêu cầu tài xế dùng ứng dụng tài xế của Booking.com (hoặc kết nối API) cho mọi chuyến.",
        },
        "successful_orders": {
            "title": "Đơn hàng thành công",
            "about": "Đơn hàng đã xác nhận trong 3 tháng gần nhất; đơn bị hủy không được tính.",
            "action": "Tăng số đơn thành công: luôn đủ hàng và mô tả sản phẩm chính xác.",
        },
        "unique_buyers": {
            "title": "Số người mua",
            "about": "Số khách hàng khác nhau đã mua hàng tại gian hàng trong 3 tháng gần nhất.",
            "action": "Tiếp cận thêm khách hàng bằng thông tin sản phẩm chính xác và giá cạnh tranh.",
        },
        "chat_response_rate": {
            "title": "Tỷ lệ phản hồi chat",
            "about": (
                "Tỷ lệ phản hồi = số lượt trả lời chat / số cuộc chat nhận được; chỉ tính khi nhận được ít nhất 2 "
                "tin nhắn trong 3 tháng."
            ),
            "action": "Trả lời mọi cuộc chat của khách hàng.",
        },
        "late_fulfillment_rate": {
            "title": "Tỷ lệ xử lý đơn trễ hạn",
            "about": "Số đơn không được xử lý đúng hạn / tổng số đơn nhận được trong 3 tháng gần nhất.",
            "action": "Xử lý mọi đơn hàng trước hạn.",
        },
        "seller_cancellation_rate": {
            "title": "Tỷ lệ hủy đơn do Nhà bán",
            "about": "Số đơn bị hủy do lỗi của Nhà bán / tổng số đơn nhận được trong 3 tháng gần nhất.",
            "action": "Cập nhật tồn kho thường xuyên để không phải hủy đơn hàng.",
        },
        "average_rating": {
            "title": "Điểm đánh giá sản phẩm trung bình",
            "about": "Điểm trung bình của tất cả các lượt đánh giá trong 3 tháng gần nhất.",
            "action": "Mô tả sản phẩm chính xác và đóng gói cẩn thận.",
        },
        "rating_count": {
            "title": "Số lượt đánh giá",
            "about": "Tổng số lượt đánh giá trong 3 tháng gần nhất.",
            "action": "Khuyến khích người mua đánh giá sản phẩm sau khi nhận hàng.",
        },
        "fraud_free": {
            "title": "Kiểm tra gian lận",
            "about": "Gian hàng có đang được bộ phận quản lý gian lận của Tiki xác minh hay không.",
            "action": (
                "Phối hợp kịp thời với bộ phận quản lý gian lận của Tiki; danh hiệu được khôi phục khi việc xác "
                "minh kết thúc."
            ),
        },
        "counterfeit_free": {
            "title": "Kiểm tra hàng chính hãng",
            "about": (
                "Có sản phẩm nào đang bị thẩm định là hàng giả, hàng đã qua sử dụng, hàng không rõ nguồn gốc hoặc "
                "vi phạm sở hữu trí tuệ hay không."
            ),
            "action": "Chỉ kinh doanh hàng chính hãng, hàng mới, rõ nguồn gốc và không vi phạm sở hữu trí tuệ.",
        },
        "store_lifetime_days": {
            "title": "Thời gian hoạt động của gian hàng",
            "about": (
                "Tính từ ngày gian hàng mở trên Tiki hoặc ngày có đơn hàng thành công đầu tiên, lấy ngày muộn hơn."
            ),
            "action": "Tiếp tục kinh doanh: danh hiệu yêu cầu gian hàng hoạt động ít nhất 90 ngày.",
        },
    },
    "programs": {
        "kkday-trusted-partner": {
            "name": "KKday Trusted Partner",
            "full_name": "KKday Trusted Partner",
            "sender": "KKday",
            "address": "Quý đối tác",
            "badge": "huy hiệu Trusted Partner",
            "status": {
                "awarded": (
                    "Huy hiệu được hiển thị trên trang sản phẩm cho đến lần đánh giá tiếp theo; sản phẩm được tăng mức "
                    "hiển thị và xếp hạng tìm kiếm cao hơn."
                ),
                "not_awarded": (
                    "Sản phẩm không hiển thị huy hiệu cho đến lần đánh giá tiếp theo ngày {next}. Khi có từ hai chỉ "
                    "số trở lên cần cải thiện, thứ hạng sản phẩm bị hạ trong một tháng."
                ),
                "ineligible": (
                    "Chương trình chỉ dành cho đối tác tự xử lý đơn hàng và tin nhắn. Nếu KKday đang xử lý thay, vui "
                    "lòng liên hệ người phụ trách tại KKday để biết cách tự xử lý."
                ),
            },
            "actions": {
                "track": "Theo dõi kết quả hằng tháng trên trang “Trở thành Trusted Partner”.",
                "messaging": "Trao đổi với du khách qua hệ thống tin nhắn của KKday và lưu lại nội dung trao đổi.",
                "contact": "Liên hệ người phụ trách tại KKday để biết cách tự xử lý đơn hàng và tin nhắn.",
            },
        },
        "booking-preferred-property": {
            "name": "Chương trình Đối tác Ưu tiên của Booking.com",
            "full_name": "Chương trình Đối tác Ưu tiên của Booking.com",
            "sender": "Booking.com",
            "address": "Quý đối tác",
            "badge": "trạng thái Đối tác Ưu tiên",
            "status": {
                "awarded": (
                    "Chỗ nghỉ có biểu tượng “ngón tay cái” và được hiển thị nhiều hơn trong kết quả tìm kiếm, đổi lại "
                    "tỷ lệ hoa hồng cao hơn một chút."
                ),
                "not_awarded": (
                    "Trạng thái Đối tác Ưu tiên yêu cầu đạt đồng thời cả ba tiêu chí: điểm hiệu suất, điểm đánh giá "
                    "và mức giá bên ngoài."
                ),
                "left": "Quý đối tác có thể tham gia lại khi đáp ứng lại tất cả các tiêu chí.",
            },
            "actions": {
                "check_status": (
                    "Kiểm tra trạng thái bất cứ lúc nào trong extranet: Cơ hội > Chương trình Đối tác Ưu tiên. Các "
                    "tiêu chí được đo mỗi 90 ngày."
                ),
                "leave": (
                    "Nếu muốn rời chương trình: trong extranet, chọn Cơ hội > Chương trình Đối tác Ưu tiên > Rời "
                    "chương trình. Trạng thái và tỷ lệ hoa hồng thay đổi ngay."
                ),
                "join": (
                    "Khi đạt đủ tiêu chí, đăng ký tham gia trong extranet: Cơ hội > Chương trình Đối tác Ưu tiên."
                ),
            },
        },
        "booking-rides-preferred": {
            "name": "Chương trình Đối tác Ưu tiên của Booking.com dành cho dịch vụ xe",
            "full_name": "Chương trình Đối tác Ưu tiên của Booking.com dành cho dịch vụ xe",
            "sender": "Booking.com",
            "address": "Quý đối tác",
            "badge": "trạng thái Đối tác Ưu tiên",
            "status": {
                "awarded": (
                    "Booking.com ưu tiên Quý đối tác hơn khi phân bổ lượt đặt xe, giúp tăng khả năng nhận được nhiều "
                    "lượt đặt hơn."
                ),
                "not_awarded": (
                    "Đối tác không đạt tiêu chuẩn chất lượng tối thiểu có thể bị hạ thứ hạng trong thuật toán lựa chọn."
                ),
            },
            "actions": {
                "pricing": "Đưa ra mức giá cạnh tranh: chất lượng và giá cùng quyết định tần suất được chọn.",
                "figures": "Các mức khuyến nghị có thể thay đổi theo thời gian; báo cáo này dùng mức đang áp dụng.",
            },
        },
        "tiki-trusted-store": {
            "name": "Tiki – Nhà bán Uy tín",
            "full_name": "Tiki – Nhà bán Uy tín",
            "sender": "Tiki",
            "address": "Quý Nhà bán",
            "badge": "danh hiệu Nhà bán Uy tín",
            "status": {
                "awarded": (
                    "Huy hiệu Uy tín được hiển thị trên trang chủ gian hàng và trên từng sản phẩm; sản phẩm được xếp "
                    "hạng cao hơn trong kết quả tìm kiếm và có thể được tìm qua bộ lọc Nhà bán Uy tín."
                ),
                "not_awarded": "Cần đáp ứng tất cả các yêu cầu để đạt danh hiệu.",
                "suspended": (
                    "Danh hiệu bị tạm gỡ trong thời gian Tiki xác minh dấu hiệu gian lận hoặc hàng giả và được khôi "
                    "phục khi việc xác minh kết thúc và gian hàng đáp ứng các yêu cầu."
                ),
                "ineligible": "Nhà bán cần hoạt động trên Tiki ít nhất 90 ngày.",
            },
            "actions": {
                "check": (
                    "Theo dõi hiệu quả gian hàng tại Trung tâm Nhà bán > Trung tâm Phát triển > Nhà bán Uy tín; số "
                    "liệu được cập nhật hằng ngày."
                ),
                "act_on_warning": "Cải thiện các chỉ số trên càng sớm càng tốt, trước khi kỳ đánh giá kết thúc.",
                "support": (
                    "Nếu Quý đối tác đáp ứng mọi tiêu chuẩn nhưng vẫn không đạt danh hiệu, vui lòng gửi email đến "
                    "partnersupport@tiki.vn hoặc hotrodoitac@tiki.vn."
                ),
            },
        },
    },
    "generic_program": {
        "badge": "danh hiệu của chương trình",
        "address": "Quý đối tác",
        "actions": {"focus": "Cải thiện các chỉ số được đánh dấu “Cần cải thiện” trước lần đánh giá tới."},
    },
}
