"""``net.bounded_json``: nesting and number length bounded, everything else exactly ``json``."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from freeride.net import bounded_json

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**18), 10**18) | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20,
)


@given(JSON_VALUES)
def test_within_the_bounds_it_reads_what_json_reads(value: object) -> None:
    text = json.dumps(value)
    assert bounded_json.loads(text, max_depth=100) == json.loads(text)


def test_nesting_counts_brackets_outside_strings_only() -> None:
    assert bounded_json.nesting('{"a": [1, {"b": "[[[{{{"}], "c": "\\"]]"}') == 3
    assert bounded_json.nesting('"[[["') == 0


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[" * 40 + "]" * 40, "nested 40 levels deep; at most 32"),
        ("1" * 65, "a number of 65 characters; at most 64"),
        ("[-" + "1" * 70 + "]", "a number of 71 characters"),
        ("1." + "0" * 80, "a number of 82 characters"),
    ],
)
def test_past_the_bounds_it_refuses_with_one_error(text: str, says: str) -> None:
    with pytest.raises(bounded_json.TooComplex, match=says):
        bounded_json.loads(text)


def test_constants_go_through_the_hook() -> None:
    assert bounded_json.loads("[NaN, Infinity]", parse_constant=lambda _c: None) == [None, None]
