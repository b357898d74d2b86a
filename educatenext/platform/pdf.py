"""What every PDF the API renders shares: a Unicode font where one is installed (fpdf2)."""

import logging
import os

UNICODE_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
# fpdf2's font subsetting logs every glyph list at INFO: noise in the API's logs.
logging.getLogger("fontTools").setLevel(logging.WARNING)


def use_unicode_font(pdf, font_path=None):
    """Set a Unicode TrueType font where one is installed, else the core font (Latin-1 only);
    returns the function that makes text printable in the font chosen."""
    path = font_path or UNICODE_FONT
    if os.path.isfile(path):
        pdf.add_font("unicode", fname=path)
        pdf.set_font("unicode")
        return str
    pdf.set_font("helvetica")
    return lambda value: value.encode("latin-1", "replace").decode("latin-1")
