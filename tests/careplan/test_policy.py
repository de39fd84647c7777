"""The policy file: defaults, county overrides merged key by key, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldkit.domain.careplan import (
    Festival,
    PolicyError,
    default_policy,
    load_policy,
    parse_policy,
)
from fieldkit.domain.vocab import Category, Tier


def test_defaults_are_the_rules_of_the_issue() -> None:
    p = default_policy()
    assert p.tier_interval_days == {Tier.KEY: 30, Tier.PERIODIC: 90, Tier.ROUTINE: 365}
    assert p.tier_lead_days == 7
    assert p.hospital_within_days == 3
    assert p.birthday_milestones == (80, 90, 100)
    assert p.birthday_every_year_from == 100
    assert (p.birthday_days_before, p.birthday_days_after) == (7, 7)
    assert p.condolence_within_days == 7
    assert p.misfortune_within_days == 7
    assert set(p.festivals) == set(Festival)
    assert p.festival_days_before == 14
    assert p.festival_tiers == set(Tier)
    assert p.festival_categories == set(Category)
    assert p.relocation_yearly_visit is True


def test_a_county_file_overrides_only_what_it_names(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(
        '# 示范县\n[tiers.key]\ninterval_days = 20\n[festivals]\nenabled = ["spring_festival"]\n',
        encoding="utf-8",
    )
    p = load_policy(path)
    assert p.tier_interval_days[Tier.KEY] == 20
    assert p.tier_interval_days[Tier.PERIODIC] == 90
    assert p.festivals == (Festival.SPRING_FESTIVAL,)
    assert p.festival_days_before == 14
    assert load_policy(None) == default_policy()


POS = "must be a positive whole number, got"
KEY = "tiers.key.interval_days"
BAD = [
    ("[tiers.key]\ninterval_days = -3", f"{KEY}: {POS} -3"),
    ("[tiers.key]\ninterval_days = 0", f"{KEY}: {POS} 0"),
    ("[tiers.key]\ninterval_days = 2.5", f"{KEY}: {POS} 2.5"),
    ('[tiers.key]\ninterval_days = "30"', f"{KEY}: {POS} '30'"),
    ("[hospital]\nwithin_days = true", "hospital.within_days: must be a non-negative whole"),
    ("[tiers.vip]\ninterval_days = 10", "tiers.vip: unknown key; expected one of lead_days, key,"),
    ("[hospital]\nwithin = 3", "hospital.within: unknown key; expected one of within_days"),
    ("hospital = 3", "hospital: must be a table ([hospital]), got 3"),
    ('[festivals]\ntiers = ["vip"]', "festivals.tiers: 'vip' is not a tier; expected one of key"),
    ('[festivals]\nenabled = ["christmas"]', "festivals.enabled: 'christmas' is not a festival"),
    ('[festivals]\ncategories = "lixiu"', "festivals.categories: must be a list of category"),
    ("[birthday]\nmilestones = [80, -1]", f"birthday.milestones[]: {POS} -1"),
    ('[relocation]\nyearly_visit = "yes"', "relocation.yearly_visit: must be true or false"),
    ("[tiers.key\ninterval_days = 3", "not valid TOML"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_bad_values_name_the_key_and_the_problem(text: str, message: str) -> None:
    with pytest.raises(PolicyError) as err:
        parse_policy(text)
    assert str(err.value).startswith(message)


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "county.toml"
    path.write_text("[tiers.key]\ninterval_days = -3\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"county\.toml: tiers\.key\.interval_days: must be"):
        load_policy(path)
    with pytest.raises(PolicyError, match="cannot read the policy file"):
        load_policy(tmp_path / "missing.toml")
    path.write_bytes(b"\xff\xfe[tiers]")
    with pytest.raises(PolicyError, match="not UTF-8"):
        load_policy(path)
