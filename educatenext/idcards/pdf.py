"""An ID card as a one-page PDF the size of a bank card, with the holder's QR code."""

import io

import segno
from fpdf import FPDF

from educatenext.platform.pdf import use_unicode_font

CARD_MM = (85.6, 53.98)  # ISO/IEC 7810 ID-1, landscape
QR_MM = 24


def render(card, font_path=None):
    """PDF bytes for a card view (service.describe's shape)."""
    pdf = FPDF(orientation="landscape", unit="mm", format=CARD_MM[::-1])  # given portrait
    pdf.set_auto_page_break(False)
    pdf.set_margins(4, 4, 4)
    pdf.add_page()
    text = use_unicode_font(pdf, font_path)
    data = card["cardData"]
    pdf.set_fill_color(24, 64, 120)
    pdf.rect(0, 0, CARD_MM[0], 10, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_xy(4, 2.5)
    pdf.set_font(size=9)
    pdf.cell(CARD_MM[0] - 8, 5, text(data.get("institution") or ""))
    pdf.set_text_color(0, 0, 0)
    pdf.set_xy(4, 13)
    pdf.set_font(size=11)
    pdf.cell(52, 6, text(data.get("name") or ""))
    pdf.set_font(size=7)
    lines = [
        ("Student" if card["userType"] == "student" else "Teacher") + f" {data.get('id') or ''}",
        f"Class: {data['class']}" if data.get("class") else None,
        f"Card no: {card['cardNumber']}",
        f"Valid until: {card['validUntil']:%Y-%m-%d}",
        _emergency(data.get("emergencyContact")),
    ]
    y = 21
    for line in filter(None, lines):
        pdf.set_xy(4, y)
        pdf.cell(52, 4, text(line))
        y += 4.5
    pdf.image(_qr_png(card["qrCodeId"]), x=CARD_MM[0] - QR_MM - 3, y=13, w=QR_MM, h=QR_MM)
    return bytes(pdf.output())


def _emergency(contact):
    if not contact:
        return None
    return f"Emergency: {contact.get('name', '')} {contact.get('phone', '')}".strip()


def _qr_png(payload):
    image = io.BytesIO()
    segno.make(payload, error="m").save(image, kind="png", scale=6, border=2)
    image.seek(0)
    return image
