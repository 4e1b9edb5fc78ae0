"""The phrase lists the rules match against, in one place so they can be read and reviewed.

Text is matched after normalisation (NFKC, lower case, the DIALECT spellings below mapped to
Mandarin), so the lists are written in Mandarin only.
"""

from __future__ import annotations

# Wu (Shanghai) and other dialect or colloquial spellings → Mandarin, applied before any rule.
DIALECT: dict[str, str] = {
    "侬": "你",
    "阿拉": "我们",
    "勿": "不",
    "弗": "不",
    "覅": "不要",
    "伐": "吗",
    "晓得": "知道",
    "好额": "好的",
    "对额": "对的",
    "是额": "是的",
    "今朝": "今天",
    "明朝": "明天",
    "后日": "后天",
    "上半天": "上午",
    "上半日": "上午",
    "上昼": "上午",
    "下半天": "下午",
    "下半日": "下午",
    "下昼": "下午",
    "啥辰光": "什么时候",
    "再会": "再见",
    "呒没": "没有",
    "嘸没": "没有",
    "没得": "没有",
    "莫得": "没有",
    "木有": "没有",
    "要得": "可以",
}

# opening: a greeting, the company (BookingFacts.greeting_words) and who is calling.
GREETINGS: tuple[str, ...] = ("您好", "你好", "早上好", "上午好", "下午好", "喂好")
# A person, not only the company: 我这边是中国电信的 names no one.
SELF_IDENTIFICATION = (
    r"工号|员工号|编号|我姓|我叫|(我|我这边|我这里)是(?!中国电信|电信)|"
    r"(调度员?|专员|客服|工程师)[\u4e00-\u9fff]{1,3}"
)

# closing: thanks or goodbye among the dispatcher's last sentences.
CLOSINGS: tuple[str, ...] = (
    "谢谢",
    "感谢",
    "多谢",
    "再见",
    "拜拜",
    "bye",
    "祝您",
    "不打扰",
    "辛苦了",
    "随时联系",
)

# no_forbidden_phrases: rude, dismissive or off-script phrases of the dispatcher. Each entry is a
# regular expression; EXEMPT lists the polite uses that contain the same words.
FORBIDDEN: tuple[str, ...] = (
    r"不知道",
    r"不清楚",
    r"看着办",
    r"没办法",
    r"爱装不装|爱约不约|爱要不要|不装拉倒|拉倒",
    r"不归我管|不关我的?事|跟我没关系|与我无关|不搭界",
    r"别问我|问别人去|找别人去|你找别人",
    r"随便你|随你便|爱咋咋地|爱怎么样怎么样",
    r"烦不烦|烦死了|有完没完",
    r"听不懂|说了多少遍|跟你说过了|讲过多少遍",
    r"你怎么回事|神经病|有病吧|脑子进水|脑子瓦特|滚|册那|戆大",
    r"投诉也没用|你去投诉|随便投诉|去投诉啊",
    r"急什么|催什么|催也没用|等着吧",
    r"加我微信|加个微信|私下|红包|好处费|辛苦费",
)
# A match is forgiven when one of these matches the text around it (the polite lead-in
# 不知道您…, or the customer's inability: 如果您那边没办法…).
EXEMPT: tuple[str, ...] = (
    r"不知道(您|你们?是否|贵|是否|方不方便|您看)",
    r"(您|如果|要是|万一)[^。！？]{0,6}(没办法|不清楚)",
    r"不清楚的(地方|话)",
)

# Replies: how the other party takes a proposal.
ACCEPT = r"^(嗯+|好的?|行|可以|没问题|ok|对|是的|成|中|得|就这样|就这么|方便|都行|妥|那就)"
REJECT = (
    r"不行|不可以|不方便|没空|没有空|没时间|不在|来不了|不太行|有事|有会|开会|出差|没人|"
    r"够呛|排满|约满|不合适|不太好|不是|不对|错了|换个|改一下|没法"
)
# Words next to a time mention that make it something other than the agreed window.
TIME_NEGATED_BEFORE = r"(不是|除了|不要|别|不能|原来|原定|之前约|本来|原先|以前约)[^，,。]{0,8}$"
TIME_NOT_BOOKING = r"短信|通知|回电|再打|联系您|打电话|给您打|提前联系"

# address_confirmed.
ADDRESS_WORDS = r"地址|装在|安装在|地点|位置"
CONFIRM = r"^(嗯+|对|是的|是|没错|对的|没问题|正确|就是|是这个|好的|可以|ok)"
# Asking (地址是…对吧？) needs the other party's yes, whoever asks.
QUESTION = r"[？?]|对吧|对吗|是吗|吗$|吧$|没错吧|是不是"
CORRECTION = r"不对|不是|错了|搬了|搬到|换了|改了|已经不在|另外|新地址"

# reschedule_reason.
RESCHEDULE = (
    r"改约|改到|改成|改在|改期|改(一下|个)?时间|换(一下|个)?时间|调整|换到|推迟|延后|往后|挪|"
    r"重新约|重新预约|取消"
)
# A cause said in so many words counts anywhere in the call; other cues only in the exchange
# where the change is announced (that sentence and the next few).
CAUSAL = r"因为|由于|原因是|是这样"
REASON_WINDOW = 4
REASONS = (
    r"因为|由于|原因|所以|临时|有事|出差|开会|有会|请假|生病|不舒服|住院|下雨|暴雨|台风|天气|"
    r"停电|断电|物业|门禁|设备|资源|光箱|光纤|线路|机房|前一单|上一单|堵车|交通|来不及|赶不上|"
    r"装修|搬家|放假|节假日|突发|紧急|故障|抢修|不在公司|走不开|冲突|到货|没到"
)
