"""`_base.split_place`: "City, State, Country" lines, including country names that hold a comma."""

from __future__ import annotations

import pytest

from trialmart.sources._base import split_place


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Seoul, Korea, Republic of", ("Seoul", None, "Korea, Republic of")),
        ("Seoul, 03080, Korea, Republic of", ("Seoul", None, "Korea, Republic of")),
        ("Tehran, Iran, Islamic Republic of", ("Tehran", None, "Iran, Islamic Republic of")),
        ("Chisinau, Moldova, Republic of", ("Chisinau", None, "Moldova, Republic of")),
        (
            "Kinshasa, Congo, The Democratic Republic of the",
            ("Kinshasa", None, "Congo, The Democratic Republic of the"),
        ),
        ("Gaza, Palestinian Territories, Occupied", ("Gaza", None, "Palestinian Territories, Occupied")),
        ("Taipei, Taiwan, Province of China", ("Taipei", None, "Taiwan, Province of China")),
        ("Korea, Republic of", (None, None, "Korea, Republic of")),
        ("Suwon, Gyeonggi-do, Korea, Republic of", ("Suwon", "Gyeonggi-do", "Korea, Republic of")),
    ],
)
def test_country_names_with_a_comma_stay_whole(line, expected) -> None:
    assert split_place(line) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Boston, Massachusetts, 02114, United States", ("Boston", "Massachusetts", "United States")),
        ("Paris, France", ("Paris", None, "France")),
        ("China", (None, None, "China")),
        # "Republic of" alone is no country: nothing to merge with
        ("Dublin, Ireland", ("Dublin", None, "Ireland")),
    ],
)
def test_plain_places_split_as_before(line, expected) -> None:
    assert split_place(line) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Lyon Cedex 03, France", ("Lyon Cedex 03", None, "France")),
        ("Bratislava 37, Slovakia", ("Bratislava 37", None, "Slovakia")),
        ("Munich, D-80336, Germany", ("Munich", None, "Germany")),
        ("London, SW1A 1AA, United Kingdom", ("London", None, "United Kingdom")),
        ("Shanghai, Shanghai Municipality, 200025, China", ("Shanghai", "Shanghai Municipality", "China")),
    ],
)
def test_postal_codes_are_dropped_but_names_with_digits_kept(line, expected) -> None:
    assert split_place(line) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("México, D. F., Distrito Federal, Mexico", ("México, D. F.", "Distrito Federal", "Mexico")),
        (
            "Washington, D.C., District of Columbia, United States",
            ("Washington, D.C.", "District of Columbia", "United States"),
        ),
        # with no state after it, the registry more often has the district as the state
        ("Mexico City, D.f., Mexico", ("Mexico City", "D.f.", "Mexico")),
    ],
)
def test_a_capital_district_between_city_and_state_belongs_to_the_city(line, expected) -> None:
    assert split_place(line) == expected
