"""Text measured as a renderer wraps it: CJK one em, others 0.62, the Chinese line rule."""

from __future__ import annotations

from kaohe_xl.xlsx import measure


def test_cjk_counts_double_against_the_column_width() -> None:
    # width 20 → 7 px × 20 − 5 px padding = 135 px = 101.25 pt: ten 10-pt CJK characters
    assert measure.wrap("测" * 10, 20, 10) == ["测" * 10]
    assert measure.wrap("测" * 11, 20, 10) == ["测" * 10, "测"]
    assert len(measure.wrap("0" * 16, 20, 10)) == 1 and len(measure.wrap("0" * 17, 20, 10)) == 2
    assert len(measure.wrap("测" * 10, 20, 12)) == 2  # the font size counts too


def test_no_line_starts_with_closing_punctuation_nor_ends_with_an_opener() -> None:
    lines = measure.wrap("测" * 10 + "，扣分", 20, 10)
    assert lines == ["测" * 9, "测，扣分"]
    lines = measure.wrap("测" * 9 + "（1分）", 20, 10)
    assert not lines[0].endswith("（") and lines[1].startswith("（")
    for text in ("测试，" * 20, "内容（2分）；" * 10, "。。。。" * 8):
        for line in measure.wrap(text, 12, 10)[1:]:
            assert line[0] not in measure.CLOSING or set(line) <= measure.CLOSING, (text, line)


def test_words_are_kept_whole_and_newlines_kept() -> None:
    assert measure.wrap("abc defgh ijk", 8, 10) == ["abc", "defgh", "ijk"]  # six narrow characters a line
    assert measure.wrap("abcdefghijkl", 5, 10) == ["abc", "def", "ghi", "jkl"]  # a word longer than a line
    assert measure.wrap("第一行\n第二行", 40, 10) == ["第一行", "第二行"]


def test_heights_hold_the_lines_at_the_font_size() -> None:
    one, three = measure.lines_height(1, 10), measure.lines_height(3, 10)
    assert one >= 10 * 1.4 and three - one == 2 * measure.line_points(10)
    assert measure.row_height([("测" * 25, 20, 10), ("短", 8, 10)]) == three  # the tallest cell decides
    assert measure.row_height([("", 20, 10)], 20.0) == 20.0


def test_fit_scale_is_the_largest_a_renderer_uses() -> None:
    assert measure.fit_scale([10] * 10, landscape=False) == 1.0  # 70 units fit A4 portrait at 100 %
    scale = measure.fit_scale([10] * 12, landscape=False)  # 630 pt on 537.6 pt
    assert 0.8 < scale < 1 and abs(12 * measure.column_points(10) * scale - measure.printable(False)[0]) < 0.01
