"""Printed cards read back with a real decoder: PDF sheets, PNG files, the command line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import qrcode
from qrcode.constants import ERROR_CORRECT_Q
from sqlmodel import col, select

from fieldkit.cards.errors import ReplacedCardError
from fieldkit.cards.keys import KeyRing, SigningKey, new_signing_key, write_key_file
from fieldkit.cards.payload import sign_card, verify_card
from fieldkit.cards.printing import find_signing_key, print_cards
from fieldkit.cards.qr import QR_MODULES, card_matrix
from fieldkit.cards.records import card_holders, check_card, load_ring
from fieldkit.cards.sheet import CARDS_PER_PAGE
from fieldkit.cli.main import main
from fieldkit.domain.ids import new_id
from fieldkit.domain.models import Person, Site
from fieldkit.domain.vocab import Status
from fieldkit.store import Store
from tests.cards.cards_helpers import COUNTY, WHEN, Scan, scan_pdf, scan_png

SITE = "桃坪村"


def _site_people(store: Store, site: str) -> dict[str, tuple[str, int]]:
    """Person id -> (code, card issue) of the site's persons who get cards."""
    with store.read() as s:
        rows = s.exec(
            select(Person.id, Person.code, Person.card_issue)
            .join(Site, col(Site.id) == col(Person.site_id))
            .where(Site.name == site, col(Person.status) != Status.DECEASED)
        ).all()
    return {pid: (code, issue) for pid, code, issue in rows}


def _check_scans(scans: list[Scan], store: Store) -> dict[str, int]:
    """Every scan is a version-8-Q card valid on ``store``; returns person id -> issue."""
    ring = load_ring(store)
    found: dict[str, int] = {}
    for scan in scans:
        assert (scan.version, scan.ec_level) == ("8", "Q")
        claim = verify_card(scan.text, ring)
        assert claim.person_id not in found
        found[claim.person_id] = claim.issue
    return found


