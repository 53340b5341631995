from decimal import Decimal

from kaohe_xl.campaign import Campaign


def test_small_campaign_loads(campaign: Campaign) -> None:
    rubric = campaign.rubric
    assert [c.cap for c in rubric.scored_categories] == [Decimal(6), Decimal(4)]
    assert [u.id for u in campaign.units] == ["01", "02", "03"]
    assert campaign.units[1].emails == ("xishan@example.cn", "xs2@example.cn")
