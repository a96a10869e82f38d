"""Vietnamese texts. Tiki wording follows its Vietnamese seller centre (Nhà bán Uy tín, Trung tâm Nhà bán)."""

MESSAGES = {
    "ui": {
        "sep": ": ",
        "subject_report_awarded": "{program}: bạn đã đạt {badge} cho kỳ {period}",
        "subject_report_not_awarded": "{program}: {count} chỉ số cần cải thiện (kỳ {period})",
        "subject_report_status": "{program}: kết quả đánh giá kỳ {period} của bạn",
        "subject_report_suspended": "{program}: {badge} của bạn đang bị tạm ngưng",
        "subject_warning_one": "{program}: chỉ số {metric} đang có nguy cơ không đạt, còn {days}",
        "subject_warning": "{program}: {count} chỉ số đang có nguy cơ không đạt, còn {days}",
        "subject_membership_joined": "{program}: chào mừng, bạn đã tham gia chương trình",
        "subject_membership_refused": "{program}: chưa thể chấp thuận yêu cầu tham gia của bạn",
        "subject_membership_left": "{program}: bạn đã rời chương trình",
        "greeting": "Xin chào {name},",
        "greeting_no_name": "Xin chào Quý đối tác,",
        "report_intro": "Dưới đây là kết quả đánh giá {program} của bạn cho kỳ {period}.",
        "status_heading": "Trạng thái của bạn",
        "period_label": "Kỳ đánh giá",
        "data_as_of_label": "Dữ liệu tính đến",
        "next_evaluation_label": "Lần đánh giá tiếp theo",
        "valid_until_label": "Huy hiệu có hiệu lực đến",
        "metrics_heading": "Các chỉ số của bạn",
        "col_metric": "Chỉ số",
        "col_value": "Kết quả của bạn",
        "col_threshold": "Yêu cầu",
        "col_outcome": "Đánh giá",
        "next_steps_heading": "Việc cần làm tiếp theo",
        "keep_steps_heading": "Cách duy trì huy hiệu",
        "consequences_heading": "Điều này có ý nghĩa gì với bạn",
        "no_metrics": "Không có chỉ số nào được đo trong lần đánh giá này.",
        "not_counted": "Không tính trong kỳ này: chưa đủ số trường hợp để đo.",
        "footer": (
            "Đây là thư tự động về {program}. Số liệu được tính trên các hoạt động nhận được đến thời điểm "
            "“dữ liệu tính đến”; dữ liệu đến sau sẽ được tính trong lần đánh giá tiếp theo."
        ),
        "warning_intro_one": (
            "Kỳ hiện tại của {program} ({period}) vẫn đang diễn ra, nhưng một chỉ số của bạn đang sát ngưỡng "
            "hoặc đã thấp hơn yêu cầu."
        ),
        "warning_intro": (
            "Kỳ hiện tại của {program} ({period}) vẫn đang diễn ra, nhưng {count} chỉ số của bạn đang sát ngưỡng "
            "hoặc đã thấp hơn yêu cầu."
        ),
        "warning_days_left": "Bạn còn {days} để cải thiện trước khi kỳ đánh giá kết thúc.",
        "pp": "{v} điểm phần trăm",
        "days": "{n} ngày",
        "warning_now": "Hiện tại",
        "warning_gap": "Khoảng cách đến ngưỡng",
        "warning_todo": "Việc cần làm",
        "unsubscribe_note": (
            "Bạn nhận được cảnh báo giữa kỳ này vì bạn đang tham gia {program}. Bạn có thể ngừng nhận bằng tùy chọn "
            "hủy đăng ký trong ứng dụng email; báo cáo kết quả đánh giá vẫn sẽ được gửi cho bạn."
        ),
        "membership_joined": "Bạn đã tham gia {program}. Tư cách thành viên có hiệu lực ngay lập tức.",
        "membership_refused": (
            "Chúng tôi chưa thể chấp thuận yêu cầu tham gia {program} của bạn: bạn chỉ có thể tham gia khi đáp ứng "
            "tất cả các tiêu chí, và hiện các tiêu chí sau chưa đạt:"
        ),
        "membership_left": (
            "Bạn đã rời {program}. Trạng thái và mức hoa hồng của bạn đã thay đổi ngay lập tức. Bạn chỉ có thể tham "
            "gia lại khi đáp ứng lại tất cả các tiêu chí."
        ),
        "membership_status": "Trạng thái hiện tại của bạn: {status}.",
    },
    "status": {
        "awarded": "Đạt huy hiệu",
        "not_awarded": "Chưa đạt",
        "ineligible": "Không đủ điều kiện",
        "suspended": "Tạm ngưng",
        "opted_out": "Không phải thành viên",
    },
    "status_meaning": {
        "awarded": "Bạn đang sở hữu {badge}.",
        "not_awarded": "Kỳ này bạn chưa đạt {badge}: có ít nhất một chỉ số chưa đạt yêu cầu.",
        "ineligible": "Hiện tại bạn chưa đủ điều kiện tham gia chương trình này, vì vậy không được xét huy hiệu.",
        "suspended": "{badge} của bạn đang bị tạm ngưng trong thời gian xem xét một vụ việc chưa đóng.",
        "opted_out": (
            "Bạn không phải là thành viên của chương trình này nên không áp dụng huy hiệu. Kết quả dưới đây chỉ để "
            "bạn tham khảo."
        ),
    },
    "outcome": {"pass": "Đạt yêu cầu", "fail": "Cần cải thiện", "not_applicable": "Không tính"},
    "op": {
        ">=": "tối thiểu {v}",
        ">": "trên {v}",
        "<=": "tối đa {v}",
        "<": "dưới {v}",
        "==": "{v}",
        "!=": "khác {v}",
    },
    "consequence": {
        "ranking_demotion": "Thứ hạng của bạn trong kết quả tìm kiếm sẽ bị hạ trong kỳ tới.",
        "delisting_warning": (
            "Cảnh báo gỡ sản phẩm: các chỉ số của bạn đã cần cải thiện trong nhiều kỳ đánh giá liên tiếp. Nếu không "
            "cải thiện, sản phẩm của bạn có thể bị gỡ khỏi sàn."
        ),
        "suspension": "Huy hiệu của bạn bị tạm ngưng cho đến khi vụ việc được đóng.",
        "badge_removed": "Huy hiệu đã bị thu hồi.",
        "commission_uplift": "Mức hoa hồng cao hơn một chút được áp dụng trong thời gian bạn giữ huy hiệu.",
        "commission_standard": "Mức hoa hồng của bạn đã trở về mức tiêu chuẩn.",
    },
    "benefit": {
        "commission_uplift_pct": "Mức hoa hồng tăng thêm {pct}% được áp dụng trong thời gian bạn giữ huy hiệu.",
        "commission_uplift": "Mức hoa hồng cao hơn một chút được áp dụng trong thời gian bạn giữ huy hiệu.",
        "search_visibility": "Bạn được hiển thị nhiều hơn trong kết quả tìm kiếm.",
    },
    "units": {
        "orders": "đơn hàng",
        "messages": "tin nhắn",
        "timely_replies": "phản hồi trong vòng 12 giờ",
        "unanswered_messages": "tin nhắn không được phản hồi kịp thời",
        "partner_cancellations": "lần hủy đơn do bạn",
        "orders_kept": "đơn hàng không bị bạn hủy",
        "cancellations": "lần hủy",
        "confirmed_orders": "đơn hàng được xác nhận đúng hạn",
        "unconfirmed_orders": "đơn hàng không được xác nhận đúng hạn",
        "reviews": "đánh giá",
        "top_reviews": "đánh giá điểm cao nhất",
        "bottom_reviews": "đánh giá điểm thấp nhất",
        "ratings": "lượt đánh giá",
        "buyers": "người mua",
        "rides": "chuyến xe",
        "incidents": "chuyến xe có sự cố",
        "rides_without_incident": "chuyến xe không có sự cố",
        "declines": "lượt đặt xe bị từ chối",
        "accepted_bookings": "lượt đặt xe được nhận",
        "offered_bookings": "lượt đặt xe được đề nghị",
        "rides_with_driver_events": "chuyến xe có dữ liệu sự kiện tài xế",
        "rides_without_driver_events": "chuyến xe không có dữ liệu sự kiện tài xế",
        "chats": "cuộc trò chuyện",
        "chat_replies": "phản hồi chat",
        "unanswered_chats": "cuộc trò chuyện chưa được phản hồi",
        "late_orders": "đơn hàng xử lý trễ",
        "on_time_orders": "đơn hàng xử lý đúng hạn",
        "seller_cancellations": "đơn hàng bị bạn hủy",
        "days": "ngày",
        "points": "điểm",
    },
    "headroom": {
        "needed": "cần thêm {amount} {unit}",
        "allowed": "còn được phép thêm {amount} {unit}",
        "allowed_none": "Đã chạm ngưỡng: thêm 1 {unit} nữa sẽ không đạt",
        "margin": "Đạt, còn dư {amount} {unit}",
        "until_applicable": "Sẽ được tính khi có thêm {amount} {unit}",
        "needed_plain": "cần thêm {amount}",
        "allowed_plain": "còn được phép thêm {amount}",
        "margin_plain": "Đạt, còn dư {amount}",
        "until_applicable_plain": "Sẽ được tính khi có thêm {amount}",
        "gap_short": "còn cách ngưỡng {gap}",
        "gap_room": "còn dư {gap}",
    },
    "category": {
        "competitive": "cạnh tranh",
        "slightly_uncompetitive": "kém cạnh tranh một chút",
        "uncompetitive": "không cạnh tranh",
        "not_competitive": "không cạnh tranh",
        "unknown": "chưa rõ",
    },
    "flag": {"clear": "Không có vụ việc", "open": "Đang bị xem xét"},
    "score_of": "{v} / {scale}",
    "metrics": {
        "message_response_rate": {
            "title": "Tỷ lệ phản hồi tin nhắn",
            "advice": "Hãy phản hồi mọi tin nhắn do du khách gửi trong vòng 12 giờ bất cứ khi nào có thể.",
        },
        "partner_cancellation_rate": {
            "title": "Tỷ lệ hủy đơn của đối tác",
            "advice": (
                "Không tự hủy đơn. Vì nội dung đơn hàng không thể chỉnh sửa, hãy đề nghị du khách hủy và đặt lại; khi "
                "du khách đã hủy, bạn có thể hoàn tiền theo chính sách hủy hoặc hoàn toàn bộ. Nếu không liên lạc được "
                "với du khách, hãy thử số điện thoại hoặc email trong thông tin đặt chỗ, sau đó liên hệ KKday."
            ),
        },
        "order_confirmation_rate": {
            "title": "Tỷ lệ xác nhận đơn hàng",
            "advice": (
                "Xác nhận mọi đơn hàng trước hạn. Kiểm tra trước điều kiện khởi hành, theo dõi tin tức địa phương và "
                "báo ngay cho du khách qua tin nhắn hoặc điện thoại nếu có thay đổi."
            ),
        },
        "performance_score": {
            "title": "Điểm hiệu suất",
            "advice": (
                "Điểm này được tính từ số lượt đặt phòng mà chỗ nghỉ "
                "của bạn dự kiến nhận được mỗi năm cùng với nhu cầu "
                "của du khách đối với chỗ nghỉ."
            ),
        },
        "review_score": {
            "title": "Điểm đánh giá",
            "advice": "Điểm trên thang 10 mà khách chấm cho chỗ nghỉ của bạn sau khi trả phòng.",
        },
        "price_competitiveness": {
            "title": "Mức giá bên ngoài",
            "advice": (
                "Mức độ cạnh tranh của giá trên Booking.com so với giá của bạn trên các trang web khác; mức này phải "
                "là “cạnh tranh”."
            ),
        },
        "survey_score": {
            "title": "Điểm khảo sát",
            "advice": (
                "Điểm trung bình khách hàng chấm cho các chuyến xe của bạn: hãy phục vụ tốt nhất trên mọi chuyến."
            ),
        },
        "incident_rate": {
            "title": "Tỷ lệ sự cố",
            "advice": "Tỷ lệ lượt đặt xe có sự cố, như tài xế không đến hoặc đến trễ: hãy giữ ở mức thấp.",
        },
        "decline_rate": {
            "title": "Tỷ lệ từ chối",
            "advice": "Tỷ lệ lượt đặt xe bạn đã từ chối trong tháng trước: hãy nhận các lượt đặt được đề nghị.",
        },
        "driver_events_rate": {
            "title": "Sự kiện tài xế",
            "advice": (
                "Tỷ lệ chuyến xe có dữ liệu sự kiện tài xế, gửi qua ứng dụng tài xế của Booking.com hoặc kết nối API: "
                "hãy bảo đảm chuyến nào cũng gửi dữ liệu này."
            ),
        },
        "successful_orders": {
            "title": "Đơn hàng thành công",
            "advice": "Tổng số đơn hàng đã xác nhận trong 3 tháng gần nhất; đơn bị hủy không được tính.",
        },
        "unique_buyers": {
            "title": "Số người mua",
            "advice": "Tổng số khách hàng khác nhau đã mua hàng tại gian hàng của bạn trong 3 tháng gần nhất.",
        },
        "chat_response_rate": {
            "title": "Tỷ lệ phản hồi chat",
            "advice": (
                "Tỷ lệ phản hồi = số lượt trả lời chat / số cuộc chat nhận được. Tỷ lệ này chỉ được tính khi bạn nhận "
                "được ít nhất 2 tin nhắn trong 3 tháng gần nhất. Hãy trả lời mọi cuộc chat."
            ),
        },
        "late_fulfillment_rate": {
            "title": "Tỷ lệ xử lý đơn trễ hạn",
            "advice": (
                "Số đơn không được xử lý đúng hạn / tổng số đơn nhận được trong 3 tháng gần nhất. Hãy xử lý mọi đơn "
                "hàng trước hạn."
            ),
        },
        "seller_cancellation_rate": {
            "title": "Tỷ lệ hủy đơn do nhà bán",
            "advice": (
                "Số đơn bị hủy do lỗi của nhà bán / tổng số đơn nhận được trong 3 tháng qua. Hãy tránh hủy đơn hàng."
            ),
        },
        "average_rating": {
            "title": "Điểm đánh giá sản phẩm trung bình",
            "advice": "Điểm trung bình của tất cả các lượt đánh giá trong 3 tháng gần nhất.",
        },
        "rating_count": {
            "title": "Số lượt đánh giá",
            "advice": "Tổng số lượt đánh giá trong 3 tháng gần nhất.",
        },
        "fraud_free": {
            "title": "Không có dấu hiệu gian lận",
            "advice": (
                "Gian hàng không được nằm trong diện bộ phận quản lý gian lận của Tiki đang xác minh; trong thời gian "
                "xác minh, danh hiệu sẽ bị tạm gỡ."
            ),
        },
        "counterfeit_free": {
            "title": "Không có sản phẩm nghi giả",
            "advice": (
                "Không có sản phẩm nào đang bị thẩm định là hàng giả, hàng đã qua sử dụng, hàng không rõ nguồn gốc "
                "hoặc vi phạm sở hữu trí tuệ."
            ),
        },
        "store_lifetime_days": {
            "title": "Thời gian hoạt động của gian hàng",
            "advice": (
                "Được tính từ khi bạn hoàn tất hồ sơ và gian hàng có ít nhất 1 sản phẩm được bán để được bật và "
                "hiển thị trên Tiki."
            ),
        },
    },
    "programs": {
        "kkday-trusted-partner": {
            "name": "KKday Trusted Partner",
            "badge": "huy hiệu Trusted Partner",
            "status": {
                "awarded": (
                    "Huy hiệu được hiển thị trên trang sản phẩm của bạn, sản phẩm được tăng mức hiển thị và xếp hạng "
                    "tìm kiếm cao hơn. Phần thưởng có hiệu lực trong một tháng."
                ),
                "not_awarded": (
                    "Tháng này sản phẩm của bạn không hiển thị huy hiệu. Nếu có từ hai chỉ số trở lên cần cải thiện, "
                    "thứ hạng sản phẩm của bạn sẽ bị hạ trong tháng tới."
                ),
                "ineligible": (
                    "Chương trình chỉ dành cho đối tác tự xử lý đơn hàng và tin nhắn. Nếu đơn hàng hoặc tin nhắn của "
                    "bạn do KKday xử lý, hãy liên hệ người phụ trách tại KKday để biết cách tự xử lý."
                ),
            },
            "advice": [
                "Theo dõi hiệu suất hằng tháng của bạn trên trang “Trở thành Trusted Partner”.",
                "Trao đổi qua hệ thống tin nhắn của KKday nhiều nhất có thể và lưu lại nội dung trao đổi.",
                (
                    "Nếu có từ hai chỉ số trở lên cần cải thiện, hệ thống sẽ hạ thứ hạng sản phẩm của bạn trong tháng "
                    "tới; nếu không cải thiện lâu dài, sản phẩm có thể bị gỡ khỏi sàn."
                ),
            ],
        },
        "booking-preferred-property": {
            "name": "Chương trình Đối tác Ưu tiên của Booking.com",
            "badge": "biểu tượng “ngón tay cái” của Đối tác Ưu tiên",
            "status": {
                "awarded": (
                    "Chỗ nghỉ của bạn được hiển thị nhiều hơn trong kết quả tìm kiếm và có biểu tượng “ngón tay cái” "
                    "trên trang chỗ nghỉ, đổi lại mức hoa hồng cao hơn một chút. Chỗ nghỉ ưu tiên có lượt xem trang "
                    "tăng đến 65% và lượt đặt tăng trung bình 20%."
                ),
                "not_awarded": (
                    "Để là Đối tác Ưu tiên, bạn phải đạt đồng thời cả ba tiêu chí: điểm hiệu suất, điểm đánh giá và "
                    "mức giá bên ngoài."
                ),
                "opted_out": (
                    "Bạn đã rời chương trình: biểu tượng và mức hoa hồng cao hơn không còn áp dụng. Bạn chỉ có thể "
                    "tham gia lại khi đáp ứng lại tất cả các tiêu chí."
                ),
            },
            "advice": [
                (
                    "Kiểm tra trạng thái bất cứ lúc nào trong extranet: "
                    "Cơ hội > Chương trình Đối tác Ưu tiên. Các tiêu "
                    "chí được đo mỗi 90 ngày."
                ),
                (
                    "Để rời chương trình: trong extranet, chọn Cơ hội > Chương trình Đối tác Ưu tiên > Rời chương "
                    "trình. Trạng thái và hoa hồng thay đổi ngay lập tức và thư xác nhận sẽ được gửi đến hộp thư "
                    "extranet của bạn."
                ),
                "Bạn chỉ có thể tham gia lại khi đáp ứng lại tất cả các tiêu chí.",
            ],
        },
        "booking-rides-preferred": {
            "name": "Chương trình Đối tác Ưu tiên của Booking.com (dịch vụ xe)",
            "badge": "trạng thái Đối tác Ưu tiên",
            "status": {
                "awarded": (
                    "Booking.com ưu tiên bạn nhiều hơn khi phân bổ lượt đặt xe, giúp tăng khả năng bạn nhận được nhiều "
                    "lượt đặt hơn."
                ),
                "not_awarded": (
                    "Đối tác không đạt tiêu chuẩn chất lượng tối thiểu có thể bị hạ thứ hạng trong thuật toán lựa chọn."
                ),
            },
            "advice": [
                "Hãy đưa ra mức giá cạnh tranh nhất: cả chất lượng và giá quyết định tần suất bạn được chọn.",
                (
                    "Các mức khuyến nghị có thể thay đổi theo thời gian và theo khu vực; báo cáo này dùng mức đang áp "
                    "dụng cho khu vực của bạn."
                ),
            ],
        },
        "tiki-trusted-store": {
            "name": "Tiki – Nhà bán Uy tín",
            "badge": "huy hiệu Nhà bán Uy tín",
            "status": {
                "awarded": (
                    "Huy hiệu Uy tín được hiển thị trên trang chủ gian "
                    "hàng và trên từng sản phẩm của bạn; sản phẩm được "
                    "xếp hạng cao hơn trong kết quả tìm kiếm và có thể được lọc theo nhãn Nhà bán Uy tín."
                ),
                "not_awarded": "Cần đáp ứng tất cả các yêu cầu để được xét danh hiệu.",
                "suspended": (
                    "Danh hiệu bị tạm gỡ trong thời gian Tiki xác minh dấu hiệu gian lận hoặc hàng giả. Danh hiệu sẽ "
                    "được khôi phục khi việc xác minh kết thúc và bạn đáp ứng các yêu cầu."
                ),
                "ineligible": "Nhà bán cần hoạt động trên Tiki ít nhất 90 ngày.",
            },
            "advice": [
                (
                    "Theo dõi hiệu quả gian hàng tại Trung tâm Nhà bán "
                    "> Trung tâm Phát triển > Nhà bán Uy tín; dữ liệu "
                    "được cập nhật hằng ngày."
                ),
                "Khi nhận được cảnh báo từ hệ thống, hãy cải thiện hiệu quả gian hàng càng sớm càng tốt.",
                (
                    "Nếu bạn không vi phạm tiêu chuẩn nào nhưng vẫn mất hoặc không đạt danh hiệu, vui lòng gửi email "
                    "đến partnersupport@tiki.vn hoặc hotrodoitac@tiki.vn để được hỗ trợ."
                ),
            ],
        },
    },
    "generic_program": {
        "badge": "huy hiệu",
        "advice": ["Tập trung vào các chỉ số được đánh dấu “Cần cải thiện” và cải thiện chúng trước lần đánh giá tới."],
    },
}
