"""The reports' own face: Noto Sans CJK SC cut down to the characters reports mostly use.

WeasyPrint subsets each face a PDF uses, on every render. With the system's whole Noto CJK face
(65,535 glyphs in a 19 MB collection) that costs about 20 ms and 100 KB per face per report. A
face holding ASCII, Latin-1, punctuation, common symbols and the 6,763 hanzi of GB 2312 (about
8,200 characters, 3.6 MB) subsets several times faster and makes the PDF less than half as big
(numbers in `docs/benchmarks.md`). A character outside it (a rare hanzi in a name) is drawn
from the system Noto face by fontconfig's fallback, which the report's CSS names next: nothing
is lost.

The cut's glyphs are reordered so what reports print most comes first: ASCII, Latin-1,
punctuation, CJK punctuation and full-width forms (with their alternates, such as the tabular
digits of the result tables), the characters the templates and labels print, then GB 2312's
3,755 common hanzi (level 1), its 3,008 rarer ones, then the rest. WeasyPrint keeps glyph ids
when it subsets (the PDF's text names glyphs by id), so its time and the embedded face's size
grow with the highest id a report uses: in Noto's own order the full-width comma alone is glyph
13,800 of 14,639, and nearly every Chinese report kept room for all of them. The cache folder's
name carries a digest of the order, so a template that prints a new character gets the faces
cut again by the next `make setup`.

Built once per machine by `python -m hub.reports.fonts` (the set-up step runs it) into the
user's cache directory. A render worker points fontconfig at it (`use_report_fonts`) before its
first render; without it reports come out the same from the system face, only slower. The cut
faces are renamed "Hub Report Sans" (the OFL asks a modified font not to keep its name) and keep
Noto's copyright and licence records.
"""

from __future__ import annotations

import functools
import hashlib
import os
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

FAMILY = "Hub Report Sans"
SOURCE_FAMILY = "Noto Sans CJK SC"
STYLES = ("Regular", "Bold")
VERSION = 2  # raise when the character set or the naming changes: the cache is rebuilt
REPORTS = Path(__file__).resolve().parent
TEXT_SOURCES = ("templates/*.j2", "i18n.py", "html.py")  # where reports' own words are

# Code point ranges besides GB 2312: what report templates, technicians' notes and addresses
# mostly hold. Latin, punctuation, CJK punctuation and full-width forms are in nearly every
# report; arrows, maths, shapes and the like seldom.
_COMMON = (
    (0x0020, 0x007E),
    (0x00A0, 0x00FF),
    (0x2000, 0x206F),
    (0x3000, 0x303F),
    (0xFF00, 0xFFEF),
)
_SYMBOLS = (
    (0x2100, 0x215F),
    (0x2190, 0x21FF),
    (0x2200, 0x22FF),
    (0x2460, 0x24FF),
    (0x2500, 0x25FF),
    (0x2600, 0x26FF),
    (0x2700, 0x27BF),
)
_KEPT_NAME_IDS = {0, 7, 13, 14}  # copyright, trademark, licence text and URL


