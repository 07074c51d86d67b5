"""Everyday variants folded onto one word before matching, so paraphrases share features.

Applied to stored phrasings and to queries alike (never to what is displayed). Keep the lists
short and unambiguous: a variant must mean the canonical word in every FAQ context.

- ``ZH``: Chinese variants → a canonical word (Simplified, after OpenCC): colloquialisms (本子 for
  a passport), Taiwan and Hong Kong usage (身分, 资料 for documents) and written Cantonese (点样,
  冇, 咗, 喺, 嘅, 唔…), so that a question in any of them meets the FAQ's Mandarin phrasings.
- ``EN``: English variants → a canonical word (after stemming).
- ``CONCEPTS``: the same topic in both languages. Each concept becomes one language-neutral
  feature (``c:护照`` for 护照, 本子 and passport alike), so an English or mixed question also
  meets the Chinese phrasings of an entry and the other way round.
"""

from __future__ import annotations

import re

ZH: dict[str, tuple[str, ...]] = {
    "丢失": (
        "不见了",
        "弄丢了",
        "弄丢",
        "丢掉了",
        "丢掉",
        "遗失",
        "丢了",
        "搞丢",
        "掉了",
        "冇咗",
        "唔见咗",
        "唔见",
        "找不到了",
        "找不着了",
        "弄没了",
    ),
    "被盗": ("被偷了", "被偷", "被抢了", "被抢", "偷走", "被扒", "扒走", "被人偷", "被人扒"),
    "孩子": ("小孩子", "小孩", "子女", "儿子", "女儿", "小朋友", "儿女", "细路", "仔女", "娃", "个仔", "个女"),
    "上学": ("读书", "念书", "入学", "就读", "插班", "上课", "返学"),
    "房子": ("房屋", "住房", "宅子", "老房子", "房产"),
    "家": ("屋企",),
    "老家": ("家乡", "故乡", "原籍地", "祖籍地", "家里那边", "乡下", "老乡下"),
    "联系": ("联络", "联系上", "联系方式"),
    "捐款": ("捐钱", "捐赠", "捐助", "捐献"),
    "去世": ("过世", "去世了", "离世", "死了", "过身"),
    "律师": ("法律顾问",),
    "大使馆": ("使馆", "领事馆", "使领馆", "领馆", "总领馆"),
    "护照": ("本子", "护照本", "passport本"),
    "身份证": ("身分证", "身份证明书"),
    "身份": ("身分",),
    "材料": ("资料", "文件"),
    "养老金": ("退休金", "退休工资", "退休俸", "长俸"),
    "医保": ("健保", "医疗保险"),
    "过期": ("到期", "失效", "期满", "过咗期"),
    "父母": ("爸妈", "老爸老妈", "爹妈", "父母亲"),
    "爸爸": ("老豆", "老爸", "父亲", "阿爸"),
    "妈妈": ("老妈", "母亲", "阿妈", "老母"),
    "回国": ("返国", "返大陆", "返内地", "回大陆", "回内地", "返中国", "回中国"),
    "回乡": ("返乡", "返乡下", "回乡下"),
    "回": ("返",),  # Cantonese 返 (go back); 返回 is folded to 回回, harmlessly
    "马来西亚": ("大马",),
    "新加坡": ("星洲", "狮城"),
    "出生证明": ("出世纸", "出生纸", "出生证"),
    "出生": ("出世",),
    "夫妻": ("两公婆", "两口子"),
    "回复": ("覆",),
    "多久": ("几耐", "几长时间"),
    "离婚": ("离了婚", "离咗婚"),
    "结婚": ("领证", "成婚", "娶", "嫁", "注册结婚", "扯证", "扯结婚证"),
    "工作": ("做嘢", "返工", "打工"),
    "还": ("仲",),
    "那": ("嗰",),
    "需不需要": ("使唔使", "使不使", "要不要"),
    # Written Cantonese and Taiwan wording → Mandarin function words (then dropped as stop words).
    "怎样": ("点样", "点么样", "点做"),
    "为什么": ("点解", "为何"),
    "什么": ("乜嘢", "咩嘢", "甚么", "啥子", "啥"),
    "哪里": ("边度", "边处", "哪儿"),
    "没有": ("冇",),
    "了": ("咗",),
    "在": ("喺",),
    "的": ("嘅",),
    "不": ("唔",),
    "他": ("佢",),
    "找": ("揾",),
    "看": ("睇",),
    "给": ("畀",),
    "拿": ("攞",),
    "来": ("嚟",),
    "些": ("啲",),
    "是": ("系咪", "系唔系"),
}

