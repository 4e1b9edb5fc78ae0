"""The delivery report: its content, fonts, versions, signed copy, and what it refuses to do."""

from __future__ import annotations

import asyncio
import io
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from sqlalchemy import update

from hub.bootstrap import Hub
from hub.db.tables import reports
from hub.errors import StaleReport, TamperedReport
from hub.reports import AuditEvent, InvalidSignature, fonts, verify
from hub.reports.model import ReportVersion
from hub.reports.stamp import signature_layout
from schemas.v1 import CreateWorkOrder
from tests import delivery_factories as df
from tests import factories
from tests.delivery_support import (
    checked_in,
    page_count,
    pdf_fonts,
    pdf_text,
    quiet_hub,
    record_passing_tests,
)

pytestmark = pytest.mark.integration

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
async def hub(tmp_path: Path):  # type: ignore[no-untyped-def]
    async with quiet_hub(tmp_path) as the_hub:
        yield the_hub


async def _ready(hub: Hub, order_id: str, order: CreateWorkOrder | None = None) -> None:
    order = order or factories.create_order(order_id)
    await checked_in(hub, order_id, order)
    await record_passing_tests(hub, order_id, order.bandwidth_mbps)


async def test_the_report_shows_the_orders_data_and_test_results(hub: Hub) -> None:
    await _ready(hub, "WO-REP-1")
    report = await hub.reports.render_if_changed("WO-REP-1")
    text = pdf_text(report.path.read_bytes())
    order = factories.create_order("WO-REP-1")
    for expected in (
        "政企专线交付验收报告",
        "WO-REP-1",
        order.customer_name,
        order.product,
        f"{order.bandwidth_mbps} Mbps",
        order.install_address.text,
        "王强（T001）",
        "0 m",
        "114.114.114.114",
        "100/100",
        "合格",
        "待签字",
    ):
        assert expected in text, expected
    assert report.version == 1
    assert verify(report.path.read_bytes(), report.sha256)


async def test_chinese_is_set_in_the_reports_own_cut_of_noto_and_nothing_else(hub: Hub) -> None:
    """`make setup` cuts the faces (hub.reports.fonts); every character of a usual report is in
    them, so the whole Noto face (about 20 ms and 100 KB more per face) is never embedded; their
    glyph order keeps what a report embeds of them small."""
    assert fonts.built(), f"report fonts missing in {fonts.fonts_dir()}: run make setup"
    await _ready(hub, "WO-REP-2")
    pdf = (await hub.reports.render_if_changed("WO-REP-2")).path.read_bytes()
    faces = {name.split("+", 1)[-1] for name in pdf_fonts(pdf)}
    assert faces == {"Hub-Report-Sans", "Hub-Report-Sans-Bold", "DejaVu-Sans-Mono"}, faces
    assert len(pdf) < 80_000, len(pdf)  # 116 KB when the comma was glyph 13,800


@pytest.mark.parametrize("style", fonts.STYLES)
def test_the_cut_face_numbers_latin_punctuation_and_the_labels_before_any_hanzi_of_a_name(
    style: str,
) -> None:
    """WeasyPrint keeps glyph ids when it subsets a face, so a report costs (and weighs) up to
    the highest id it uses: the tabular digits and the full-width comma come before the hanzi
    names and addresses use (in Noto's order the comma was glyph 13,800 of 14,639)."""
    from fontTools.ttLib import TTFont

    face = TTFont(fonts.face_path(style), lazy=True)
    glyph_id = {name: place for place, name in enumerate(face.getGlyphOrder())}
    cmap = face.getBestCmap()
    labels = [c for c in fonts.printed() if c in cmap] + [ord(ch) for ch in "，。0123456789"]
    assert max(glyph_id[cmap[c]] for c in labels) < 1_000
    tabular = fonts.alternates(face, [cmap[ord(ch)] for ch in "0123456789"])
    assert tabular and max(glyph_id[g] for g in tabular) < 1_000
    assert len(glyph_id) > 14_000  # the whole cut: GB 2312 and its alternate forms


