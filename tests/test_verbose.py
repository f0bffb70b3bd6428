"""One verbose flag: `portal -v` says what the generator does and prints a line per client;
what the libraries it uses log (WeasyPrint's INFO lines) only with -vv."""

from __future__ import annotations

import logging

from click.testing import CliRunner

from conftest import AS_OF
from generator.cli import main


def _build(root, *flags):
    return CliRunner().invoke(main, [*flags, "build", "--content", str(root / "content"),
                                     "--out", str(root / "output"), "--as-of", AS_OF, "-j", "1"],
                              catch_exceptions=False)


def test_one_verbose_flag_for_the_generator_not_for_third_party_logs(make_site):
    root = make_site()
    logging.getLogger().handlers.clear()  # basicConfig again, as a fresh process would
    result = _build(root, "-v")
    assert result.exit_code == 0, result.output
    assert any(line.startswith("[1/1] acme") for line in result.output.splitlines())
    assert logging.getLogger("generator").getEffectiveLevel() == logging.INFO
    # (invoicing.pdf quiets WeasyPrint to ERROR while it makes PDFs: at least WARNING here)
    assert logging.getLogger("weasyprint").getEffectiveLevel() >= logging.WARNING
    assert logging.getLogger("fontTools").getEffectiveLevel() >= logging.WARNING
    logging.getLogger().handlers.clear()
    _build(root, "-vv")
    assert logging.getLogger().getEffectiveLevel() == logging.DEBUG
    logging.getLogger().handlers.clear()
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("generator").setLevel(logging.NOTSET)


def test_build_has_no_verbose_flag_of_its_own_in_its_help():
    result = CliRunner().invoke(main, ["build", "--help"])
    assert "--verbose" not in result.output
