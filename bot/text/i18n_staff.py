"""Texts shown in staff groups and to admins (zh and en)."""

from __future__ import annotations

STAFF_TEXTS: dict[str, dict[str, str]] = {
    "card": {
        "zh": (
            "<b>反映 #{id}</b> · {status}\n队列：{queue}\n家乡：{place}\n类别：{category}\n提交人：{who}\n"
            "联系方式：{contact}\n附件：{attachments} 个\n\n{description}"
        ),
        "en": (
            "<b>Report #{id}</b> · {status}\nQueue: {queue}\nHometown: {place}\nCategory: {category}\nFrom: {who}\n"
            "Contact: {contact}\nAttachments: {attachments}\n\n{description}"
        ),
    },
    "card_escalated": {
        "zh": "⏫ 反映 #{id} 在 {hours} 小时内无人认领，已从{old}上报到{new}。",
        "en": "⏫ Report #{id} was not claimed within {hours} hours and moved from the {old} to the {new}.",
    },
    "card_transferred_away": {
        "zh": "↪️ 反映 #{id} 已由 {actor} 转给{queue}。",
        "en": "↪️ Report #{id} was transferred by {actor} to the {queue}.",
    },
    "anonymous": {"zh": "（用户选择不显示名字）", "en": "(the user chose not to show their name)"},
    "claim_button": {"zh": "🙋 认领", "en": "🙋 Claim"},
    "resolve_button": {"zh": "✅ 已解决", "en": "✅ Resolve"},
    "transfer_button": {"zh": "↪️ 转交", "en": "↪️ Transfer"},
    "choose_queue": {"zh": "把反映 #{id} 转给：", "en": "Transfer report #{id} to:"},
    "claimed": {"zh": "🙋 {actor} 认领了反映 #{id}。", "en": "🙋 {actor} claimed report #{id}."},
    "replied": {
        "zh": "✉️ 已把回复发给反映 #{id} 的提交人。",
        "en": "✉️ Reply sent to the person behind report #{id}.",
    },
    "resolved": {"zh": "✅ {actor} 已把反映 #{id} 标记为已解决。", "en": "✅ {actor} resolved report #{id}."},
    "noted": {
        "zh": "📝 已为反映 #{id} 添加内部备注（不会发给用户）。",
        "en": "📝 Internal note added to report #{id} (not sent to the user).",
    },
    "user_wrote": {
        "zh": "💬 反映 #{id} 的提交人写道：\n\n{text}",
        "en": "💬 The person behind report #{id} writes:\n\n{text}",
    },
    "reopened": {
        "zh": "🔁 反映 #{id} 的提交人评分 {stars} 星，反映已重新打开。",
        "en": "🔁 Report #{id} was rated {stars} stars by its author and has been reopened.",
    },
    "rated_staff": {
        "zh": "⭐ 反映 #{id} 获得 {stars} 星评价，已关闭。",
        "en": "⭐ Report #{id} was rated {stars} stars and closed.",
    },
    "queue_empty": {"zh": "{queue}目前没有待处理的反映。", "en": "The {queue} has no open reports."},
    "queue_list": {"zh": "<b>{queue}待处理的反映</b>", "en": "<b>Open reports of the {queue}</b>"},
    "ticket_detail_thread": {"zh": "往来记录：", "en": "Thread:"},
    "not_available": {
        "zh": "反映 #{id} 在这里不可用，或者您没有处理它的权限。",
        "en": "Report #{id} is not available here, or you may not act on it.",
    },
    "not_open": {
        "zh": "反映 #{id} 已经结束，不能再这样操作。",
        "en": "Report #{id} is already closed for that.",
    },
    "usage": {"zh": "用法：{usage}", "en": "Usage: {usage}"},
    "unknown_queue": {
        "zh": "没有这个队列：{queue}。可用的有：{queues}",
        "en": "No such queue: {queue}. Known queues: {queues}",
    },
    "same_queue": {"zh": "反映 #{id} 已经在{queue}。", "en": "Report #{id} is already with the {queue}."},
    "bound": {
        "zh": "本群已绑定到{queue}（{id}）。新的反映会发到这里；群成员可以认领、回复、转交和结案。",
        "en": (
            "This group now works the {queue} ({id}). New reports arrive here; members can claim, reply, transfer "
            "and resolve."
        ),
    },
    "unbound": {"zh": "本群已解除与{queue}的绑定。", "en": "This group no longer works the {queue}."},
    "not_bound": {"zh": "本群还没有绑定队列。", "en": "This group is not bound to a queue."},
    "group_only": {"zh": "请在工作群里使用这个命令。", "en": "Please use this command in a staff group."},
    "staff_only": {
        "zh": "抱歉，只有本队列工作群的成员才能这样操作。",
        "en": "Sorry, only members of this queue's staff group can do that.",
    },
    "already_done": {"zh": "反映 #{id} 的这项操作已经完成。", "en": "That was already done for report #{id}."},
    "already_claimed": {
        "zh": "反映 #{id} 已由 {actor} 认领。如需接手，请先与其沟通，或请管理员处理。",
        "en": "Report #{id} is already claimed by {actor}. Talk to them first, or ask an admin.",
    },
    "no_group_yet": {
        "zh": "注意：{queue}及其上级都还没有绑定工作群，管理员绑定后反映会自动发过去。",
        "en": "Note: neither the {queue} nor its parents have a staff group yet; reports go there once one is bound.",
    },
    "reply_empty": {"zh": "回复内容不能为空。", "en": "The reply is empty."},
}
