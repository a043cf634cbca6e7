import pytest

from app.web.safety import AddressProblem, redirect_address_problem, safe_next_url


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


@pytest.mark.parametrize(
    "address",
    [
        "https://shop.example/thanks",
        "https://shop.example:8443/thanks?order=1#top",
        "HTTPS://Shop.Example/",
        "https://bücher.example/danke",
        "https://shop.example./thanks",
    ],
)
def test_public_https_addresses_may_receive_paid_buyers(address: str) -> None:
    assert redirect_address_problem(address, allow_http=False) is None


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("http://shop.example/", AddressProblem.SCHEME),
        ("javascript:alert(1)", AddressProblem.SCHEME),
        ("//shop.example/", AddressProblem.MALFORMED),
        ("shop.example", AddressProblem.MALFORMED),
        ("https://", AddressProblem.MALFORMED),
        ("https://shop.example:port/", AddressProblem.MALFORMED),
        ("https://shop.example/a b", AddressProblem.MALFORMED),
        ("https://shop.example\\@evil.example/", AddressProblem.MALFORMED),
        ("https://a:b@shop.example/", AddressProblem.USER_INFO),
        ("https://@shop.example/", AddressProblem.USER_INFO),
        ("https://192.168.1.1/", AddressProblem.IP_ADDRESS),
        ("https://[fe80::1]/", AddressProblem.IP_ADDRESS),
        ("https://127.1/", AddressProblem.IP_ADDRESS),
        ("https://0x7f000001/", AddressProblem.IP_ADDRESS),
        ("https://LOCALHOST/", AddressProblem.LOCAL_HOST),
        ("https://app.localhost/", AddressProblem.LOCAL_HOST),
    ],
)
def test_other_addresses_are_refused_with_their_reason(
    address: str, problem: AddressProblem
) -> None:
    assert redirect_address_problem(address, allow_http=False) is problem


def test_http_is_allowed_only_when_asked() -> None:
    assert redirect_address_problem("http://shop.example/", allow_http=True) is None
    assert (
        redirect_address_problem("http://127.0.0.1/", allow_http=True) is AddressProblem.IP_ADDRESS
    )
