"""Texts of the association directory and join requests (zh and en)."""

from __future__ import annotations

DIRECTORY_TEXTS: dict[str, dict[str, str]] = {
    "find_ask": {
        "zh": "请告诉我您所在的城市或国家（例如“吉隆坡”“纽约”“Malaysia”），或点下方按钮分享位置，我来找附近的侨团。",
        "en": "Tell me your city or country (e.g. “Kuala Lumpur”, “纽约”, “Malaysia”), or share your location with "
        "the button below, and I will find associations near you.",
    },
    "share_location": {"zh": "📍 分享我的位置", "en": "📍 Share my location"},
    "find_none": {
        "zh": "没有找到“{place}”附近的侨团。可以换个写法（城市或国家），或分享位置查找最近的侨团。",
        "en": "I found no association for “{place}”. Try another spelling (city or country), or share your "
        "location to see the nearest ones.",
    },
    "find_results": {"zh": "找到 {count} 个侨团：", "en": "Associations found: {count}"},
    "find_more": {
        "zh": "先显示最相关的 {shown} 个；写上城市可以缩小范围（例如“槟城”）。",
        "en": "Showing the {shown} most relevant; name a city to narrow it down (e.g. “Penang”).",
    },
    "nearest_results": {"zh": "离您最近的侨团：", "en": "The associations nearest to you:"},
    "result": {
        "zh": (
            "<b>{name}</b>\n📍 {city}{distance}\n🗣 {languages}\n{contacts}\n"
            "核实日期：{verified}（示例数据，请以社团官方信息为准）"
        ),
        "en": "<b>{name}</b>\n📍 {city}{distance}\n🗣 {languages}\n{contacts}\nLast verified: {verified} "
        "(sample data: check with the association)",
    },
    "details": {
        "zh": "<b>{name}</b>\n📍 {city}\n🗣 {languages}\n{hometown}\n{description}\n\n{contacts}\n核实日期：{verified}",
        "en": (
            "<b>{name}</b>\n📍 {city}\n🗣 {languages}\n{hometown}\n{description}\n\n{contacts}\n"
            "Last verified: {verified}"
        ),
    },
    "hometown_line": {"zh": "🏠 主要联系 {hometown} 乡亲", "en": "🏠 Focus: people from {hometown}"},
    "bound_association": {
        "zh": "本群已绑定为社团“{association}”（{id}）的负责人群。该社团的入会申请会发到这里，群成员可以同意或婉拒。",
        "en": "This group now handles join requests for “{association}” ({id}): members can approve or decline them.",
    },
    "sample_note": {
        "zh": "（目录为示例数据，联系方式请以社团官方渠道为准。）",
        "en": "(Sample directory: check contact details with the association's official channels.)",
    },
    "details_button": {"zh": "详情", "en": "Details"},
    "join_button": {"zh": "申请加入", "en": "Ask to join"},
    "join_link_button": {"zh": "加入（外部链接）", "en": "Join (website)"},
    "join_ask_name": {
        "zh": "申请加入<b>{association}</b>（1/3）：请问怎么称呼您？随时可以发送 /cancel 取消。",
        "en": "Asking to join <b>{association}</b> (1/3): what is your name? Send /cancel at any time to stop.",
    },
    "join_ask_contact": {
        "zh": "（2/3）请留一个联系方式（电话、微信或邮箱），社团会用它联系您。",
        "en": "(2/3) How can the association reach you (phone, WeChat or email)?",
    },
    "join_ask_about": {
        "zh": "（3/3）请用一句话介绍自己（例如：来自茶陵，在吉隆坡工作三年）。",
        "en": "(3/3) A line about yourself (e.g. from Chaling, working in Kuala Lumpur for three years).",
    },
    "join_consent": {
        "zh": (
            "<b>请确认</b>\n\n社团：{association}\n称呼：{name}\n联系方式：{contact}\n自我介绍：{about}\n\n"
            "点“同意并发送”即表示您同意把以上信息提供给该社团的负责人（以及侨联联络部），仅用于处理入会申请。"
        ),
        "en": (
            "<b>Please confirm</b>\n\nAssociation: {association}\nName: {name}\nContact: {contact}\nAbout you: {about}"
            "\n\nBy tapping “Agree and send” you consent to sharing these details with the association's officers "
            "(and the federation's liaison department), only to handle your request."
        ),
    },
    "join_send": {"zh": "同意并发送", "en": "Agree and send"},
    "join_sent": {
        "zh": "已发送入会申请 J{id}。社团负责人处理后我会通知您；发送 /mytickets 可查看进度。",
        "en": "Join request J{id} sent. I will tell you when the association decides; /mytickets shows its status.",
    },
    "join_already_sent": {
        "zh": "入会申请 J{id} 已经发给社团了，无法再取消；如需撤回，请直接联系社团。",
        "en": "Join request J{id} has already been sent to the association; to withdraw it, contact them directly.",
    },
    "join_cancelled": {"zh": "已取消入会申请。", "en": "The join request was cancelled."},
    "join_text_please": {
        "zh": "请用文字回答，或发送 /cancel 取消。",
        "en": "Please answer in text, or send /cancel to stop.",
    },
    "join_approved": {
        "zh": "好消息！<b>{association}</b> 已同意您的入会申请 J{id}。\n\n{how}",
        "en": "Good news! <b>{association}</b> approved your join request J{id}.\n\n{how}",
    },
    "join_approved_liaison": {
        "zh": "好消息！侨联联络部已同意为您转介 <b>{association}</b>（申请 J{id}）。\n\n{how}",
        "en": "Good news! The federation's liaison department approved your request J{id} to join "
        "<b>{association}</b>.\n\n{how}",
    },
    "join_declined_liaison": {
        "zh": "侨联联络部暂时无法为您转介 <b>{association}</b>（申请 J{id}）。您可以用 /find 看看附近的其他侨团。",
        "en": "The federation's liaison department could not pass on request J{id} to <b>{association}</b> for now. "
        "Try /find for other associations near you.",
    },
    "join_declined": {
        "zh": "很遗憾，<b>{association}</b> 暂时没有接受您的入会申请 J{id}。您可以用 /find 看看附近的其他侨团。",
        "en": "Sorry, <b>{association}</b> did not accept join request J{id} for now. Try /find for other "
        "associations near you.",
    },
    "join_how_link": {"zh": "入会链接：{link}", "en": "Joining page: {link}"},
    "join_how_contacts": {
        "zh": "请通过以下方式联系社团：\n{contacts}",
        "en": "Please contact the association:\n{contacts}",
    },
    "officer_card": {
        "zh": (
            "📝 <b>入会申请 J{id}</b>\n社团：{association}\n称呼：{name}\n联系方式：{contact}\n自我介绍：{about}\n"
            "（申请人已同意把以上信息提供给社团）"
        ),
        "en": (
            "📝 <b>Join request J{id}</b>\nAssociation: {association}\nName: {name}\nContact: {contact}\n"
            "About: {about}\n(The applicant agreed to share these details with the association.)"
        ),
    },
    "approve_button": {"zh": "✅ 同意", "en": "✅ Approve"},
    "decline_button": {"zh": "✖️ 婉拒", "en": "✖️ Decline"},
    "officer_done": {"zh": "{actor} 已{verdict}入会申请 J{id}。", "en": "{actor} {verdict} join request J{id}."},
    "verdict_approved": {"zh": "同意", "en": "approved"},
    "verdict_declined": {"zh": "婉拒", "en": "declined"},
    "officer_only": {
        "zh": "只有本群成员（社团负责人）可以处理入会申请。",
        "en": "Only members of this group (the association's officers) can decide join requests.",
    },
    "already_decided": {"zh": "这个申请已经处理过了。", "en": "This request has already been decided."},
    "my_joins": {"zh": "<b>您的入会申请</b>", "en": "<b>Your join requests</b>"},
    "join_status_pending": {"zh": "等待社团处理", "en": "waiting for the association"},
    "join_status_approved": {"zh": "已同意", "en": "approved"},
    "join_status_declined": {"zh": "未接受", "en": "not accepted"},
    "cmd_find": {"zh": "查找附近的侨团", "en": "Find associations near you"},
}
