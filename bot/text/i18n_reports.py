"""Texts of the report conversation, ticket notifications and staff commands (zh and en)."""

from __future__ import annotations

REPORT_TEXTS: dict[str, dict[str, str]] = {
    "privacy": {
        "zh": (
            "<b>反映困难前，请了解我们如何处理您的信息</b>\n\n"
            "• 我们会保存：您填写的家乡、类别、情况说明、附件和联系方式，以及您的 Telegram 用户编号；\n"
            "• 谁能看到：只有负责您家乡的侨联工作人员（以及系统管理员）。您可以选择是否向他们显示您的 Telegram 名字；\n"
            "• 用途：只用于处理您反映的问题，不会公开；\n"
            "• 删除：处理结束后，您可以联系侨联要求删除您的记录。\n\n"
            "同意请点“同意并继续”，或回复“同意”。随时可以发送 /cancel 取消。"
        ),
        "en": (
            "<b>Before you report a difficulty: how we handle your information</b>\n\n"
            "• What we store: the hometown, category, description, attachments and contact you give, and your "
            "Telegram user id;\n"
            "• Who sees it: only the staff of the federation responsible for your hometown (and the bot's "
            "administrators). You choose whether they see your Telegram name;\n"
            "• What for: only to handle your report; it is never published;\n"
            "• Deletion: once it is handled, you can ask the federation to delete your records.\n\n"
            "Tap “Agree and continue” or reply “agree”. Send /cancel at any time to stop."
        ),
    },
    "agree": {"zh": "同意并继续", "en": "Agree and continue"},
    "cancel_button": {"zh": "取消", "en": "Cancel"},
    "ask_place": {
        "zh": "第 1 步（共 4 步）：您的<b>祖籍地（家乡）</b>是湖南哪个县（市、区）？\n例如：茶陵县、醴陵、Liuyang。",
        "en": (
            "Step 1 of 4: which county or city in Hunan is your <b>ancestral hometown</b>?\n"
            "For example: Chaling, 醴陵, Liuyang."
        ),
    },
    "place_choose": {
        "zh": "您指的是下面哪一个？也可以重新输入。",
        "en": "Which of these do you mean? You can also type it again.",
    },
    "place_unknown": {
        "zh": "没有找到“{text}”。请再输入一次（例如“茶陵”“Liling”），或者直接交给湖南省侨联处理。",
        "en": (
            "I could not find “{text}”. Please type it again (e.g. “Chaling”, “Liling”), or send it to the Hunan "
            "provincial federation."
        ),
    },
    "place_province": {"zh": "交给湖南省侨联", "en": "Send to the Hunan federation"},
    "place_ok": {
        "zh": "家乡：<b>{place}</b>，将转给 {queue}。",
        "en": "Hometown: <b>{place}</b>, for the {queue}.",
    },
    "ask_category": {
        "zh": "第 2 步（共 4 步）：请选择问题类别（也可以直接输入类别名称）：",
        "en": "Step 2 of 4: choose the kind of difficulty (or type its name):",
    },
    "category_unknown": {
        "zh": "请从按钮中选择一个类别。",
        "en": "Please choose one of the categories on the buttons.",
    },
    "emergency": {
        "zh": (
            "⚠️ <b>如果您正身处危险之中，请立即拨打当地报警或急救电话。</b>\n"
            "然后拨打外交部全球领事保护与服务应急热线：<b>+86-10-12308</b> 或 <b>+86-10-65612308</b>（24 小时）。\n\n"
            "您的反映仍会提交给侨联，但侨联无法替代警方和使领馆的紧急救助。"
        ),
        "en": (
            "⚠️ <b>If you are in danger now, call the local police or emergency number first.</b>\n"
            "Then call the Chinese consular protection hotline: <b>+86-10-12308</b> or <b>+86-10-65612308</b> "
            "(24 hours).\n\nYour report will still be filed, but the federation cannot replace the police or the "
            "embassy in an emergency."
        ),
    },
    "ask_description": {
        "zh": "第 3 步（共 4 步）：请简要说明情况：发生了什么、需要什么帮助。可以附上照片或文件。",
        "en": "Step 3 of 4: describe what happened and what help you need. You may attach photos or documents.",
    },
    "attachment_saved": {
        "zh": "已收到附件（共 {count} 个）。请再用文字说明情况。",
        "en": "Attachment received ({count} so far). Please also describe the situation in words.",
    },
    "description_too_long": {
        "zh": "说明太长了（超过 {limit} 字），请精简后再发送。",
        "en": "That is too long (over {limit} characters); please shorten it and send it again.",
    },
    "faq_first": {
        "zh": "提交前，下面的常见问题是否已经解答了您的问题？",
        "en": "Before you file: do any of these common questions already answer it?",
    },
    "continue_report": {"zh": "没有，继续提交", "en": "No, continue my report"},
    "ask_contact": {
        "zh": (
            "第 4 步（共 4 步，可选）：留个联系方式吗？点下方按钮分享手机号，或直接输入电话/微信/邮箱；"
            "不需要请发送 /skip。"
        ),
        "en": (
            "Step 4 of 4 (optional): a way to contact you? Tap the button to share your phone number, or type a "
            "phone, WeChat or email; send /skip to leave it out."
        ),
    },
    "share_phone": {"zh": "📱 分享我的手机号", "en": "📱 Share my phone number"},
    "summary": {
        "zh": (
            "<b>请确认您的反映</b>\n\n家乡：{place}（{queue}）\n类别：{category}\n说明：{description}\n"
            "附件：{attachments} 个\n联系方式：{contact}\n向工作人员显示我的名字：{identity}\n\n"
            "确认无误请点“提交”。"
        ),
        "en": (
            "<b>Please check your report</b>\n\nHometown: {place} ({queue})\nCategory: {category}\n"
            "Description: {description}\nAttachments: {attachments}\nContact: {contact}\n"
            "Show my name to staff: {identity}\n\nTap Submit if it is right."
        ),
    },
    "none": {"zh": "无", "en": "none"},
    "yes": {"zh": "是", "en": "yes"},
    "no": {"zh": "否", "en": "no"},
    "submit": {"zh": "✅ 提交", "en": "✅ Submit"},
    "toggle_identity": {"zh": "显示/隐藏我的名字", "en": "Show/hide my name"},
    "filed": {
        "zh": "已提交，编号 <b>#{id}</b>。{queue}的工作人员会通过本机器人回复您。发送 /mytickets 查看进度。",
        "en": "Filed as <b>#{id}</b>. Staff of the {queue} will answer you here. Send /mytickets to follow it.",
    },
    "report_cancelled": {"zh": "已取消，没有提交任何内容。", "en": "Cancelled; nothing was filed."},
    "skip_nothing": {"zh": "现在没有可以跳过的步骤。", "en": "There is no step to skip now."},
    "type_text_please": {
        "zh": "请按提示输入文字，或发送 /cancel 取消反映。",
        "en": "Please answer with text as asked, or send /cancel to stop the report.",
    },
    "my_tickets_none": {
        "zh": "您还没有提交过反映。发送 /report 开始。",
        "en": "You have no reports yet. Send /report to start.",
    },
    "my_tickets": {"zh": "<b>您的反映</b>", "en": "<b>Your reports</b>"},
    "notify_claimed": {
        "zh": "您的反映 #{id} 已由{queue}的工作人员受理。",
        "en": "Your report #{id} has been taken up by staff of the {queue}.",
    },
    "notify_reply": {
        "zh": "关于您的反映 #{id}，{queue}回复：\n\n{text}\n\n直接回复本消息即可补充说明。",
        "en": "About your report #{id}, the {queue} writes:\n\n{text}\n\nJust reply here to answer.",
    },
    "notify_transferred": {
        "zh": "您的反映 #{id} 已转给{queue}处理。",
        "en": "Your report #{id} has been passed to the {queue}.",
    },
    "notify_resolved": {
        "zh": "您的反映 #{id} 已处理完毕。{note}\n\n请为本次服务评分：",
        "en": "Your report #{id} has been resolved. {note}\n\nPlease rate how it was handled:",
    },
    "thread_added": {
        "zh": "已转给工作人员（反映 #{id}）。",
        "en": "Passed on to the staff (report #{id}).",
    },
    "rated": {"zh": "谢谢您的评分！", "en": "Thank you for your rating!"},
    "rated_reopened": {
        "zh": "谢谢您的评分。我们已重新打开反映 #{id}，工作人员会继续跟进。",
        "en": "Thank you. We have reopened report #{id}; staff will follow up.",
    },
    "cmd_mytickets": {"zh": "我的反映", "en": "My reports"},
}