EN: dict[str, tuple[str, ...]] = {
    "child": ("kid", "son", "daughter", "children", "childs", "kiddo"),
    "lost": ("lose", "missing", "misplaced", "misplace", "gone"),
    "stolen": ("steal", "robbed", "rob", "stole", "pickpocketed", "pickpocket"),
    "house": ("flat", "apartment", "property"),
    "marry": ("marriage", "married", "wedding", "wed"),
    "lawyer": ("attorney", "solicitor"),
    "embassy": ("consulate", "consular"),
    "die": ("died", "passed", "death", "dead", "deceased"),
    "donate": ("donation", "donating", "donor"),
}

# Concept → (Chinese words after ZH folding, English words or two-word phrases before stemming).
CONCEPTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "护照": (("护照",), ("passport",)),
    "签证": (("签证",), ("visa",)),
    "免签": (("免签", "过境"), ("visa-free", "visa free", "transit", "layover")),
    "延期": (("延期", "延长", "续签", "停留期"), ("extend", "extension", "overstay")),
    "身份证": (("身份证",), ("id", "ic", "nric", "identity card", "identity")),
    "永久居留": (
        ("永久居留", "绿卡", "永居", "五星卡"),
        ("green card", "greencard", "permanent residence", "permanent resident", "permanent residency", "pr"),
    ),
    "户口": (("户口", "户籍", "落户"), ("hukou", "household registration")),
    "华侨": (("华侨",), ("huaqiao", "overseas chinese")),
    "华人": (("华人", "华裔", "外籍华人"), ("ethnic chinese", "chinese descent", "chinese origin", "chinese roots")),
    "归侨": (("归侨",), ("guiqiao", "returnee", "returned")),
    "侨眷": (("侨眷",), ("qiaojuan",)),
    "侨联": (("侨联",), ("qiaolian", "federation")),
    "国籍": (("国籍", "入籍", "外籍"), ("nationality", "citizenship", "citizen", "naturalize", "naturalization")),
    "双重国籍": (("双重国籍", "两本护照", "双国籍"), ("dual nationality", "dual citizenship", "two passports")),
    "定居": (
        ("定居", "长住", "常住", "落叶归根", "叶落归根"),
        ("settle", "settlement", "move back", "retire back", "moving back"),
    ),
    "上学": (
        ("上学", "学校", "小学", "初中", "高中", "幼儿园", "中学"),
        ("school", "enroll", "enrol", "kindergarten", "primary", "enrolment", "enrollment"),
    ),
    "大学": (("大学", "高校", "联考", "本科"), ("university", "uni", "college", "bachelor")),
    "中文": (("中文", "汉语", "普通话", "华文", "华语", "国语"), ("mandarin", "chinese class", "chinese school")),
    "夏令营": (("夏令营", "冬令营"), ("camp", "summer camp", "winter camp")),
    "寻根": (
        ("寻根", "族谱", "家谱", "祖籍", "祖先", "寻亲"),
        ("ancestor", "ancestral", "genealogy", "family tree", "root", "roots", "track down", "trace"),
    ),
    "结婚": (("结婚", "婚姻"), ("marry",)),
    "继承": (("继承", "遗产", "遗嘱"), ("inherit", "inheritance", "heir")),
    "社团": (
        ("侨团", "社团", "同乡会", "老乡会", "华人协会", "商会"),
        ("association", "community group", "clan", "society"),
    ),
    "反映": (
        ("反映", "投诉", "求助", "诉求", "没动静", "没人理", "没回复", "进度"),
        ("report", "complaint", "complain"),
    ),
    "侨胞之家": (
        ("侨胞之家", "服务中心", "服务站", "服务点", "活动中心", "联谊"),
        ("qiaobao", "service centre", "service center"),
    ),
    "侵占": (
        ("侵占", "霸占", "被占", "占用", "占着", "霸咗", "收回", "拿去用", "住进", "强占"),
        ("occupy", "occupied", "took over", "taken over", "won't leave", "squat", "squatting", "moved into"),
    ),
    "实名": (("12306", "实名", "核验", "高铁", "火车票", "买票", "住酒店"), ("12306", "train ticket", "verification")),
    "电话": (
        ("电话", "地址", "邮箱", "电邮", "办公时间", "上班时间", "几点上班", "开门", "在哪个位置"),
        ("phone", "telephone", "address", "email", "e-mail", "office hours", "opening hours"),
    ),
    "领事保护": (("领事保护", "领保", "大使馆", "12308", "撤侨"), ("embassy", "12308", "evacuate", "evacuation")),
    "灾难": (
        ("地震", "洪水", "发大水", "水灾", "打仗", "战乱", "战争", "暴乱", "海啸", "台风", "被抓", "绑架"),
        (
            "war",
            "earthquake",
            "flood",
            "riot",
            "tsunami",
            "hurricane",
            "arrested",
            "kidnapped",
            "detained",
            "fighting",
            "conflict",
            "unrest",
            "coup",
        ),
    ),
    "律师": (
        ("律师", "法律援助", "打官司", "官司", "纠纷", "法律"),
        ("lawyer", "legal", "lawsuit", "court", "dispute", "sue"),
    ),
    "房子": (("房子", "祖屋", "宅基地", "侨房"), ("house", "ancestral home")),
    "拆迁": (("拆迁", "征收", "拆除"), ("demolition", "demolish", "demolished", "torn down", "tear down")),
    "公证": (
        ("公证", "认证", "海牙认证", "附加证明书", "领事认证"),
        (
            "notary",
            "notarize",
            "notarization",
            "notarise",
            "apostille",
            "apostilled",
            "legalization",
            "legalisation",
            "authentication",
            "authenticate",
        ),
    ),
    "投资": (
        ("投资", "办厂", "开公司", "创业", "办企业", "工厂", "开厂"),
        ("invest", "investment", "investor", "business", "company", "factory", "startup"),
    ),
    "做生意": (("民宿", "做生意", "开店", "开餐馆", "开饭店", "当老板", "开间公司", "生意", "公司"), ("entrepreneur",)),
    "捐款": (("捐款", "捐"), ("donate", "charity")),
    "社保": (
        ("社保", "社会保险", "养老保险", "医保"),
        ("social insurance", "social security", "medical insurance", "health insurance", "insurance"),
    ),
    "养老金": (("养老金",), ("pension",)),
    "生存证明": (("资格认证", "生存证明", "在世证明", "活着"), ("proof of life", "life certificate", "alive")),
    "诈骗": (("诈骗", "骗子", "被骗", "冒充", "骗钱"), ("scam", "fraud", "scammer", "fake", "impersonate")),
    "丢失": (("丢失",), ("lost",)),
    "被盗": (("被盗",), ("stolen",)),
    "过期": (("过期",), ("expire", "expired", "expiry", "expiring")),
    "换发": (
        ("换发", "更新", "换新", "换护照", "换本", "损坏", "破损", "泡烂", "烂了", "页用完", "盖满"),
        ("renew", "renewal", "replace", "replacement", "damaged", "torn", "ruined"),
    ),
    "去世": (("去世",), ("die",)),
    "孩子": (("孩子",), ("child",)),
    "老家": (("老家", "回乡"), ("hometown", "home town", "ancestral village")),
    "离婚": (("离婚",), ("divorce", "divorced")),
    "照顾": (
        ("照顾", "照看", "看护", "养老院", "敬老院", "护工", "上门服务", "空巢"),
        ("care", "look after", "nursing", "caregiver", "elderly"),
    ),
    "汇款": (
        (
            "汇钱",
            "汇款",
            "转账",
            "转钱",
            "换汇",
            "结汇",
            "购汇",
            "汇出",
            "汇到",
            "转去",
            "转到",
            "打钱",
            "寄钱",
            "美金",
            "美元",
        ),
        ("remit", "remittance", "transfer money", "send money", "wire", "foreign exchange", "transfer"),
    ),
    "税": (("税", "报税", "交税", "个税", "所得税", "纳税"), ("tax", "taxes", "taxed")),
    "驾照": (("驾照", "车牌", "驾驶证", "开车", "揸车", "驾驶"), ("driving", "drive", "license", "licence", "driver")),
    "学历": (
        ("学历", "文凭", "硕士", "学位", "毕业证", "博士", "留服"),
        ("degree", "diploma", "master", "phd", "cscse"),
    ),
    "港澳台": (
        ("香港", "澳门", "台湾", "港澳", "台胞", "回乡证", "港澳台"),
        ("taiwanese", "hong kong", "macau", "macao", "taiwan", "hongkonger"),
    ),
    "新生儿": (("宝宝", "新生儿", "刚出生", "婴儿", "出生"), ("baby", "newborn", "born", "infant")),
    "注销": (("注销", "销户"), ("cancel", "cancelled", "canceled", "cancellation", "deregister")),
    # Everyday things the FAQ is not about: a question about them is not about a passport or a visa,
    # however many words it shares with one (the matcher's ``other_topic`` feature).
    "手机": (("手机", "电话卡", "微信号"), ("phone", "iphone", "smartphone", "mobile", "sim")),
    "汽车": (("汽车", "买车", "车子", "私家车", "车被"), ("car", "vehicle")),
    "钱包": (("钱包", "信用卡", "钥匙"), ("wallet", "purse", "credit card", "keys")),
    "电脑": (("电脑", "笔记本电脑", "平板"), ("laptop", "computer", "tablet", "pc")),
    "吃喝": (
        ("餐厅", "饭店", "好吃", "菜谱", "做菜", "奶茶", "美食"),
        ("restaurant", "food", "recipe", "cook", "cooking", "cake", "tea shop", "bubble tea"),
    ),
    "购物": (("网购", "淘宝", "京东", "拼多多", "快递", "客服"), ("shopping", "taobao", "amazon", "ebay", "parcel")),
    "娱乐": (
        ("电影", "电视剧", "综艺", "歌", "游戏", "球赛", "笑话"),
        ("movie", "film", "song", "music", "game", "football", "soccer", "joke", "netflix"),
    ),
    "天气": (("天气", "下雨", "气温", "台风天"), ("weather", "rain", "temperature", "forecast")),
    "住宿": (("酒店", "宾馆", "民宿推荐", "住宿"), ("hotel", "hostel", "airbnb", "accommodation")),
    "交通": (("地铁", "公交", "打车", "滴滴", "出租车", "堵车"), ("taxi", "uber", "subway", "metro", "bus")),
    "股票": (("股票", "基金", "比特币", "炒股"), ("stock", "stocks", "crypto", "bitcoin", "shares")),
    "宠物": (("宠物", "狗", "猫"), ("pet", "pets", "dog", "cat", "puppy", "kitten")),
    "景点": (("景点", "旅游攻略", "门票", "好玩"), ("sightseeing", "attraction", "attractions", "tourist spot")),
    "遗体": (("遗体", "骨灰", "后事", "火化", "殡葬"), ("remains", "ashes", "body", "funeral", "cremation")),
}

