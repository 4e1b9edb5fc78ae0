"""How the simulated delivery picks the way each report gets signed."""

from __future__ import annotations

from collections import Counter

from simulation.customers import CodeRefused, PlatformPhones
from simulation.delivery import DeliveryStats, SimulatedDelivery
from simulation.field import customer_phone


def _delivery(**rates: float) -> SimulatedDelivery:
    return SimulatedDelivery(
        "http://127.0.0.1:9",
        PlatformPhones(None, number_of=customer_phone),
        seed=3,
        **rates,  # type: ignore[arg-type]
    )


def test_ways_follow_the_rates_and_an_order_and_its_reissues_go_the_same_way() -> None:
    delivery = _delivery(on_site_rate=0.6, never_sign_rate=0.1)
    ids = [f"SIM3-{n:06d}" for n in range(4000)]
    ways = Counter(delivery.way(order_id) for order_id in ids)
    assert abs(ways["on_site"] / 4000 - 0.6) < 0.03
    assert abs(ways["never"] / 4000 - 0.1) < 0.02
    assert ways["remote"] == 4000 - ways["on_site"] - ways["never"]
    assert all(delivery.way(f"{o}.R1") == delivery.way(o) for o in ids[:200])


def test_no_signing_on_site_and_no_refusals_means_every_report_goes_by_link() -> None:
    delivery = _delivery(on_site_rate=0.0, never_sign_rate=0.0)
    assert {delivery.way(f"SIM3-{n:06d}") for n in range(500)} == {"remote"}


def test_customers_who_gave_up_are_counted_by_way_so_a_run_stops_waiting_for_them() -> None:
    stats = DeliveryStats()
    stats.gave_up.update(
        {"SIM3-000001": "remote", "SIM3-000002": "on_site", "SIM3-000003": "never"}
    )
    assert stats.given_up(never=False) == 2  # will never be archived
    assert stats.given_up(never=True) == 1  # never signs, and never got its link either


class _LateTextBrowser:
    """The hub's side of the code form: only the newest code is good."""

    def __init__(self, good: str) -> None:
        self.good = good
        self.entered: list[str] = []

    async def enter_code(self, code: str) -> None:
        self.entered.append(code)
        if code != self.good:
            raise CodeRefused("code refused: 400")


class _PhoneWithANewerText:
    async def code_text(self, order_id: str, *, after: int, timeout_s: float) -> tuple[str, int]:
        assert after == 1  # after the late text the customer already read
        return "您的签字验证码 222222，5 分钟内有效", 2


async def test_a_customer_whose_late_code_is_refused_types_the_newer_one() -> None:
    """Under load a first code text can arrive after the customer asked again; the hub then
    refuses it (the newer code replaced it) and the customer waits for the newer text."""
    delivery = _delivery(on_site_rate=0.0, never_sign_rate=0.0)
    delivery.phones = _PhoneWithANewerText()  # type: ignore[assignment]
    browser = _LateTextBrowser(good="222222")

    await delivery._enter_newest_code(browser, "SIM3-000001", "验证码 111111", 1)  # type: ignore[arg-type]

    assert browser.entered == ["111111", "222222"]
