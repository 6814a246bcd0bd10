"""Property tests of albums.codes.normalize_code: every code survives sloppy
typing, nothing else becomes a code, and no input makes it raise."""

from hypothesis import example, given, settings
from hypothesis import strategies as st

from albums.codes import ALPHABET, LENGTH, generate_code, normalize_code

codes = st.text(alphabet=ALPHABET, min_size=LENGTH, max_size=LENGTH)
# What a person types for each character: either case, and the letters that
# look like 0 and 1.
LOOKALIKES = {"0": "0Oo", "1": "1IiLl"}
SEPARATORS = st.sampled_from(["", "", "", " ", "-", "  ", " - ", "\t", "_", "."])
# Characters that are never part of a code: not in the alphabet in either
# case, not a look-alike, not a separator.
FOREIGN = st.sampled_from(
    list("Uu!@#$%^&*()+=/\\|?,;:'\"<>[]{}~`\x00\x7féÉøßÖ€😀") + ["\u200b", "\ufeff"]
)


@st.composite
def code_and_typing(draw):
    """A code and one way of typing it."""
    code = draw(codes)
    picks = draw(st.lists(st.integers(0, 4), min_size=LENGTH, max_size=LENGTH))
    separators = draw(st.lists(SEPARATORS, min_size=LENGTH + 1, max_size=LENGTH + 1))
    typed = separators[0]
    for character, pick, separator in zip(code, picks, separators[1:], strict=True):
        options = LOOKALIKES.get(character, character + character.lower())
        typed += options[pick % len(options)] + separator
    return code, typed


@settings(max_examples=1500, deadline=None)
@given(code_and_typing())
@example(("K7QM2XPA", " k7qm-2xpa "))
@example(("0001111A", "oOo-iIlL-a"))
def test_any_code_survives_sloppy_typing(case):
    code, typed = case
    assert normalize_code(typed) == code


@settings(max_examples=1000, deadline=None)
@given(codes, st.integers(min_value=0, max_value=LENGTH), FOREIGN)
def test_a_foreign_character_anywhere_means_no_code(code, position, foreign):
    assert normalize_code(code[:position] + foreign + code[position:]) is None


@settings(max_examples=1000, deadline=None)
@given(
    st.text(alphabet=ALPHABET, max_size=3 * LENGTH).filter(
        lambda text: len(text) != LENGTH
    )
)
def test_the_wrong_length_means_no_code(text):
    assert normalize_code(text) is None


@settings(max_examples=1500, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet=st.characters(codec="utf-8")), st.none()))
@example("\x00" * 8)
@example("K7QM\x002XPA")
@example("ｋ７ｑｍ２ｘｐａ")  # Full-width letters and digits.
@example("x" * 100_000)
def test_any_text_gives_none_or_a_canonical_code(text):
    code = normalize_code(text)
    assert code is None or (len(code) == LENGTH and set(code) <= set(ALPHABET))
    # A canonical code normalises to itself: entering it twice changes nothing.
    assert code is None or normalize_code(code) == code


@settings(max_examples=200, deadline=None)
@given(st.integers())
def test_generated_codes_are_canonical(_seed):
    code = generate_code()
    assert normalize_code(code) == code


@settings(max_examples=1000, deadline=None)
# Unicode spaces (NBSP, U+0085...) are separators like ASCII ones.
@given(
    codes,
    st.integers(min_value=0, max_value=LENGTH),
    st.characters(min_codepoint=0x80).filter(lambda c: not c.isspace()),
)
@example("K7QM2XPA", 4, "ı")  # Dotless i: upper-cases to I, which would read as 1.
@example("K7QM2XPA", 4, "ſ")  # Long s: upper-cases to S.
def test_only_ascii_letters_count(code, position, character):
    # Whatever a non-ASCII character upper-cases to, it never makes a code,
    # not even when it stands in for a letter the code needs.
    assert normalize_code(code[:position] + character + code[position:]) is None
    assert normalize_code(code[:position] + character + code[position + 1 :]) is None


def test_letters_that_upper_case_to_ascii_are_not_codes():
    assert normalize_code("K7QM-2XPA") == "K7QM2XPA"
    for typed in (
        "K7QM-2XPı",
        "ſ7QM-2XPA",
        "K7QM-2XPA".replace("A", "ａ"),
        "\ufb00" + "7QM2XP",
    ):
        assert normalize_code(typed) is None, typed