def fonts_dir() -> Path:
    """Where the cut faces live: one copy per machine user, shared by every hub and test."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "delivery-hub" / f"report-fonts-v{VERSION}-{_order_key()}"


def face_path(style: str) -> Path:
    return fonts_dir() / f"HubReportSans-{style}.otf"


def built() -> bool:
    return all(face_path(style).is_file() for style in STYLES)


def use_report_fonts() -> bool:
    """Make fontconfig see the cut faces (call before the first render in a process); False
    when they are not built (reports then use the system face)."""
    if not built():
        return False
    conf = fonts_dir() / "fonts.conf"
    if not conf.is_file():
        try:
            _write_atomically(conf, _fonts_conf(fonts_dir()).encode())
        except OSError:  # a read-only cache without its conf (built by another user)
            return False
    os.environ["FONTCONFIG_FILE"] = str(conf)
    return True


def characters() -> list[int]:
    """The code points a cut face keeps: GB 2312 and the ranges above."""
    return sorted({*_spans(_COMMON), *_spans(_SYMBOLS), *_gb2312(range(0xA1, 0xF8))})


def printed() -> set[int]:
    """The code points past ASCII that the report templates and labels print."""
    paths = [path for pattern in TEXT_SOURCES for path in sorted(REPORTS.glob(pattern))]
    return {ord(ch) for path in paths for ch in path.read_text(encoding="utf-8") if ord(ch) > 0x7F}


def by_use() -> list[int]:
    """The kept code points, those reports print most first (the cut face's glyph order):
    Latin and punctuation, what the templates print, GB 2312's level 1 hanzi, its level 2,
    then its other rows (kana, Greek, Cyrillic, box drawing) and the remaining ranges."""
    points = _spans(_COMMON)
    points += sorted(printed() & set(characters()))
    points += _gb2312(range(0xB0, 0xD8))  # level 1: the 3,755 hanzi in common use
    points += _gb2312(range(0xD8, 0xF8))  # level 2
    points += _gb2312(range(0xA1, 0xB0))  # symbols, kana, Greek, Cyrillic, pinyin, boxes
    points += _spans(_SYMBOLS)
    return list(dict.fromkeys(points))


@functools.cache
def _order_key() -> str:
    """This code's glyph order's digest, computed once per process (it reads the templates)."""
    return order_digest(by_use())


def order_digest(points: list[int]) -> str:
    """What names a glyph order in the cache folder: when a template starts printing a new
    character, the faces are cut again (`make setup`) with it in front."""
    return hashlib.sha256(",".join(map(str, points)).encode()).hexdigest()[:8]


def _spans(ranges: tuple[tuple[int, int], ...]) -> list[int]:
    return [c for low, high in ranges for c in range(low, high + 1)]


def _gb2312(leads: range) -> list[int]:
    points = []
    for lead in leads:
        for trail in range(0xA1, 0xFF):
            try:
                points.append(ord(bytes((lead, trail)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return points


def source_face(style: str) -> tuple[Path, int]:
    """The system's Noto Sans CJK SC file and collection index for a style."""
    found = subprocess.run(
        ["fc-match", "-f", "%{family}\t%{file}\t%{index}", f"{SOURCE_FAMILY}:style={style}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\t")
    if len(found) != 3 or SOURCE_FAMILY not in found[0].split(","):
        raise FileNotFoundError(f"{SOURCE_FAMILY} {style} is not installed (fonts-noto-cjk)")
    return Path(found[1]), int(found[2])


def build_face(style: str) -> Path:
    """Cut one style out of the system face and save it (atomically) under `fonts_dir()`."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    path, index = source_face(style)
    font = TTFont(path, fontNumber=index, lazy=True)
    options = subset.Options()
    options.layout_features = ["*"]  # vertical forms, locl, kerning: as the source
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=characters())
    subsetter.subset(font)
    _common_first(font)
    _rename(font, style)
    target = face_path(style)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.partial")
    font.save(partial)
    partial.replace(target)
    return target


def _common_first(font: Any) -> None:
    """Reorder the glyphs as `by_use` orders their characters; the alternate forms of Latin and
    punctuation (the report's tabular digits, full- and half-width forms) follow those, the
    glyphs no character maps to keep their order after them and `.notdef` stays first."""
    from fontTools.ttLib.reorderGlyphs import reorderGlyphs

    glyphs = font.getGlyphOrder()
    cmap = font.getBestCmap()
    order = [cmap[c] for c in by_use() if c in cmap]
    common = [cmap[c] for c in _spans(_COMMON) if c in cmap]
    first = list(dict.fromkeys([glyphs[0], *common, *alternates(font, common), *order]))
    taken = set(first)
    reorderGlyphs(font, first + [g for g in glyphs if g not in taken])
    top = font["CFF "].cff.topDictIndex[0]
    if hasattr(top, "FDSelect"):  # a CID-keyed face: each glyph's private dict, in the new order
        chosen = [top.CharStrings.getItemAndSelector(g)[1] for g in font.getGlyphOrder()]
        top.FDSelect.gidArray = chosen


def alternates(font: Any, glyphs: list[str]) -> list[str]:
    """What GSUB's one-for-one substitutions (any feature) turn these glyphs into."""
    wanted, found = set(glyphs), []
    for lookup in font["GSUB"].table.LookupList.Lookup:
        for wrapped in lookup.SubTable:
            table = getattr(wrapped, "ExtSubTable", wrapped)  # an extension lookup's own table
            for source, target in getattr(table, "mapping", {}).items():
                if source in wanted:
                    found.append(target)
            for source, targets in getattr(table, "alternates", {}).items():
                if source in wanted:
                    found.extend(targets)
    return found


def _rename(font: object, style: str) -> None:
    """Name the cut face `FAMILY`, keeping the copyright and licence records."""
    name = font["name"]  # type: ignore[index]
    name.names = [n for n in name.names if n.nameID in _KEPT_NAME_IDS]
    postscript = f"{FAMILY.replace(' ', '')}-{style}"
    for name_id, value in (
        (1, FAMILY),
        (2, style),
        (3, f"{postscript};{VERSION}"),
        (4, f"{FAMILY} {style}"),
        (6, postscript),
    ):
        name.setName(value, name_id, 3, 1, 0x409)
    if "CFF " in font:  # type: ignore[operator]
        cff = font["CFF "].cff  # type: ignore[index]
        cff.fontNames = [postscript]
        top = cff.topDictIndex[0]
        top.FullName, top.FamilyName = f"{FAMILY} {style}", FAMILY


def _fonts_conf(directory: Path) -> str:
    """The system's fontconfig set-up plus the cut faces' directory."""
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        "<fontconfig>\n"
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"  <dir>{directory}</dir>\n"
        "</fontconfig>\n"
    )


def _write_atomically(path: Path, data: bytes) -> None:
    partial = path.with_suffix(f".{os.getpid()}.partial")
    partial.write_bytes(data)
    partial.replace(path)


def main() -> int:
    """Build what is missing; one line per face (each takes 10-15 s, the two in parallel)."""
    missing = [style for style in STYLES if not face_path(style).is_file()]
    if not missing:
        print(f"report fonts: up to date ({fonts_dir()})")
        return 0
    started = time.monotonic()
    print(f"report fonts: cutting {', '.join(missing)} out of {SOURCE_FAMILY} (about 15 s)…")
    try:
        with ProcessPoolExecutor(max_workers=len(missing)) as pool:
            for path in pool.map(build_face, missing):
                print(f"  {path} ({path.stat().st_size / 1e6:.1f} MB)")
    except (FileNotFoundError, subprocess.CalledProcessError) as exc:
        print(f"report fonts: not built ({exc}); reports use the system face", file=sys.stderr)
        return 1
    use_report_fonts()  # writes fonts.conf now, so a read-only cache (an image) has it
    print(f"report fonts: built in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
