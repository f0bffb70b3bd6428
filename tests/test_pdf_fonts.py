"""Invoice PDFs print every character: a build on a computer without a font for a character of
a PDF (a CI runner with only DejaVu) fails, naming the invoice and the Debian package to
install, instead of writing a PDF with empty boxes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import AS_OF, EXAMPLE_CONTENT
from generator.invoicing.fonts import (
    FontsMissing,
    check_fonts,
    page_text,
    pdf_font_families,
    script_of,
)
from generator.sink import CACHE, MARKER

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
# fontconfig's configuration on a runner with fonts-dejavu-core and no other font
DEJAVU_ONLY = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <dir>{fonts}</dir>
  <cachedir>{cache}</cachedir>
</fontconfig>
"""


def test_a_cjk_invoice_pdf_built_with_only_dejavu_fails_naming_the_package(tmp_path):
    assert (DEJAVU / "DejaVuSans.ttf").is_file(), "fonts-dejavu-core is not installed (make test)"
    content = tmp_path / "content"
    shutil.copytree(EXAMPLE_CONTENT, content)
    shutil.rmtree(content / "nordlys-saas")  # Japanese, Korean and Polish invoices stay
    config = tmp_path / "fonts.conf"
    config.write_text(DEJAVU_ONLY.format(fonts=DEJAVU, cache=tmp_path / "fc-cache"),
                      encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--content", str(content), "--out",
         str(tmp_path / "output"), "--as-of", AS_OF],
        env={**os.environ, "FONTCONFIG_FILE": str(config)}, capture_output=True, text=True,
        timeout=600, check=False)
    assert result.returncode == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if "empty boxes" in line]
    japanese = next(line for line in errors if "(sakura-retail/invoices/2026-10.pdf)" in line)
    assert japanese.startswith("sakura-retail/invoices/2026-10.yaml: the PDF of invoice 0441 ")
    assert "install fonts-ipaexfont-gothic (sudo apt-get install fonts-ipaexfont-gothic)" in (
        japanese)
    assert "請 求 書" in japanese or "登 録 番 号" in japanese  # the characters, as they are
    korean = next(line for line in errors if "hanbit-logistics/invoices/2026-10.pdf" in line)
    assert "install fonts-nanum " in korean
    # the English PDF of the Japanese client: the buyer's name and address in Japanese
    english = next(line for line in errors if "sakura-retail/en/invoices/2026-10.pdf" in line)
    assert "install fonts-ipaexfont-gothic " in english and "株 式 会 社" in english
    assert not [line for line in errors if "kowalski-legal" in line]  # DejaVu has Polish
    assert "Traceback" not in result.stderr
    portals = [p.name for p in (tmp_path / "output").iterdir() if p.name not in (CACHE, MARKER)]
    assert portals == []  # nothing written, not even the portal without an error


def test_the_same_content_with_the_fonts_installed_builds_every_pdf(example):
    """The example fixture's build (fontconfig as installed by `make pdf-libs`) passed."""
    for pdf in ("sakura-retail/invoices/2026-10.pdf", "sakura-retail/en/invoices/2026-10.pdf",
                "hanbit-logistics/invoices/2026-10.pdf", "kowalski-legal/invoices/2026-10.pdf"):
        assert (example / pdf).read_bytes().startswith(b"%PDF-"), pdf


@pytest.mark.parametrize(("language", "text"), [
    ("ja", "請求書 株式会社さくらリテール 御中 1ヶ月 ￥1,662,701 ※"),
    ("ko", "청구서 주식회사 한빛로지스틱스 ₩15,400,000"),
    ("pl", "Faktura korygująca · Zażółć gęślą jaźń — 1 291,50 zł"),
    ("sv", "Omvänd betalningsskyldighet – 113 975,00 kr"),
    ("en", "Total due: €1,234.50 “quoted” ½ №")])
def test_the_installed_fonts_have_each_language_of_the_example(language, text):
    check_fonts(f"<p>{text}</p>", language)  # raises FontsMissing otherwise


def test_a_character_no_font_has_is_named_with_where_to_look():
    with pytest.raises(FontsMissing) as raised:
        check_fonts("<p>Invoice \U000F0041 paid</p>", "en")  # private use: no font has it
    assert raised.value.characters == "\U000F0041"
    message = raised.value.explain("the PDF of invoice 1")
    assert message.startswith("the PDF of invoice 1 would print the character \U000F0041 as "
                              "an empty box: no font on this computer has it; install a font")
    assert "fc-list ':charset=f0041'" in message


def test_the_text_checked_is_what_the_page_prints():
    html = ("<html><head><title>請求書</title><style>p { font: 1pt '한글' }</style></head>"
            "<body><p>A &amp; B&nbsp;&#x5f61;</p><ul><li>x</li></ul></body></html>")
    assert page_text(html) == "A & B\u00a0彡•x"


def test_scripts_and_font_order():
    assert [script_of(c) for c in "aąΩж請かカ한ｶ、١\ue000\u0378"] == [
        "latin", "latin", "latin", "latin", "han", "kana", "kana", "hangul", "kana", "han",
        "other", "unknown", "unknown"]
    assert pdf_font_families("ja_JP")[0] == "IPAexGothic"
    assert pdf_font_families("ko")[0] == "NanumGothic"
    assert pdf_font_families("pl")[0] == "DejaVu Sans"
