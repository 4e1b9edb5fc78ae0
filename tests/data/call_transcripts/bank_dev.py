"""Development phrase bank: the wording of dev.jsonl (rules may be tuned on this split only).

Flavour: Shanghai calls, dispatchers of the 政企 support centre, customers in offices and
parks, some speaking with Wu spellings (侬, 伐, 晓得, 明朝, 勿).
"""

from __future__ import annotations

import random
import sys
from datetime import date, timedelta

import cn2an
from scenario import When

BANK = sys.modules[__name__]

P_PICKUP = 0.45
PICKUPS = ["喂？", "喂，你好。", "喂，哪位？", "喂喂？", "你好，哪位？"]
NAMES = ["小王", "小李", "张工", "陈晓", "刘敏", "周杰", "小赵", "孙颖"]
COMPANIES = [
    "上海恒信科技有限公司",
    "上海浦江物流有限公司",
    "上海瑞丰贸易有限公司",
    "上海金桥医疗器械有限公司",
    "上海东方明珠数据服务有限公司",
    "上海新华印刷有限公司",
    "上海嘉禾律师事务所",
    "上海宏达建设工程有限公司",
    "上海云帆网络科技有限公司",
    "上海申城教育培训中心",
]
ADDRESSES = [
    ("上海市静安区南京西路1266号恒隆广场32楼", "南京西路1266号恒隆广场32楼"),
    ("上海市浦东新区张江路88号2号楼5楼", "张江路88号2号楼5楼"),
    ("上海市徐汇区漕溪北路398号汇智大厦12层", "漕溪北路398号汇智大厦12层"),
    ("上海市黄浦区中山东一路12号3楼", "中山东一路12号3楼"),
    ("上海市闵行区莘庄工业区春东路500号", "春东路500号"),
    ("上海市杨浦区国定路335号创智坊8号楼", "国定路335号创智坊8号楼"),
    ("上海市长宁区天山路600弄2号", "天山路600弄2号"),
    ("上海市普陀区真北路915号B座7楼", "真北路915号B座7楼"),
    ("上海市宝山区逸仙路2816号华滋奔腾大厦", "逸仙路2816号华滋奔腾大厦"),
    ("上海市嘉定区曹安公路4800号同济科技园", "曹安公路4800号同济科技园"),
]
OTHER_ADDRESSES = ["淮海中路300号", "世纪大道100号环球金融中心", "虹桥路1号", "肇嘉浜路789号"]
OK_SHORT = ["好的。", "嗯，好。", "行。", "知道了。", "哦，好的。"]
ACCEPT = [
    "可以的。",
    "行，没问题。",
    "好的，可以。",
    "嗯，可以可以。",
    "没问题。",
    "可以，那天有人。",
]
ADDRESS_ASK = ["您的安装地址是哪里？", "麻烦您说一下安装地址。", "装在哪个地址呢？"]
NOTED = ["好的，我记一下。", "好的。", "嗯，明白。"]
ADDRESS_YES = ["对的。", "是的，没错。", "对，就是这里。", "嗯，对。", "没错。"]
AFTER_CORRECTION = [
    "好的，那我这边登记一下，地址变更要重新走流程。",
    "哦，那我跟客户经理核实一下。",
]
OFF_TOPIC = [
    ("师傅来要带梯子吗？机房有点高。", "师傅会带工具的，您放心。"),
    ("装好以后网速大概多少？", "按您申请的带宽开通的。"),
    ("要不要我们这边准备什么东西？", "准备好机房钥匙就可以。"),
]
RUDE_EXCHANGES = [
    ("师傅大概几点能到？", "这个我也不知道，到时候看吧。"),
    ("能不能早一点来？", "没办法，就这个时间。"),
    ("上次约好了又没来，怎么回事？", "那不归我管，你找别人去。"),
    ("能不能帮我们再确认一下？", "你自己看着办吧，我这边就这样了。"),
    ("那天要是有事怎么办？", "爱装不装，反正就这个时间。"),
    ("你们怎么老改时间？", "烦不烦，说了多少遍了。"),
]
POLITE_NEAR_MISSES = [
    "不知道您那边还有什么问题吗？",
    "如果您那天没办法安排人，提前跟我们说一声。",
    "不知道贵公司机房是否需要登记？",
    "有不清楚的地方可以随时打10000号。",
]
CUSTOMER_BLUNT = [
    "这个我也不知道，要问我们老板。",
    "没办法，我们那天真的走不开。",
    "我不清楚机房钥匙在谁那里。",
]
INTERJECTIONS = ["喂？", "嗯嗯。", "等一下。", "对对。", "啊？"]

