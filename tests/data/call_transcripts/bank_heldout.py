"""Held-out phrase bank: the wording of heldout.jsonl. No rule may be tuned on this split.

Written apart from bank_dev with other companies, addresses, dispatcher scripts, customer
habits (northern colloquial 成/得嘞/够呛/明儿, Wu 今朝/后日/下昼/覅/弗), other ASR slips and other
rude replies, some of them outside the checker's documented phrase list.
"""

from __future__ import annotations

import random
import sys
from datetime import date, timedelta

import cn2an
from scenario import When

BANK = sys.modules[__name__]

P_PICKUP = 0.55
PICKUPS = ["喂？哪位？", "喂，您好。", "喂——", "嗯，你好，哪里？", "喂，说。"]
NAMES = ["吴婷", "郑浩", "小黄", "何静", "钱工", "马丽", "林峰"]
COMPANIES = [
    "上海汇通供应链管理有限公司",
    "上海博雅文化传播有限公司",
    "上海鼎盛资产管理有限公司",
    "上海绿源环保科技股份有限公司",
    "上海天朗建筑设计院",
    "上海星辰电子商务有限公司",
    "上海华康医药连锁有限公司",
    "上海锦程国际旅行社有限公司",
    "上海万象会展服务有限公司",
]
ADDRESSES = [
    ("上海市虹口区四川北路1666号凯德龙之梦B座18楼", "四川北路1666号龙之梦B座18楼"),
    ("上海市松江区新松江路1800弄3号", "新松江路1800弄3号"),
    ("上海市青浦区华徐公路888号西虹桥商务区6号楼", "华徐公路888号6号楼"),
    ("上海市浦东新区陆家嘴环路958号华能联合大厦21层", "陆家嘴环路958号华能联合大厦21层"),
    ("上海市静安区江场三路288号", "江场三路288号"),
    ("上海市奉贤区南桥镇百齐路288号", "百齐路288号"),
    ("上海市金山区龙胜路1号科创中心", "龙胜路1号科创中心"),
    ("上海市浦东新区外高桥基隆路6号", "基隆路6号外高桥"),
    ("上海市徐汇区宜山路700号普天信息产业园C1栋", "宜山路700号普天信息产业园C1栋"),
]
OTHER_ADDRESSES = ["延安西路2299号", "武宁路19号", "张杨路500号时代广场", "吴中路1050号"]
OK_SHORT = ["成。", "得嘞。", "哦哦，晓得了。", "嗯嗯。", "好吧。"]
ACCEPT = [
    "成，就这么定了。",
    "得嘞，没毛病。",
    "可以呀。",
    "好好好。",
    "那就这么着吧。",
    "嗯，那天我在。",
]
ADDRESS_ASK = ["装机地址麻烦报一下？", "师傅上门去哪个地方？", "您那边具体地址是？"]
NOTED = ["好嘞，记下了。", "明白。", "收到。"]
ADDRESS_YES = ["对头。", "是这个。", "没问题，就是那儿。", "嗯嗯，是的。", "正确。"]
AFTER_CORRECTION = ["这样啊，那得让客户经理改一下单子。", "好，我反馈一下，改完再联系您。"]
OFF_TOPIC = [
    ("对了，师傅进园区要登记身份证的。", "好的，我提醒师傅带证件。"),
    ("这个专线装好以后发票怎么开？", "发票这块客户经理会跟您对接。"),
    ("我们前台中午没人，可以吗？", "那师傅到了打您电话。"),
]
RUDE_EXCHANGES = [
    ("师傅到底几点来啊？", "我哪知道，反正那天会来。"),
    ("能不能换成周末？", "周末没办法，爱装不装。"),
    ("你们上回怎么没人来？", "这个我管不了，你打别的电话问。"),
    ("能提前打个电话吗？", "你自己看着办吧。"),
    ("这个时间太晚了，能不能早点？", "急也没用，等着吧。"),
    ("我要投诉你们拖了这么久。", "你去投诉吧，投诉也没用。"),
    ("可以再确认一遍时间吗？", "跟你说过了，听不懂吗？"),
]
POLITE_NEAR_MISSES = [
    "不知道您这边还有别的需求吗？",
    "您要是没办法请假，可以让同事帮忙接待一下。",
    "不清楚的话可以问您的客户经理。",
    "我们这边想办法给您协调最早的时间。",
    "不知道是不是信号不好，您听得清吗？",
]
CUSTOMER_BLUNT = [
    "我哪知道机房谁管，你们自己看着办。",
    "烦死了，改来改去的。",
    "不清楚，回头问问行政。",
]
INTERJECTIONS = ["喂喂？", "嗯？", "你说。", "稍等啊。", "哦。"]

