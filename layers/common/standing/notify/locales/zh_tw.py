"""Traditional Chinese (Taiwan) texts."""

MESSAGES = {
    "ui": {
        "sep": "：",
        "subject_report_awarded": "{program}：您已獲得 {period} 的{badge}",
        "subject_report_not_awarded": "{program}：{period} 有 {count} 項指標需要改善",
        "subject_report_status": "{program}：您 {period} 的評估結果",
        "subject_report_suspended": "{program}：您的{badge}已暫停",
        "subject_warning_one": "{program}：「{metric}」有未達標風險，剩餘 {days}",
        "subject_warning": "{program}：{count} 項指標有未達標風險，剩餘 {days}",
        "subject_membership_joined": "{program}：歡迎，您已成功加入",
        "subject_membership_refused": "{program}：您的加入申請暫時無法核准",
        "subject_membership_left": "{program}：您已退出計畫",
        "greeting": "{name} 您好：",
        "greeting_no_name": "合作夥伴您好：",
        "report_intro": "以下是您在 {period} 的 {program} 評估結果。",
        "status_heading": "您的狀態",
        "period_label": "評估期間",
        "data_as_of_label": "資料截至",
        "next_evaluation_label": "下次評估",
        "valid_until_label": "徽章有效期至",
        "metrics_heading": "您的指標",
        "col_metric": "指標",
        "col_value": "您的表現",
        "col_threshold": "標準",
        "col_outcome": "結果",
        "next_steps_heading": "接下來該怎麼做",
        "keep_steps_heading": "如何保持徽章",
        "consequences_heading": "這對您的影響",
        "no_metrics": "本次評估沒有衡量任何指標。",
        "not_counted": "本期不計入：案例數量不足，無法衡量。",
        "footer": (
            "這是關於 {program} 的自動通知。數據涵蓋截至「資料截至」時間所收到的活動；之後才送達的資料將計入下次評估。"
        ),
        "warning_intro_one": "{program} 本期（{period}）尚未結束，但您有一項指標已接近標準或已低於標準。",
        "warning_intro": "{program} 本期（{period}）尚未結束，但您有 {count} 項指標已接近標準或已低於標準。",
        "warning_days_left": "距離本期結束還有 {days}，請把握時間改善。",
        "pp": "{v} 個百分點",
        "days": "{n} 天",
        "warning_now": "目前",
        "warning_gap": "與標準的差距",
        "warning_todo": "建議做法",
        "unsubscribe_note": (
            "您會收到這則期中提醒，是因為您已加入 {program}。您可以透過郵件軟體的取消訂閱功能停止接收提醒；"
            "評估報告仍會照常寄送。"
        ),
        "membership_joined": "您已加入 {program}，會員資格立即生效。",
        "membership_refused": (
            "我們暫時無法核准您加入 {program} 的申請：必須符合所有標準才能加入，目前尚未達到以下標準： "
        ),
        "membership_left": "您已退出 {program}。您的狀態與佣金已立即變更。唯有再次符合所有標準時，才能重新加入。",
        "membership_status": "您目前的狀態：{status}。",
    },
    "status": {
        "awarded": "已獲得徽章",
        "not_awarded": "未獲得",
        "ineligible": "不符資格",
        "suspended": "已暫停",
        "opted_out": "非會員",
    },
    "status_meaning": {
        "awarded": "您目前擁有{badge}。",
        "not_awarded": "本期您未取得{badge}：至少有一項指標未達標準。",
        "ineligible": "您目前不符合本計畫的參加資格，因此未獲得徽章。",
        "suspended": "在未結案件審查期間，您的{badge}已暫停。",
        "opted_out": "您不是本計畫的會員，因此不適用徽章。以下結果僅供您參考。",
    },
    "outcome": {"pass": "達標", "fail": "需要改善", "not_applicable": "不計入"},
    "op": {
        ">=": "至少 {v}",
        ">": "高於 {v}",
        "<=": "不超過 {v}",
        "<": "低於 {v}",
        "==": "{v}",
        "!=": "不為 {v}",
    },
    "consequence": {
        "ranking_demotion": "下一期您在搜尋結果中的排名將會下降。",
        "delisting_warning": "下架警告：您的指標已連續多次評估需要改善。若仍未改善，您的商品可能會被下架。",
        "suspension": "在案件結案前，您的徽章將暫停。",
        "badge_removed": "徽章已被移除。",
        "commission_uplift": "持有徽章期間，將適用略高的佣金。",
        "commission_standard": "您的佣金已恢復為標準費率。",
    },
    "benefit": {
        "commission_uplift_pct": "持有徽章期間，佣金將提高 {pct}%。",
        "commission_uplift": "持有徽章期間，將適用略高的佣金。",
        "search_visibility": "您在搜尋結果中將獲得更多曝光。",
    },
    "units": {
        "orders": "筆訂單",
        "messages": "則訊息",
        "timely_replies": "則 12 小時內的回覆",
        "unanswered_messages": "則未及時回覆的訊息",
        "partner_cancellations": "筆由您取消的訂單",
        "orders_kept": "筆未由您取消的訂單",
        "cancellations": "次取消",
        "confirmed_orders": "筆準時確認的訂單",
        "unconfirmed_orders": "筆未準時確認的訂單",
        "reviews": "則評價",
        "top_reviews": "則最高分評價",
        "bottom_reviews": "則最低分評價",
        "ratings": "則評分",
        "buyers": "位買家",
        "rides": "趟行程",
        "incidents": "趟發生事故的行程",
        "rides_without_incident": "趟未發生事故的行程",
        "declines": "筆拒絕的預訂",
        "accepted_bookings": "筆接受的預訂",
        "offered_bookings": "筆收到的預訂",
        "rides_with_driver_events": "趟有司機事件資料的行程",
        "rides_without_driver_events": "趟沒有司機事件資料的行程",
        "chats": "則聊天",
        "chat_replies": "則聊天回覆",
        "unanswered_chats": "則未回覆的聊天",
        "late_orders": "筆延遲處理的訂單",
        "on_time_orders": "筆準時處理的訂單",
        "seller_cancellations": "筆由您取消的訂單",
        "days": "天",
        "points": "分",
    },
    "headroom": {
        "needed": "還需要 {amount} {unit}",
        "allowed": "還可容許 {amount} {unit}",
        "allowed_none": "已達上限：再有 1 {unit}就會未達標",
        "margin": "已達標，尚有 {amount} {unit}的餘裕",
        "until_applicable": "再累積 {amount} {unit}後開始計算",
        "needed_plain": "還需要 {amount}",
        "allowed_plain": "還可容許 {amount}",
        "margin_plain": "已達標，尚有 {amount} 的餘裕",
        "until_applicable_plain": "再累積 {amount} 後開始計算",
        "gap_short": "距離標準還差 {gap}",
        "gap_room": "尚有 {gap} 的餘裕",
    },
    "category": {
        "competitive": "具競爭力",
        "slightly_uncompetitive": "競爭力略低",
        "uncompetitive": "不具競爭力",
        "not_competitive": "不具競爭力",
        "unknown": "未知",
    },
    "flag": {"clear": "無未結案件", "open": "審查中"},
    "score_of": "{v} / {scale}",
    "metrics": {
        "message_response_rate": {
            "title": "訊息回覆率",
            "advice": "請盡可能在 12 小時內回覆每一則旅客主動發送的訊息。",
        },
        "partner_cancellation_rate": {
            "title": "供應商取消率",
            "advice": (
                "請勿自行取消訂單。由於訂單內容無法修改，請旅客取消後重新下單；旅客發起取消後，您可以依取消政策退款或全額退款。"
                "若聯繫不上旅客，請嘗試訂單資料中的電話或電子郵件；若仍無法聯繫，請直接聯絡 KKday 協助。"
            ),
        },
        "order_confirmation_rate": {
            "title": "訂單確認率",
            "advice": (
                "請在期限前確認每一筆訂單。事先確認出發條件、掌握當地最新資訊，"
                "如有任何變動，請立即透過訊息或電話通知旅客。"
            ),
        },
        "performance_score": {
            "title": "表現分數",
            "advice": "此分數依據您的住宿預計每年可獲得的訂單數量，以及旅客對您住宿的需求計算。",
        },
        "review_score": {
            "title": "評價分數",
            "advice": "住客在退房後為您的住宿給出的分數（滿分 10 分）。",
        },
        "price_competitiveness": {
            "title": "外部價格水準",
            "advice": "衡量您在 Booking.com 上的價格與您在其他網站上的價格相比的競爭力；必須達到「具競爭力」。",
        },
        "survey_score": {
            "title": "問卷評分",
            "advice": "顧客為您的行程給出的平均分數：請在每一趟行程提供最好的服務。",
        },
        "incident_rate": {
            "title": "事故率",
            "advice": "發生事故（例如司機未到或遲到）的預訂比例：請將其維持在低水準。",
        },
        "decline_rate": {
            "title": "拒單率",
            "advice": "上個月您拒絕的預訂比例：請接受收到的預訂。",
        },
        "driver_events_rate": {
            "title": "司機事件資料",
            "advice": "透過 Booking.com 司機 App 或 API 串接提供司機事件資料的行程比例：請確保每一趟行程都有回傳。",
        },
        "successful_orders": {
            "title": "成功訂單數",
            "advice": "近 3 個月內已確認的訂單總數；已取消的訂單不計入。",
        },
        "unique_buyers": {
            "title": "不重複買家數",
            "advice": "近 3 個月內在您商店購買的不同顧客人數。",
        },
        "chat_response_rate": {
            "title": "聊天回覆率",
            "advice": (
                "回覆率 = 聊天回覆數 / 收到的聊天數。只有在近 3 個月內收到至少 2 則訊息時才會計算。請回覆每一則聊天。"
            ),
        },
        "late_fulfillment_rate": {
            "title": "延遲出貨率",
            "advice": "近 3 個月內未準時處理的訂單數 / 收到的訂單總數。請在期限前處理每一筆訂單。",
        },
        "seller_cancellation_rate": {
            "title": "賣家取消率",
            "advice": "近 3 個月內因賣家原因取消的訂單數 / 收到的訂單總數。請避免取消訂單。",
        },
        "average_rating": {
            "title": "商品平均評分",
            "advice": "近 3 個月內所有評分的平均值。",
        },
        "rating_count": {
            "title": "評分數量",
            "advice": "近 3 個月內收到的評分總數。",
        },
        "fraud_free": {
            "title": "無疑似詐欺行為",
            "advice": "您的商店不得處於 Tiki 詐欺管理部門的查核中；查核期間，稱號將暫時移除。",
        },
        "counterfeit_free": {
            "title": "無疑似仿冒商品",
            "advice": "不得有任何商品正被鑑定為仿冒品、二手品、來源不明或侵害智慧財產權的商品。",
        },
        "store_lifetime_days": {
            "title": "商店經營天數",
            "advice": "自您完成商店資料、且至少售出 1 件商品使商店開啟並在 Tiki 上顯示起計算。",
        },
    },
    "programs": {
        "kkday-trusted-partner": {
            "name": "KKday 信賴夥伴（Trusted Partner）",
            "badge": "信賴夥伴徽章",
            "status": {
                "awarded": "徽章會顯示在您的商品頁面上，您的商品也將獲得額外曝光與更高的搜尋排名。獎勵效期為一個月。",
                "not_awarded": "本月您的商品不會顯示徽章。若有兩項以上指標需要改善，下個月您的商品排名將會下降。",
                "ineligible": (
                    "本計畫僅開放給自行處理訂單與訊息的供應商。若您的訂單或訊息由 KKday 代為處理，"
                    "請聯絡您的 KKday 窗口，了解如何自行處理。"
                ),
            },
            "advice": [
                "您可以在「成為信賴夥伴」頁面查看每月的表現。",
                "請盡量使用 KKday 訊息系統溝通，並保留對話紀錄。",
                "若有兩項以上指標需要改善，系統將於下個月調降您的商品排名；長期未改善，商品可能會被下架。",
            ],
        },
        "booking-preferred-property": {
            "name": "Booking.com 優選夥伴計畫",
            "badge": "優選夥伴「讚」標誌",
            "status": {
                "awarded": (
                    "您的住宿在搜尋結果中將獲得更多曝光，住宿頁面也會顯示「讚」標誌，相對地佣金會略為提高。"
                    "優選住宿的頁面瀏覽量最多可增加 65%，訂單平均增加 20%。"
                ),
                "not_awarded": "成為優選夥伴必須同時符合三項標準：表現分數、評價分數與外部價格水準。",
                "opted_out": "您已退出本計畫：標誌與較高的佣金不再適用。唯有再次符合所有標準時，才能重新加入。",
            },
            "advice": [
                "您可以隨時在 extranet 的「機會」>「優選夥伴計畫」中查看狀態。我們每 90 天衡量一次各項標準。",
                (
                    "若要退出：在 extranet 中前往「機會」>「優選夥伴計畫」>「退出計畫」。"
                    "您的狀態與佣金會立即變更，確認通知將寄送至您的 extranet 收件匣。"
                ),
                "唯有再次符合所有標準時，才能重新加入計畫。",
            ],
        },
        "booking-rides-preferred": {
            "name": "Booking.com 接送服務優選夥伴計畫",
            "badge": "優選夥伴資格",
            "status": {
                "awarded": "Booking.com 在分配預訂時會更優先考慮您，提高您獲得更多預訂的機會。",
                "not_awarded": "未達最低品質標準的合作夥伴，可能會在篩選演算法中被調降排名。",
            },
            "advice": [
                "也請提供最具競爭力的價格：品質與價格共同決定您被選中的頻率。",
                "建議標準可能隨時間與地區調整；本報告採用您所在地區目前適用的標準。",
            ],
        },
        "tiki-trusted-store": {
            "name": "Tiki 信譽商店",
            "badge": "信譽商店徽章（Uy tín）",
            "status": {
                "awarded": (
                    "徽章會顯示在您的商店首頁與每件商品上；您的商品在搜尋結果中排名更高，並可透過信譽商店篩選條件找到。"
                ),
                "not_awarded": "必須符合所有條件才能獲得此稱號。",
                "suspended": "在 Tiki 查核疑似詐欺或仿冒商品期間，稱號將暫時移除；查核結束且您符合條件後即會恢復。",
                "ineligible": "賣家必須在 Tiki 上經營至少 90 天。",
            },
            "advice": [
                "請至賣家中心 > 成長中心 > 信譽商店查看商店表現；資料每天更新。",
                "收到系統警示時，請盡快改善商店表現。",
                (
                    "若您未違反任何標準，卻仍失去或無法取得稱號，請寄信至 partnersupport@tiki.vn "
                    "或 hotrodoitac@tiki.vn 尋求協助。"
                ),
            ],
        },
    },
    "generic_program": {
        "badge": "徽章",
        "advice": ["請聚焦於標示為「需要改善」的指標，並在下次評估前完成改善。"],
    },
}