async def test_a_character_outside_the_cut_face_is_drawn_from_the_whole_noto_face(
    hub: Hub,
) -> None:
    rare = "喆堃"  # in names, not in GB 2312
    assert not {ord(c) for c in rare} & set(fonts.characters())
    order = factories.create_order("WO-REP-RARE").model_copy(
        update={"customer_name": f"上海{rare}科技有限公司"}
    )
    await _ready(hub, "WO-REP-RARE", order)
    pdf = (await hub.reports.render_if_changed("WO-REP-RARE")).path.read_bytes()
    assert f"上海{rare}科技有限公司" in pdf_text(pdf)
    faces = {name.split("+", 1)[-1] for name in pdf_fonts(pdf)}
    assert {"Hub-Report-Sans", "Noto-Sans-CJK-SC"} <= faces, faces


async def test_the_english_report_uses_english_labels(hub: Hub) -> None:
    await _ready(hub, "WO-REP-3")
    report = await hub.reports.render_if_changed("WO-REP-3", lang="en")
    text = pdf_text(report.path.read_bytes())
    assert "Enterprise Line Delivery Report" in text
    assert "Customer acceptance" in text
    assert "PASS" in text


async def test_the_version_changes_only_when_the_data_changes(hub: Hub) -> None:
    await _ready(hub, "WO-REP-4")
    first = await hub.reports.render_if_changed("WO-REP-4")
    again = await hub.reports.render_if_changed("WO-REP-4")
    assert again == first
    await hub.commands.run(df.ping("WO-REP-4"), message_id="p2")
    second = await hub.reports.render_if_changed("WO-REP-4")
    assert (first.version, second.version) == (1, 2)
    assert second.sha256 != first.sha256
    with pytest.raises(StaleReport, match="not the latest"):
        await _sign(hub, first)


async def test_a_report_whose_data_changed_since_it_was_rendered_cannot_be_signed(
    hub: Hub,
) -> None:
    await _ready(hub, "WO-REP-5")
    report = await hub.reports.render_if_changed("WO-REP-5")
    await hub.commands.run(df.ping("WO-REP-5"), message_id="p-late")
    with pytest.raises(StaleReport, match="changed since"):
        await _sign(hub, report)


async def test_the_signed_copy_has_the_signature_and_an_audit_page(hub: Hub) -> None:
    await _ready(hub, "WO-REP-6")
    report = await hub.reports.render_if_changed("WO-REP-6")
    signed = await _sign(hub, report)
    pdf = signed.path.read_bytes()
    text = pdf_text(pdf)
    assert signed.version == report.version
    assert page_count(pdf) == page_count(report.path.read_bytes()) + 1
    for expected in ("签署审计记录", report.sha256, "203.0.113.7", "iPhone", "客户签字", "张伟"):
        assert expected in text, expected
    viewed, kept = PdfReader(report.path), PdfReader(signed.path)
    for page, original in enumerate(viewed.pages):  # stamped, not laid out again
        assert (original.extract_text() or "x") in (kept.pages[page].extract_text() or "")
    layout = signature_layout(report.path.read_bytes())
    assert layout is not None
    assert "张伟" in (kept.pages[layout.page_index].extract_text() or "")
    assert signature_layout(b"%PDF-1.7 not really") is None
    assert verify(pdf, signed.sha256)
    assert not verify(pdf[:-2] + b"\x00\x00", signed.sha256)
    assert signed.path == hub.reports.path_for(signed.sha256)


async def test_a_report_rendered_before_its_block_could_be_located_is_signed_by_a_full_render(
    hub: Hub,
) -> None:
    await _ready(hub, "WO-REP-6B")
    report = await _as_rendered_before_the_anchors(
        hub, await hub.reports.render_if_changed("WO-REP-6B")
    )
    assert signature_layout(report.path.read_bytes()) is None
    signed = await _sign(hub, report)
    pdf = signed.path.read_bytes()
    text = pdf_text(pdf)
    assert page_count(pdf) == page_count(report.path.read_bytes()) + 1
    for expected in ("签署审计记录", report.sha256, "张伟"):
        assert expected in text, expected
    assert "（待签字）" not in text  # the block itself was rendered with the signature


