"""Seed data for the inventory stand-in: cables and optical boxes around Shanghai addresses.

`shanghai_seed()` is the demo's data (deterministic per seed): 10 districts, 24 cables of 48
fibers and 30 boxes of 12 ports each, some fibers and ports already in use or faulty. Tests
build small `SeedData` of their own with exactly the resources they need.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from hub.domain.resources import ResourceState

# (code, district, centre lat, centre lon, streets)
DISTRICTS: tuple[tuple[str, str, float, float, tuple[str, ...]], ...] = (
    (
        "HP",
        "黄浦区",
        31.2317,
        121.4846,
        ("南京东路", "淮海中路", "西藏中路", "河南南路", "复兴东路"),
    ),
    ("XH", "徐汇区", 31.1885, 121.4365, ("漕溪北路", "肇嘉浜路", "虹桥路", "天钥桥路", "宜山路")),
    ("JA", "静安区", 31.2290, 121.4480, ("南京西路", "延安中路", "江宁路", "愚园路", "共和新路")),
    ("CN", "长宁区", 31.2204, 121.4241, ("长宁路", "天山路", "仙霞路", "遵义路", "延安西路")),
    ("PT", "普陀区", 31.2494, 121.3976, ("长寿路", "武宁路", "真北路", "中山北路", "曹杨路")),
    ("HK", "虹口区", 31.2646, 121.5052, ("四川北路", "曲阳路", "大连西路", "西江湾路", "海宁路")),
    ("YP", "杨浦区", 31.2595, 121.5259, ("四平路", "国定路", "控江路", "黄兴路", "政通路")),
    (
        "PD",
        "浦东新区",
        31.2215,
        121.5447,
        ("世纪大道", "张江路", "陆家嘴环路", "浦东南路", "碧波路"),
    ),
    ("MH", "闵行区", 31.1129, 121.3816, ("莘庄路", "七莘路", "沪闵路", "吴中路", "虹梅路")),
    ("BS", "宝山区", 31.4045, 121.4893, ("牡丹江路", "友谊路", "淞滨路", "蕰川路", "同济路")),
)
SPREAD_DEG = 0.03


@dataclass(frozen=True, slots=True)
class CableSeed:
    """A cable with `fiber_count` fibers numbered 1..n; listed numbers start faulty or in use."""

    cable_id: str
    name: str
    route: str
    fiber_count: int
    faulty: frozenset[int] = frozenset()
    in_use: dict[int, str] = field(default_factory=dict)  # fiber_no → holder (not hub orders)

    def fiber_id(self, fiber_no: int) -> str:
        return f"{self.cable_id}-F{fiber_no:03d}"


@dataclass(frozen=True, slots=True)
class BoxSeed:
    """An optical box with ports 1..n near a position, fed by `cable_id`."""

    box_id: str
    name: str
    address: str
    lat: float
    lon: float
    cable_id: str
    port_count: int
    faulty: frozenset[int] = frozenset()
    in_use: dict[int, str] = field(default_factory=dict)  # port → holder


@dataclass(frozen=True, slots=True)
class AssignmentSeed:
    """An order's resources at the start: its fiber and port are in use by it."""

    order_id: str
    cable_id: str
    fiber_no: int
    box_id: str
    port: int


@dataclass
class SeedData:
    """Everything the stand-in starts with."""

    cables: list[CableSeed] = field(default_factory=list)
    boxes: list[BoxSeed] = field(default_factory=list)
    assignments: list[AssignmentSeed] = field(default_factory=list)

    def fiber_rows(self) -> list[dict[str, object]]:
        held = {(a.cable_id, a.fiber_no): a.order_id for a in self.assignments}
        rows: list[dict[str, object]] = []
        for cable in self.cables:
            for no in range(1, cable.fiber_count + 1):
                holder = held.get((cable.cable_id, no)) or cable.in_use.get(no)
                state = _state(no in cable.faulty, holder)
                rows.append(
                    {
                        "fiber_id": cable.fiber_id(no),
                        "cable_id": cable.cable_id,
                        "fiber_no": no,
                        "state": state.value,
                        "order_id": holder,
                    }
                )
        return rows

    def port_rows(self) -> list[dict[str, object]]:
        held = {(a.box_id, a.port): a.order_id for a in self.assignments}
        rows: list[dict[str, object]] = []
        for box in self.boxes:
            for port in range(1, box.port_count + 1):
                holder = held.get((box.box_id, port)) or box.in_use.get(port)
                state = _state(port in box.faulty, holder)
                rows.append(
                    {"box_id": box.box_id, "port": port, "state": state.value, "order_id": holder}
                )
        return rows


def _state(faulty: bool, holder: str | None) -> ResourceState:
    if holder is not None:
        return ResourceState.IN_USE
    return ResourceState.FAULTY if faulty else ResourceState.FREE


def shanghai_seed(
    seed: int = 2026,
    *,
    cables_per_district: int = 24,
    boxes_per_district: int = 30,
    fibers: int = 48,
    ports: int = 12,
) -> SeedData:
    """The demo inventory: a few hundred cables and boxes in ten Shanghai districts."""
    rng = random.Random(seed)
    data = SeedData()
    for code, district, lat, lon, streets in DISTRICTS:
        cable_ids = []
        for n in range(1, cables_per_district + 1):
            street = streets[(n - 1) % len(streets)]
            cable_id = f"SH-{code}-C{n:03d}"
            cable_ids.append(cable_id)
            faulty, in_use = _occupied(rng, fibers, f"{cable_id}-F", fault_rate=0.06)
            data.cables.append(
                CableSeed(
                    cable_id=cable_id,
                    name=f"{street}{fibers}芯光缆 #{n}",
                    route=f"上海市{district}{street}{_span(rng)}",
                    fiber_count=fibers,
                    faulty=faulty,
                    in_use=in_use,
                )
            )
        for n in range(1, boxes_per_district + 1):
            street = rng.choice(streets)
            number = rng.randint(1, 999)
            box_id = f"SH-{code}-B{n:03d}"
            faulty, in_use = _occupied(rng, ports, f"{box_id}-P", fault_rate=0.05)
            data.boxes.append(
                BoxSeed(
                    box_id=box_id,
                    name=f"{street}{number}号分纤箱",
                    address=f"上海市{district}{street}{number}号 弱电间",
                    lat=round(lat + rng.uniform(-SPREAD_DEG, SPREAD_DEG), 6),
                    lon=round(lon + rng.uniform(-SPREAD_DEG, SPREAD_DEG), 6),
                    cable_id=cable_ids[(n - 1) % len(cable_ids)],
                    port_count=ports,
                    faulty=faulty,
                    in_use=in_use,
                )
            )
    return data


def _span(rng: random.Random) -> str:
    return f"{rng.randint(1, 300)}号—{rng.randint(301, 900)}号"


def _occupied(
    rng: random.Random, count: int, holder_prefix: str, *, fault_rate: float
) -> tuple[frozenset[int], dict[int, str]]:
    """Some numbers start faulty, about a third in use by existing lines (not hub orders)."""
    faulty = frozenset(n for n in range(1, count + 1) if rng.random() < fault_rate)
    in_use = {
        n: f"EXISTING-{holder_prefix}{n:03d}"
        for n in range(1, count + 1)
        if n not in faulty and rng.random() < 0.3
    }
    return faulty, in_use