_HOMOPHONES = [
    ("政企", "正企"),
    ("安装", "按装"),
    ("再见", "在见"),
    ("方便", "放便"),
    ("地址", "地止"),
    ("师傅", "是否"),
]
_WU = [
    ("今天", "今朝"),
    ("后天", "后日"),
    ("下午", "下昼"),
    ("上午", "上昼"),
    ("不要", "覅"),
    ("不", "弗"),
    ("我们", "阿拉"),
    ("吗", "伐"),
]


def opening(rng: random.Random, kind: str, name: str, staff: str) -> str:
    hello = rng.choice(["您好，", "你好，", "您好您好，"])
    who = rng.choice(["中国电信政企服务，", "这边是电信10000号政企调度，", "中国电信上海公司，"])
    me = rng.choice(
        [f"我是预约专员{name}，工号{staff}。", f"我叫{name}。", f"工号{staff}，我是{name}。"]
    )
    if kind == "no_greeting":
        return f"{who}{me}"
    if kind == "no_company":
        return f"{hello}{me}"
    if kind == "no_self_id":
        return f"{hello}{who.rstrip('，')}。"
    if kind == "none":
        return rng.choice(["哎，", "嗯，那个，"])
    return f"{hello}{who}{me}"


def ask_company(rng: random.Random, company: str) -> str:
    short = company.replace("上海", "", 1).replace("股份有限公司", "").replace("有限公司", "")
    return rng.choice(
        [f"是{short}的负责人吗？", f"{short}对吧？", f"请问{short}的专线是您这边对接吗？"]
    )


def company_yes(rng: random.Random, company: str) -> str:
    short = company.replace("上海", "", 1).replace("有限公司", "")
    return rng.choice(["是我，你讲。", f"对，我们是{short}。", "嗯，是的。", "对对，有什么事？"])


def resched_with_reason(rng: random.Random, old: str) -> str:
    reason = rng.choice(
        [
            "那片区域光缆在抢修",
            "师傅那天被临时调去保障重要客户",
            "您那栋楼的机房钥匙物业说那天拿不到",
            "上一家客户的施工拖延了",
        ]
    )
    return f"{old}那个上门，{reason}，得挪一下时间。"


def resched_callback(rng: random.Random, old: str) -> str:
    return rng.choice([f"您这边提了改约，{old}不行是吗？", f"看到您要求把{old}的安装往后推？"])


def customer_reason(rng: random.Random) -> str:
    return rng.choice(
        [
            "是，我们那天整个部门去团建。",
            "对，老板说那天有领导来检查。",
            "嗯，那天办公室装修，进不去。",
        ]
    )


def resched_no_reason(rng: random.Random, old: str) -> str:
    return rng.choice([f"{old}的上门取消了，给您换个时间。", f"通知您一下，{old}那个得往后挪。"])


def propose(rng: random.Random, when: str) -> str:
    return rng.choice(
        [f"{when}给您装，成吗？", f"您看{when}行不行？", f"系统里可以排{when}，您那边有人吗？"]
    )


def ask_when(rng: random.Random) -> str:
    return rng.choice(["您哪天有空？", "师傅这周都能排，您挑个时间？", "您那边一般什么时候有人？"])


def offer(rng: random.Random, when: str) -> str:
    return rng.choice(
        [f"要不{when}？", f"{when}我们都在。", f"就{when}吧，别的时间开会。", f"我看看啊……{when}。"]
    )


def confirm(rng: random.Random, when: str) -> str:
    return rng.choice(
        [f"得嘞，{when}。", f"没问题，那就定{when}了。", f"好，{when}，师傅到了给您电话。"]
    )


def reject_counter(rng: random.Random, bad: str, good: str) -> str:
    return rng.choice(
        [
            f"{bad}够呛，{good}行不？",
            f"哎呀{bad}我们没人，{good}吧。",
            f"{bad}不赶趟，{good}呢？",
            f"那会儿不太方便，换{good}。",
        ]
    )


def restate(rng: random.Random, when: str) -> str:
    return rng.choice([f"那我这边就填{when}了啊。", f"行，系统里给您约了{when}。"])


def correct_time(rng: random.Random, when: str) -> str:
    return rng.choice([f"哎，错了错了，{when}。", f"不是吧，我们说的{when}。"])


def apologise_confirm(rng: random.Random, when: str) -> str:
    return rng.choice([f"对对对，{when}，刚才口误。", f"抱歉，改成{when}了。"])


