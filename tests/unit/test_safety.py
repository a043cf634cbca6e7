import pytest

from app.web.safety import safe_next_url


@pytest.mark.parametrize("target", ["/panel/", "/panel/team?tab=1", "/"])
def test_local_paths_are_kept(target: str) -> None:
    assert safe_next_url(target) == target


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)",
        "panel",
        "/a\nb",
    ],
)
def test_anything_else_falls_back(target: str | None) -> None:
    assert safe_next_url(target, "/home") == "/home"