_HOMOPHONES = [
    ("电信", "店信"),
    ("预约", "预越"),
    ("师傅", "师父"),
    ("工号", "公号"),
    ("确认", "确人"),
    ("地址", "地质"),
]
_WU = [
    ("你好", "侬好"),
    ("不要", "勿要"),
    ("知道", "晓得"),
    ("明天", "明朝"),
    ("我们", "阿拉"),
    ("好的", "好额"),
    ("下午", "下半天"),
]


def opening(rng: random.Random, kind: str, name: str, staff: str) -> str:
    greet = rng.choice(["您好，", "您好！", "喂，您好，"])
    company = rng.choice(
        ["这里是中国电信上海政企客户支撑中心，", "我这边是中国电信的，", "这里是中国电信10000号，"]
    )
    me = rng.choice(
        [
            f"我是调度员{name}，工号{staff}。",
            f"我是装维调度{name}。",
            f"我姓{name[1] if name[0] == '小' else name[0]}，工号{staff}。",
        ]
    )
    if kind == "no_greeting":
        return f"喂，{company}{me}"
    if kind == "no_company":
        return f"{greet}{me}"
    if kind == "no_self_id":
        return f"{greet}{company.rstrip('，')}。"
    if kind == "none":
        return "喂，"
    return f"{greet}{company}{me}"


def ask_company(rng: random.Random, company: str) -> str:
    short = company.replace("上海", "", 1).replace("有限公司", "")
    return rng.choice([f"请问是{short}吗？", f"请问是{company}吧？", f"您这边是{short}对吗？"])


def company_yes(rng: random.Random, company: str) -> str:
    return rng.choice(["对，是的。", "是的，什么事？", "对，你说。", "嗯，是我们。"])


def resched_with_reason(rng: random.Random, old: str) -> str:
    reason = rng.choice(
        ["因为师傅前一单还没结束", "由于光箱资源要重新调配", "因为设备还没到货", "因为那天台风预警"]
    )
    return f"您原来约的{old}，{reason}，需要跟您改一下时间。"


def resched_callback(rng: random.Random, old: str) -> str:
    return rng.choice(
        [f"您之前约的{old}，说要改时间是吧？", f"我看您申请了改约，原来是{old}对吗？"]
    )


def customer_reason(rng: random.Random) -> str:
    return rng.choice(
        ["对，那天我临时要出差。", "是的，我们那天公司开会，没人。", "对，那天物业停电检修。"]
    )


def resched_no_reason(rng: random.Random, old: str) -> str:
    return rng.choice([f"您原来约的{old}需要改一下时间。", f"跟您说一下，{old}那个预约要调整。"])


def propose(rng: random.Random, when: str) -> str:
    return rng.choice(
        [
            f"给您预约{when}上门安装可以吗？",
            f"师傅{when}过来，您看方便吗？",
            f"我们安排在{when}，可以吗？",
        ]
    )


def ask_when(rng: random.Random) -> str:
    return rng.choice(
        ["您看哪天方便师傅上门？", "不知道您什么时候方便安装？", "您这边什么时间有人在？"]
    )


def offer(rng: random.Random, when: str) -> str:
    return rng.choice(
        [f"{when}吧。", f"那就{when}。", f"{when}可以，那天有人。", f"嗯……{when}比较好。"]
    )


def confirm(rng: random.Random, when: str) -> str:
    return rng.choice(
        [f"好的，那就给您约{when}。", f"行，{when}师傅上门。", f"好的，{when}，我这边登记了。"]
    )


def reject_counter(rng: random.Random, bad: str, good: str) -> str:
    return rng.choice(
        [
            f"{bad}不行，{good}吧。",
            f"{bad}我不在，{good}可以吗？",
            f"{bad}没空，改{good}吧。",
            f"不行不行，{good}。",
        ]
    )


def restate(rng: random.Random, when: str) -> str:
    return rng.choice([f"好的，那就{when}。", f"那我给您登记{when}。"])


def correct_time(rng: random.Random, when: str) -> str:
    return rng.choice([f"不对，是{when}。", f"不是，刚才说的是{when}呀。"])


def apologise_confirm(rng: random.Random, when: str) -> str:
    return rng.choice([f"不好意思，是{when}，我改过来。", f"哦对，{when}，抱歉。"])