def fully_booked(rng: random.Random, full: str, alt: str) -> str:
    return rng.choice([f"{full}那边排不进去了，{alt}呢？", f"{full}已经没名额了，{alt}您看？"])


def address_read(rng: random.Random, spoken: str) -> str:
    return rng.choice(
        [f"装机地址是{spoken}吧？", f"师傅去{spoken}，对吧？", f"核对下地址，{spoken}，是吗？"]
    )


def customer_address(rng: random.Random, spoken: str) -> str:
    return rng.choice([f"{spoken}，到了打电话。", f"就{spoken}。"])


def address_correction(rng: random.Random, other: str) -> str:
    return rng.choice([f"那是老地址了，现在在{other}。", f"错了，我们换到{other}办公了。"])


def closing(rng: random.Random, kind: str) -> list[tuple[str, str]]:
    if kind == "ok":
        end = rng.choice(
            [
                "感谢接听，祝您生活愉快。",
                "那先这样，有问题您打10000，再见。",
                "好嘞，多谢配合，拜拜。",
            ]
        )
        return [("dispatcher", end), ("customer", rng.choice(["好嘞。", "再见再见。", "嗯，拜。"]))]
    if kind == "abrupt":
        return [("dispatcher", rng.choice(["那就这么定了。", "行，挂了啊。"]))]
    if kind == "customer_only":
        return [("customer", "行，谢了，拜拜。"), ("dispatcher", "哎。")]
    return [
        ("dispatcher", "谢谢您配合啊。"),
        ("customer", "没事。"),
        ("dispatcher", "嗯，那就这样。"),
    ]


def dialect(rng: random.Random, text: str) -> str:
    for mandarin, wu in _WU:
        if rng.random() < 0.6:
            text = text.replace(mandarin, wu)
    return text


def asr(rng: random.Random, text: str) -> str:
    for right, wrong in _HOMOPHONES:
        if rng.random() < 0.5:
            text = text.replace(right, wrong)
    if rng.random() < 0.5:
        text = "".join(ch for ch in text if ch not in "，。？！")
    return text


def _hour(hour: int, minute: int, rng: random.Random, with_period: bool) -> str:
    spoken = hour if hour <= 12 else hour - 12
    period = "早上" if hour < 10 and rng.random() < 0.5 else "上午" if hour < 12 else "下午"
    style = rng.choice(["cn", "digit", "digit", "clock24"])
    if style == "clock24":
        return f"{hour}点" + ("半" if minute == 30 else "")
    number = ("两" if spoken == 2 else cn2an.an2cn(spoken)) if style == "cn" else str(spoken)
    tail = rng.choice(["半", "30"]) if minute == 30 else rng.choice(["", "", "钟"])
    return f"{period if with_period else ''}{number}点{tail}"


def _day(day: date, today: date, rng: random.Random) -> str:
    ahead = (day - today).days
    names = {0: ["今天", "今儿"], 1: ["明天", "明儿"], 2: ["后天"], 3: ["大后天"]}
    forms = list(names.get(ahead, []))
    weekday = "一二三四五六天"[day.weekday()]
    monday = today - timedelta(days=today.weekday())
    if day < monday + timedelta(days=7) and ahead >= 1:
        forms.append(rng.choice(["这礼拜", "礼拜", "这周", "本周"]) + weekday)
    elif day < monday + timedelta(days=14):
        forms.append(rng.choice(["下礼拜", "下周", "下个星期"]) + weekday)
    forms += [f"{day.month}月{day.day}号", f"{cn2an.an2cn(day.day)}号"]
    return rng.choice(forms)


def render(w: When, today: date, rng: random.Random, context_day: date | None) -> str:
    """The window as the held-out speakers say it."""
    omit_day = w.kind != "day" and context_day == w.day and rng.random() < 0.5
    day = "" if omit_day else _day(w.day, today, rng)
    if w.kind == "day":
        return day + rng.choice(["", "一整天", "全天"])
    if w.kind == "period":
        return f"{day}{w.period}"
    assert w.start is not None
    first = _hour(w.start.hour, w.start.minute, rng, rng.random() < 0.5)
    if w.kind == "point":
        return f"{day}{first}{rng.choice(['', '', '左右', '前后'])}"
    assert w.end is not None
    second = _hour(w.end.hour, w.end.minute, rng, False)
    return f"{day}{first}{rng.choice(['到', '至', '到', '~'])}{second}{rng.choice(['', '之间'])}"