async def _as_rendered_before_the_anchors(hub: Hub, report: ReportVersion) -> ReportVersion:
    """The stored version as an older hub left it: the same PDF without the named
    destinations that locate the signature block (stored and recorded like any version)."""
    writer = PdfWriter(clone_from=io.BytesIO(report.path.read_bytes()))
    for key in ("/Names", "/Dests"):
        writer._root_object.pop(key, None)
    out = io.BytesIO()
    writer.write(out)
    sha256, path = await hub.reports.store.put(out.getvalue())
    async with hub.uow() as uow:
        await uow._conn.execute(  # type: ignore[union-attr]
            update(reports)
            .where(reports.c.order_id == report.order_id, reports.c.version == report.version)
            .values(sha256=sha256, size_bytes=len(out.getvalue()))
        )
        await uow.commit()
    return replace(report, sha256=sha256, path=path)


@pytest.mark.parametrize(
    ("png", "reason"),
    [(b"", "empty"), (b"GIF89a....", "PNG"), (df.blank_png(), "blank")],
    ids=["empty", "not-png", "blank"],
)
async def test_an_empty_or_foreign_signature_is_refused(hub: Hub, png: bytes, reason: str) -> None:
    await _ready(hub, "WO-REP-7")
    report = await hub.reports.render_if_changed("WO-REP-7")
    with pytest.raises(InvalidSignature, match=reason):
        await hub.reports.render_signed(report, signature_png=png, signer_name="张伟", audit=[])


async def test_a_tampered_stored_report_cannot_be_signed(hub: Hub) -> None:
    await _ready(hub, "WO-REP-8")
    report = await hub.reports.render_if_changed("WO-REP-8")
    data = bytearray(report.path.read_bytes())
    data[len(data) // 2] ^= 0x01
    report.path.write_bytes(bytes(data))
    with pytest.raises(TamperedReport):
        await _sign(hub, report)


async def test_a_real_report_rendered_to_png_for_people_to_look_at(hub: Hub) -> None:
    """Renders the signed report of a full order (pictures included) to test-artifacts/."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils (pdftoppm) is not installed")
    order = factories.create_order("WO-20261126-0042")
    await checked_in(hub, order.order_id, order)
    shots = []
    for _, png in (
        ("ping", df.screenshot_png("ping")),
        ("speed", df.screenshot_png("speed", color=(23, 128, 61))),
    ):
        sha, _ = await hub.reports.pictures.put(png)
        await _upload(hub, order.order_id, sha, len(png))
        shots.append(sha)
    await hub.commands.run(
        df.ping(order.order_id, screenshots=[shots[0]], note="光猫至核心交换机链路稳定"),
        message_id="art-p",
    )
    await hub.commands.run(
        df.speed(order.order_id, order.bandwidth_mbps, screenshots=[shots[1]]),
        message_id="art-s",
    )
    signed = await _sign(hub, await hub.reports.render_if_changed(order.order_id))
    ARTIFACTS.mkdir(exist_ok=True)
    for old in ARTIFACTS.glob("delivery-report-signed-*.png"):
        old.unlink()
    await asyncio.to_thread(
        subprocess.run,
        [
            "pdftoppm",
            "-png",
            "-r",
            "100",
            str(signed.path),
            str(ARTIFACTS / "delivery-report-signed"),
        ],
        check=True,
        timeout=60,
    )
    pages = sorted(ARTIFACTS.glob("delivery-report-signed-*.png"))
    assert len(pages) == page_count(signed.path.read_bytes())
    assert all(p.stat().st_size > 10_000 for p in pages)


async def _sign(hub: Hub, report):  # type: ignore[no-untyped-def]
    opened = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    audit = [
        AuditEvent("sms_sent", opened - timedelta(minutes=5), None, None, {"to": "+86*******678"}),
        AuditEvent(
            "link_opened", opened, "203.0.113.7", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0)"
        ),
        AuditEvent("otp_verified", opened + timedelta(minutes=1), "203.0.113.7", "iPhone"),
        AuditEvent(
            "report_viewed",
            opened + timedelta(minutes=2),
            "203.0.113.7",
            "iPhone",
            {"sha256": report.sha256},
        ),
        AuditEvent("signed", opened + timedelta(minutes=3), "203.0.113.7", "iPhone"),
    ]
    return await hub.reports.render_signed(
        report, signature_png=df.signature_png(), signer_name="张伟", audit=audit
    )


async def _upload(hub: Hub, order_id: str, sha256: str, size: int) -> None:
    from hub.db.measurements import ScreenshotRecord

    async with hub.uow() as uow:
        await uow.screenshots.add(
            ScreenshotRecord(order_id, sha256, "image/png", size, 360, 640), technician_id="T001"
        )
        await uow.commit()