def test_a_site_prints_on_a4_sheets_that_scan_back(
    hq_key: SigningKey, demo_store: Store, tmp_path: Path
) -> None:
    out = tmp_path / "cards.pdf"
    progress: list[tuple[int, int]] = []
    holders = card_holders(demo_store, site=SITE)
    result = print_cards(holders, hq_key, out, progress=lambda d, t: progress.append((d, t)))
    people = _site_people(demo_store, SITE)
    assert len(people) == result.cards == len(holders)
    pages = scan_pdf(out)
    assert len(pages) == result.pages == -(-len(people) // CARDS_PER_PAGE)
    assert all(len(page) == CARDS_PER_PAGE for page in pages[:-1])
    found = _check_scans([scan for page in pages for scan in page], demo_store)
    assert found == {pid: issue for pid, (_code, issue) in people.items()}
    assert progress[-1] == (len(people), len(people))
    assert [d for d, _t in progress] == sorted(d for d, _t in progress)
    assert not list(tmp_path.glob(".*part"))  # no temporary file left behind


def test_png_cards_scan_back_and_are_named_by_code(
    hq_key: SigningKey, demo_store: Store, tmp_path: Path
) -> None:
    holders = card_holders(demo_store, code="GL-0042") + card_holders(demo_store, code="GL-0043")
    result = print_cards(holders, hq_key, f"{tmp_path}/png/")
    assert [p.name for p in result.files] == ["GL-0042.png", "GL-0043.png"]
    for holder, path in zip(holders, result.files, strict=True):
        scans = scan_png(path)
        assert _check_scans(scans, demo_store) == {holder.person_id: 1}


def test_the_symbol_is_the_one_qrcode_makes() -> None:
    key = new_signing_key(COUNTY, KeyRing(), WHEN)
    for n in range(40):
        payload = sign_card(key, new_id(), n + 1)
        ref = qrcode.QRCode(version=8, error_correction=ERROR_CORRECT_Q, border=0)
        ref.add_data(payload, optimize=0)
        ref.make(fit=False)
        mine = card_matrix(payload)
        assert mine.shape == (QR_MODULES, QR_MODULES)
        assert np.array_equal(mine, np.array(ref.modules, dtype=bool)), payload


def test_a_payload_that_does_not_fit_is_refused() -> None:
    with pytest.raises(ValueError, match="do not fit"):
        card_matrix("FK1" + "A" * 200)
    with pytest.raises(ValueError, match="alphanumeric"):
        card_matrix("FK1 小")


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_without_the_key_printing_says_where_cards_are_printed(
    demo_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cards.pdf"
    db = str(demo_store.path)
    code, _out, err = _run(capsys, "cards", "--db", db, "--all", "--out", str(out), "--lang", "zh")
    assert code == 1
    assert "服务卡由局机关打印" in err
    assert "--key" in err
    code, _out, err = _run(capsys, "cards", "--db", db, "--all", "--out", str(out), "--lang", "en")
    assert code == 1
    assert "Cards are printed at headquarters" in err
    assert "--key FILE" in err
    assert not out.exists()


def test_a_key_file_exported_by_hq_prints_elsewhere(
    hq_key: SigningKey, demo_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exported = write_key_file(hq_key, tmp_path / "usb" / "county.json")
    assert find_signing_key(load_ring(demo_store), exported).key_id == hq_key.key_id
    stranger = write_key_file(new_signing_key(COUNTY, KeyRing(), WHEN), tmp_path / "other.json")
    out = tmp_path / "one.pdf"
    db = str(demo_store.path)
    code, _out, err = _run(
        capsys, "cards", "--db", db, "--person", "GL-0042", "--key", str(stranger),
        "--out", str(out), "--lang", "en",
    )  # fmt: skip
    assert code == 1
    assert "is not known on this laptop" in err
    code, said, _err = _run(
        capsys, "cards", "--db", db, "--person", "GL-0042", "--key", str(exported),
        "--out", str(out), "--lang", "en",
    )  # fmt: skip
    assert code == 0
    assert "wrote 1 cards" in said
    [page] = scan_pdf(out)
    with demo_store.read() as s:
        person_id = s.exec(select(Person.id).where(Person.code == "GL-0042")).one()
    assert _check_scans(page, demo_store) == {person_id: 1}


def test_reissue_then_print_the_new_card(
    hq_key: SigningKey, demo_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(demo_store.path)
    with demo_store.read() as s:
        person_id = s.exec(select(Person.id).where(Person.code == "GL-0042")).one()
    old_card = sign_card(hq_key, person_id, 1)
    code, said, _err = _run(capsys, "cards", "--db", db, "--reissue", "GL-0042", "--lang", "zh")
    assert code == 0
    assert "第2张卡" in said
    with pytest.raises(ReplacedCardError):
        check_card(demo_store, old_card)
    out = tmp_path / "new"
    code, _said, _err = _run(
        capsys, "cards", "--db", db, "--person", "GL-0042", "--out", f"{out}/", "--lang", "zh"
    )
    assert code == 0
    [scan] = scan_png(out / "GL-0042.png")
    assert check_card(demo_store, scan.text).claim.issue == 2


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--person", "GL-9999", "--out", "x.pdf"], "没有编号为 GL-9999 的人员"),
        (["--site", "没有这个村", "--out", "x.pdf"], "没有名称或编号为“没有这个村”的站点"),
        (["--all", "--out", "cards.txt"], "--out 须为 .pdf 文件或目录"),
        (["--reissue", "GL-9999"], "没有编号为 GL-9999 的人员"),
    ],
)
def test_bad_requests_are_one_clear_message(
    hq_key: SigningKey,
    demo_store: Store,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    words: str,
) -> None:
    argv = [str(tmp_path / a) if a.endswith((".pdf", ".txt")) else a for a in argv]
    code, _out, err = _run(capsys, "cards", "--db", str(demo_store.path), *argv, "--lang", "zh")
    assert code == 1
    assert words in err
    assert "Traceback" not in err
    assert not list(tmp_path.glob("*.pdf"))
    assert not list(tmp_path.glob("*.txt"))


def test_an_unwritable_output_writes_nothing(
    hq_key: SigningKey, demo_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    out = blocker / "cards.pdf"
    code, _out, err = _run(
        capsys, "cards", "--db", str(demo_store.path), "--all", "--out", str(out), "--lang", "en"
    )
    assert code == 1
    assert "cannot write" in err
    assert blocker.read_text(encoding="utf-8") == "not a directory"
