from app.core.colours import READABLE_CONTRAST, contrast_with_white


def test_contrast_with_white_follows_wcag() -> None:
    assert round(contrast_with_white("#000000"), 1) == 21.0
    assert round(contrast_with_white("#ffffff"), 1) == 1.0
    assert round(contrast_with_white("#3b4cca"), 1) == 6.8
    assert contrast_with_white("#ffcc00") < READABLE_CONTRAST
    assert contrast_with_white("#767676") >= READABLE_CONTRAST  # the classic threshold grey
