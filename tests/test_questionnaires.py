"""NASA-TLX (raw) and SUS scored by their published rules against hand-computed examples."""

from __future__ import annotations

import pytest

from interaction.questionnaires import NasaTlx, Sus, questionnaire_from_dict


def test_raw_tlx_is_the_mean_of_six_subscales():
    tlx = NasaTlx(mental=70, physical=20, temporal=55, performance=30, effort=65, frustration=40)
    # (70 + 20 + 55 + 30 + 65 + 40) / 6 = 280 / 6
    assert tlx.score == pytest.approx(46.6666667)
    assert questionnaire_from_dict("nasa_tlx", tlx.to_dict()) == tlx


def test_sus_brooke_example():
    # answers 4,2,5,1,4,2,5,2,4,1
    # odd items (answer - 1): 3 + 4 + 3 + 4 + 3 = 17
    # even items (5 - answer): 3 + 4 + 3 + 3 + 4 = 17
    # (17 + 17) * 2.5 = 85
    sus = Sus((4, 2, 5, 1, 4, 2, 5, 2, 4, 1))
    assert sus.score == 85.0
    assert Sus((3,) * 10).score == 50.0  # all neutral
    assert Sus((5, 1) * 5).score == 100.0
    assert Sus((1, 5) * 5).score == 0.0
    assert questionnaire_from_dict("sus", sus.to_dict()) == sus


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: NasaTlx(101, 0, 0, 0, 0, 0), "mental must be 0..100"),
        (lambda: Sus((3,) * 9), "10 items"),
        (lambda: Sus((3,) * 9 + (6,)), "item 10 must be 1..5"),
        (lambda: questionnaire_from_dict("nasa_tlx", {"mental": 5}), "missing physical"),
        (lambda: questionnaire_from_dict("ueq", {}), "unknown questionnaire"),
    ],
)
def test_invalid_answers_are_rejected(make, message):
    with pytest.raises(ValueError, match=message):
        make()
