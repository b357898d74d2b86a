"""A payment's or refund's receipt as a one-page A5 PDF (fpdf2, like the ID cards)."""

from fpdf import FPDF

from educatenext.fees.money import display
from educatenext.platform.pdf import use_unicode_font

A5_MM = (148, 210)  # by size: fpdf2 warns that its "A5" changed in 2.8.5
METHOD_NAMES = {"cash": "Cash", "card": "Card", "bank_transfer": "Bank transfer",
                "online": "Online"}  # fmt: skip


def render(receipt, font_path=None):
    """PDF bytes for a receipt view (service.receipt_view's shape)."""
    pdf = FPDF(orientation="portrait", unit="mm", format=A5_MM)
    pdf.set_auto_page_break(False)
    pdf.set_margins(12, 12, 12)
    pdf.add_page()
    text = use_unicode_font(pdf, font_path)
    pdf.set_font(size=14)
    pdf.cell(0, 8, text(receipt["school"]), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(size=11)
    title = "Refund receipt" if receipt["kind"] == "refund" else "Payment receipt"
    pdf.cell(0, 7, text(f"{title} {receipt['receiptNumber']}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(size=10)
    for label, value in _rows(receipt):
        pdf.cell(40, 6, text(label))
        pdf.cell(0, 6, text(value), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _rows(receipt):
    currency = receipt["currency"]
    rows = [
        ("Date", f"{receipt['createdAt']:%Y-%m-%d %H:%M} UTC"),
        ("Student", receipt["student"]),
        ("Invoice", receipt["invoiceNumber"]),
        ("Amount", display(receipt["amountMinor"], currency)),
        ("Method", METHOD_NAMES.get(receipt["method"], receipt["method"])),
    ]
    if receipt.get("reference"):
        rows.append(("Reference", receipt["reference"]))
    if receipt.get("refundOf"):
        rows.append(("Refund of", receipt["refundOf"]))
    if receipt.get("reason"):
        rows.append(("Reason", receipt["reason"]))
    rows += [
        ("Invoice total", display(receipt["invoiceTotalMinor"], currency)),
        ("Received by", receipt["receivedBy"]),
    ]
    return rows