_ZH_CANON = {v: k for k, vs in ZH.items() for v in vs}
# One pass, longest variant first at each position (冇咗 before 冇).
_ZH_RE = re.compile("|".join(re.escape(v) for v in sorted(_ZH_CANON, key=lambda v: (-len(v), v))))
EN_CANON = {v: k for k, vs in EN.items() for v in vs}


def canonical_zh(run: str) -> str:
    """Replace Chinese variants (the longest at each position) with their canonical word."""
    return _ZH_RE.sub(lambda m: _ZH_CANON[m.group()], run)


def canonical_en(word: str) -> str:
    return EN_CANON.get(word, word)


# Places and nationalities abroad, and words that put a question in China. A question that names a
# place abroad and nothing Chinese is often about a foreign system (a Japanese passport, Australian
# citizenship, a UK driving test), which the FAQ does not cover: the matcher's ``abroad`` feature.
ABROAD_ZH: tuple[str, ...] = (
    "马来西亚",
    "新加坡",
    "泰国",
    "印尼",
    "印度尼西亚",
    "缅甸",
    "菲律宾",
    "越南",
    "柬埔寨",
    "老挝",
    "澳洲",
    "澳大利亚",
    "新西兰",
    "纽西兰",
    "加拿大",
    "美国",
    "英国",
    "法国",
    "意大利",
    "西班牙",
    "德国",
    "荷兰",
    "比利时",
    "瑞士",
    "瑞典",
    "挪威",
    "丹麦",
    "芬兰",
    "爱尔兰",
    "葡萄牙",
    "希腊",
    "俄罗斯",
    "南非",
    "尼日利亚",
    "肯尼亚",
    "阿联酋",
    "迪拜",
    "沙特",
    "日本",
    "韩国",
    "印度",
    "巴西",
    "阿根廷",
    "秘鲁",
    "墨西哥",
    "智利",
    "纽约",
    "洛杉矶",
    "旧金山",
    "多伦多",
    "温哥华",
    "伦敦",
    "巴黎",
    "悉尼",
    "雪梨",
    "墨尔本",
    "吉隆坡",
    "槟城",
    "曼谷",
    "东京",
    "大阪",
    "首尔",
    "米兰",
    "罗马",
    "马德里",
    "柏林",
    "法兰克福",
    "奥克兰",
    "台湾",
    "香港",
    "澳门",
    "淘宝",
    "外国",
    "国外",
    "海外",
)
ABROAD_EN: frozenset[str] = frozenset(
    """
    malaysia malaysian singapore singaporean thailand thai indonesia indonesian myanmar philippines filipino
    vietnam vietnamese australia australian zealand canada canadian america american usa us uk britain british
    england english france french italy italian spain spanish germany german netherlands dutch belgium swiss
    sweden norway denmark finland ireland irish portugal greece russia russian africa nigeria kenya uae dubai
    saudi japan japanese korea korean india indian brazil argentina peru mexico chile york angeles francisco
    toronto vancouver london paris sydney melbourne lumpur penang bangkok tokyo osaka seoul milan rome madrid
    berlin auckland taiwan taiwanese kong macau macao instagram facebook amazon ebay ups abroad overseas foreign
    """.split()
)
CHINA_ZH: tuple[str, ...] = (
    "中国",
    "国内",
    "大陆",
    "内地",
    "回国",
    "湖南",
    "长沙",
    "株洲",
    "湘",
    "老家",
    "家乡",
    "回乡",
    "祖籍",
    "侨",
    "户口",
    "12308",
    "人民币",
    "华人",
    "华裔",
    "祖国",
)
CHINA_EN: frozenset[str] = frozenset(
    "china chinese hunan changsha zhuzhou mainland prc hometown huaqiao qiaolian qiaojuan guiqiao hukou rmb "
    "renminbi yuan 12308 ancestral".split()
)
