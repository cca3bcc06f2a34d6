"""Long text cut into Discord messages: at lines, code fences closed and reopened, nothing lost."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from freeride.adapters.discord.split import split_content


def test_short_text_is_one_message() -> None:
    assert split_content("hello") == ["hello"]
    assert split_content("") == []


def test_cuts_fall_between_lines() -> None:
    lines = [f"line {i:04d} " + "x" * 40 for i in range(200)]
    parts = split_content("\n".join(lines))
    assert len(parts) > 1
    assert all(len(p) <= 2_000 for p in parts)
    assert [line for p in parts for line in p.split("\n")] == lines


def test_a_code_block_is_closed_and_reopened_with_its_language() -> None:
    body = "\n".join(f"row {i} " + "y" * 50 for i in range(100))
    parts = split_content(f"Orders:\n```python\n{body}\n```\ndone")
    assert len(parts) > 1
    for part in parts:
        assert len(part) <= 2_000
        assert part.count("```") % 2 == 0, part[:80]
    assert parts[1].startswith("```python\n")


def test_a_line_longer_than_a_message_is_cut_at_spaces() -> None:
    words = " ".join(f"word{i}" for i in range(1_000))
    parts = split_content(words)
    assert all(len(p) <= 2_000 for p in parts)
    assert " ".join(parts).split() == words.split()


@given(st.text(alphabet=st.sampled_from("ab \n`"), max_size=6_000))
def test_never_over_the_limit(text: str) -> None:
    assert all(0 < len(p) <= 2_000 for p in split_content(text))
