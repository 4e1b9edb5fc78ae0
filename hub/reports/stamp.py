"""Signing a rendered report without laying it out again.

A report's signature block carries ids (`sign-name`, `sign-at`, `sign-pad`, ...) that WeasyPrint
writes into the PDF as named destinations. From them `signature_layout` reads where the
signer's name, the time and the signature go; the hub then renders only a small layer (those
three boxes on the block's page, then the audit trail as pages of their own) and `stamp` lays
it over the report:

    report pages 1..N (as the customer viewed them)   layer pages 1..N (empty but one) + audit
    page k ◀─ merged with layer page k (name, time, signature over the empty block)
    pages N+1.. ◀─ the layer's audit pages (numbered N+1 / N+M)

The report's own pages keep their content byte for byte: the customer signed what they saw.
A report rendered before the ids existed has no layout; it is signed by a full render.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

ANCHORS = ("sign-name", "sign-at-label", "sign-at", "sign-pad", "sign-end")
INSET_PT = 0.8  # the layer's boxes stay inside the cells' borders


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle on a page, in points from the page's top-left corner (CSS coordinates)."""

    left: float
    top: float
    width: float
    height: float

    def css(self) -> str:
        return (
            f"left:{self.left:.2f}pt;top:{self.top:.2f}pt;"
            f"width:{self.width:.2f}pt;height:{self.height:.2f}pt"
        )


@dataclass(frozen=True, slots=True)
class SignatureLayout:
    """Where a report's signature block is: its page (0-based), the page count and size."""

    page_index: int
    pages: int
    page_width: float
    page_height: float
    name: Box
    signed_at: Box
    pad: Box


def signature_layout(pdf: bytes) -> SignatureLayout | None:
    """The signature block's boxes from the report's named destinations; None without them
    (a report rendered before they existed) or if the block is split across pages."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(pdf))
        found = {str(name): dest for name, dest in reader.named_destinations.items()}
    except PyPdfError:  # not a PDF this hub rendered: sign it by rendering the data again
        return None
    if any(name not in found for name in ANCHORS):
        return None
    pages = {reader.get_destination_page_number(found[name]) for name in ANCHORS}
    points = [(found[name].left, found[name].top) for name in ANCHORS]
    if len(pages) != 1 or None in pages or any(v is None for p in points for v in p):
        return None
    index = pages.pop()
    assert index is not None
    box = reader.pages[index].mediabox
    height = float(box.height)
    x = {name: float(left or 0) for name, (left, _) in zip(ANCHORS, points, strict=True)}
    y = {name: height - float(top or 0) for name, (_, top) in zip(ANCHORS, points, strict=True)}
    row_top, pad_top, end = y["sign-name"], y["sign-pad"], y["sign-end"]
    column = x["sign-at-label"] - x["sign-name"]  # name and time columns are equally wide
    right = x["sign-at"] + column
    if not (row_top < pad_top < end and column > 0):
        return None
    return SignatureLayout(
        page_index=index,
        pages=len(reader.pages),
        page_width=float(box.width),
        page_height=height,
        name=_inset(x["sign-name"], row_top, x["sign-at-label"], pad_top),
        signed_at=_inset(x["sign-at"], row_top, right, pad_top),
        pad=_inset(x["sign-pad"], pad_top, right, end),
    )


def stamp(report_pdf: bytes, layer_pdf: bytes, layout: SignatureLayout) -> bytes:
    """The report with the layer's page `layout.page_index` laid over its signature page and
    the layer's pages after the report's count appended (the audit trail)."""
    from pypdf import PdfReader, PdfWriter

    layer = PdfReader(io.BytesIO(layer_pdf))
    if len(layer.pages) <= layout.pages:
        raise ValueError("the signing layer has no audit page")
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(report_pdf)))
    writer.pages[layout.page_index].merge_page(layer.pages[layout.page_index])
    for page in layer.pages[layout.pages :]:
        writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _inset(left: float, top: float, right: float, bottom: float) -> Box:
    return Box(
        left=left + INSET_PT,
        top=top + INSET_PT,
        width=max(right - left - 2 * INSET_PT, 1.0),
        height=max(bottom - top - 2 * INSET_PT, 1.0),
    )