def fully_booked(rng: random.Random, full: str, alt: str) -> str:
    return rng.choice(
        [f"{full}师傅已经排满了，{alt}可以吗？", f"{full}约满了，给您安排{alt}行吗？"]
    )


def address_read(rng: random.Random, spoken: str) -> str:
    return rng.choice(
        [
            f"跟您确认一下安装地址，是{spoken}对吗？",
            f"地址是{spoken}，没错吧？",
            f"安装地址{spoken}，对吧？",
        ]
    )


def customer_address(rng: random.Random, spoken: str) -> str:
    return rng.choice([f"{spoken}。", f"在{spoken}。", f"我们在{spoken}那边。"])


def address_correction(rng: random.Random, other: str) -> str:
    return rng.choice([f"不对，我们已经搬到{other}了。", f"不是这个，是{other}。"])


def closing(rng: random.Random, kind: str) -> list[tuple[str, str]]:
    if kind == "ok":
        end = rng.choice(
            ["感谢您的接听，再见。", "好的，那就不打扰您了，再见。", "谢谢您，祝您工作顺利，再见！"]
        )
        return [
            ("dispatcher", end),
            ("customer", rng.choice(["好，再见。", "拜拜。", "嗯，谢谢。"])),
        ]
    if kind == "abrupt":
        return [("dispatcher", rng.choice(["行，那就这样。", "好，就这样吧。"]))]
    if kind == "customer_only":
        return [("customer", "好的，谢谢，再见。"), ("dispatcher", "嗯。")]
    return [
        ("dispatcher", "好的，谢谢您确认。"),
        ("customer", "嗯。"),
        ("dispatcher", "行，那先这样。"),
    ]


def dialect(rng: random.Random, text: str) -> str:
    for mandarin, wu in _WU:
        if rng.random() < 0.8:
            text = text.replace(mandarin, wu)
    if text.endswith("吗？") and rng.random() < 0.7:
        text = text[:-2] + "伐？"
    return text


def asr(rng: random.Random, text: str) -> str:
    for right, wrong in _HOMOPHONES:
        if rng.random() < 0.5:
            text = text.replace(right, wrong)
    if rng.random() < 0.4:
        text = text.replace("，", " ").replace("。", " ").strip()
    return text


def _cn(number: int) -> str:
    return "两" if number == 2 else str(cn2an.an2cn(number))


def _hour(hour: int, minute: int, rng: random.Random, with_period: bool) -> str:
    period = "上午" if hour < 12 else "下午"
    spoken = hour if hour <= 12 else hour - 12
    style = rng.choice(["cn", "cn", "digit", "clock"])
    if style == "clock":
        return f"{hour}:{minute:02d}"
    number = _cn(spoken) if style == "cn" else str(spoken)
    tail = "半" if minute == 30 else ""
    return f"{period if with_period else ''}{number}点{tail}"


def _day(day: date, today: date, rng: random.Random) -> str:
    ahead = (day - today).days
    names = {0: "今天", 1: "明天", 2: "后天", 3: "大后天"}
    forms = [names[ahead]] * 3 if ahead in names else []
    weekday = "一二三四五六日"[day.weekday()]
    monday = today - timedelta(days=today.weekday())
    if 1 <= ahead <= 6:
        forms.append(rng.choice(["周", "星期"]) + weekday)
    if monday + timedelta(days=7) <= day < monday + timedelta(days=14):
        forms.append("下周" + weekday)
    spoken = f"{cn2an.an2cn(day.month)}月{cn2an.an2cn(day.day)}号"
    forms += [f"{day.month}月{day.day}日", f"{day.month}月{day.day}号", spoken]
    return rng.choice(forms)


def render(w: When, today: date, rng: random.Random, context_day: date | None) -> str:
    """The window as the dev speakers say it."""
    omit_day = w.kind != "day" and context_day == w.day and rng.random() < 0.4
    day = "" if omit_day else _day(w.day, today, rng)
    if w.kind == "day":
        return day
    if w.kind == "period":
        return f"{day}{w.period}"
    assert w.start is not None
    with_period = rng.random() < 0.6
    first = _hour(w.start.hour, w.start.minute, rng, with_period)
    if w.kind == "point":
        return f"{day}{first}"
    assert w.end is not None
    second = _hour(w.end.hour, w.end.minute, rng, False)
    if ":" in first:
        second = f"{w.end.hour}:00"
    return f"{day}{first}{rng.choice(['到', '到', '-'])}{second}"
