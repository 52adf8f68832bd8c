"""Seed data: Lạng Sơn's border gates with China, their lanes and hourly capacities.

Capacities follow the published daily figures: Hữu Nghị's freight route (markers 1119–1120)
handles about 800 vehicles a day, Tân Thanh (route 1088/2–1089, the main fruit gate) about 400;
Cốc Nam and Chi Ma are smaller. Administrators change them through the API.

Names in Chinese (``name_zh``): the Vietnamese gate's name as Chinese writes it, which is its
Sino-Vietnamese reading (Hữu Nghị 友谊, Tân Thanh 新清, Cốc Nam 谷南, Chi Ma 峙马: how Chinese
customs notices and the press name the Vietnamese side), followed by the Chinese gate opposite
(友谊关 Youyiguan, 浦寨 Puzhai, 弄尧 Longyao, 爱店 Aidian), by which a driver from the other
side knows the crossing. The counterpart alone would name the wrong gate: the queue, the
board and the officers are the Vietnamese side's; a transliteration alone (新清) is a name
many drivers never used. The pair says both.

Coordinates are approximate WGS 84 degrees of each gate's control yard, to about a kilometre
(two decimals), read off public maps: enough for the driver's page's arrival estimates and a
waiting yard's distance, not for surveying. A gate seeded before they were known gets them on
the next start.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from gate.domain.slots import Direction
from gate.gates.service import NewGate, add_lane, create_gate
from gate.store.tables import Gate
from gate.store.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class SeedGate:
    gate: NewGate
    export_lanes: int
    import_lanes: int


LANG_SON_GATES = [
    SeedGate(
        NewGate(
            code="huu-nghi",
            name="Cửa khẩu quốc tế Hữu Nghị",
            name_en="Huu Nghi International Border Gate",
            name_zh="友谊国际口岸（友谊关）",
            counterpart="Hữu Nghị Quan (友谊关), Guangxi, China",
            province="Lạng Sơn",
            kind="international",
            export_capacity=30,
            import_capacity=22,
            opens_at=6,
            closes_at=22,
            latitude=21.97,
            longitude=106.7,
        ),
        export_lanes=3,
        import_lanes=2,
    ),
    SeedGate(
        NewGate(
            code="tan-thanh",
            name="Cửa khẩu Tân Thanh",
            name_en="Tan Thanh Border Gate",
            name_zh="新清口岸（浦寨）",
            counterpart="Pò Chài (浦寨), Guangxi, China",
            province="Lạng Sơn",
            kind="main",
            export_capacity=15,
            import_capacity=10,
            opens_at=6,
            closes_at=22,
            latitude=21.95,
            longitude=106.58,
        ),
        export_lanes=2,
        import_lanes=1,
    ),
    SeedGate(
        NewGate(
            code="coc-nam",
            name="Cửa khẩu Cốc Nam",
            name_en="Coc Nam Border Gate",
            name_zh="谷南口岸（弄尧）",
            counterpart="Lũng Nghìu (弄尧), Guangxi, China",
            province="Lạng Sơn",
            kind="main",
            export_capacity=8,
            import_capacity=6,
            opens_at=7,
            closes_at=19,
            latitude=21.91,
            longitude=106.63,
        ),
        export_lanes=1,
        import_lanes=1,
    ),
    SeedGate(
        NewGate(
            code="chi-ma",
            name="Cửa khẩu Chi Ma",
            name_en="Chi Ma Border Gate",
            name_zh="峙马口岸（爱店）",
            counterpart="Ái Điểm (爱店), Guangxi, China",
            province="Lạng Sơn",
            kind="main",
            export_capacity=8,
            import_capacity=6,
            opens_at=7,
            closes_at=19,
            latitude=21.77,
            longitude=107.02,
        ),
        export_lanes=1,
        import_lanes=1,
    ),
]


async def seed_lang_son(
    uow: UnitOfWork, done: Callable[[str, bool], None] | None = None
) -> list[str]:
    """Create the gates that are missing; returns the codes created. Safe to run every start.
    ``done`` hears of each gate in turn: its code, and whether it was created (``gate db
    seed``'s progress)."""
    created = []
    for seed in LANG_SON_GATES:
        existing = await uow.session.scalar(select(Gate).where(Gate.code == seed.gate.code))
        if existing is not None:
            if existing.latitude is None and existing.longitude is None:
                existing.latitude, existing.longitude = seed.gate.latitude, seed.gate.longitude
                await uow.session.flush()
            if done is not None:
                done(seed.gate.code, False)
            continue
        await create_gate(uow, seed.gate)
        for direction, count, prefix in (
            (Direction.EXPORT, seed.export_lanes, "X"),
            (Direction.IMPORT, seed.import_lanes, "N"),
        ):
            for number in range(1, count + 1):
                await add_lane(uow, seed.gate.code, f"{prefix}{number}", direction)
        created.append(seed.gate.code)
        if done is not None:
            done(seed.gate.code, True)
    return created
