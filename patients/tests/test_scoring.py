"""Worked examples for each questionnaire, computed by hand from the published scoring rules."""

from decimal import Decimal

import pytest

from patients import scoring


class TestOswestry:
    def test_all_ten_sections_answered(self):
        # 3+2+1+4+0+2+3+1+2+2 = 20 of a possible 50 -> 40 %
        result = scoring.odi([3, 2, 1, 4, 0, 2, 3, 1, 2, 2])
        assert result == scoring.Score(Decimal("40.0"), "moderate")

    def test_one_section_skipped_divides_by_forty_five(self):
        # sex-life section skipped: 16 / 45 * 100 = 35.555… -> 35.6 %
        result = scoring.odi([2, 2, 1, 3, 1, 2, 2, None, 2, 1])
        assert result.value == Decimal("35.6")
        assert result.band == "moderate"

    @pytest.mark.parametrize(
        ("scores", "value", "band"),
        [
            ([0] * 10, "0.0", "minimal"),
            ([1] * 10, "20.0", "minimal"),  # the top of a band belongs to it
            ([1] * 9 + [2], "22.0", "moderate"),
            ([3] * 10, "60.0", "severe"),
            ([3] * 9 + [4], "62.0", "crippling"),
            ([4] * 10, "80.0", "crippling"),
            ([5] * 9 + [4], "98.0", "bed-bound"),
            ([5] * 10, "100.0", "bed-bound"),
        ],
    )
    def test_bands(self, scores, value, band):
        assert scoring.odi(scores) == scoring.Score(Decimal(value), band)

    def test_rejects_out_of_range_and_wrong_length(self):
        with pytest.raises(ValueError):
            scoring.odi([6] + [0] * 9)
        with pytest.raises(ValueError):
            scoring.odi([0] * 9)
        with pytest.raises(ValueError):
            scoring.odi([None] * 10)


class TestPSFS:
    def test_mean_of_three(self):
        assert scoring.psfs([3, 5, 8]).value == Decimal("5.33")

    def test_mean_of_five(self):
        assert scoring.psfs([0, 10, 4, 6, 5]).value == Decimal("5.00")

    def test_one_activity_is_enough(self):
        assert scoring.psfs([4]).value == Decimal("4.00")

    @pytest.mark.parametrize("scores", [[], [1, 2, 3, 4, 5, 6], [11, 2, 3], [-1, 2, 3]])
    def test_rejects(self, scores):
        with pytest.raises(ValueError):
            scoring.psfs(scores)


class TestStartBack:
    def test_low_risk_total_three(self):
        result = scoring.startback([True, True, True, False, False, False, False, False], "moderately")
        assert result == scoring.Score(Decimal(3), "low")

    def test_medium_risk_total_five_subscale_three(self):
        answers = [True, True, False, False, True, True, False, False]  # subscale 2 + item 9
        result = scoring.startback(answers, "very_much")
        assert result == scoring.Score(Decimal(5), "medium")
        assert scoring.startback_subscale(answers, "very_much") == 3

    def test_high_risk_subscale_four(self):
        answers = [False, False, False, False, True, True, True, False]
        result = scoring.startback(answers, "extremely")
        assert result == scoring.Score(Decimal(4), "high")

    def test_item_nine_counts_only_for_very_much_or_extremely(self):
        base = [True, True, True, False, False, False, False, False]
        assert scoring.startback(base, "moderately").value == 3
        assert scoring.startback(base, "very_much").value == 4
        assert scoring.startback(base, "extremely").band == "medium"

    def test_everything_positive_is_high(self):
        assert scoring.startback([True] * 8, "extremely") == scoring.Score(Decimal(9), "high")


class TestGROC:
    @pytest.mark.parametrize(("rating", "band"), [(-7, "worse"), (0, "unchanged"), (7, "better")])
    def test_range(self, rating, band):
        assert scoring.groc(rating) == scoring.Score(Decimal(rating), band)

    @pytest.mark.parametrize("rating", [-8, 8])
    def test_rejects_outside_range(self, rating):
        with pytest.raises(ValueError):
            scoring.groc(rating)
