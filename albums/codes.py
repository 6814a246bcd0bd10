"""Album codes: random, short, easy to read aloud and forgiving when typed."""

import re
import secrets

# Crockford's base32: no I, L, O or U, so nothing is mistaken for 1, 0 or V.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 8  # 40 bits
_CONFUSABLE = str.maketrans({"I": "1", "L": "1", "O": "0"})
_SEPARATORS = re.compile(r"[\s\-_.]+")


# Link tokens: what the album's link and QR code carry instead of the code.
# 24 random bytes (192 bits), URL-safe base64: nobody guesses one, so opening
# an album by its link needs no lookup limit at all.
LINK_TOKEN_LENGTH = 32


def generate_link_token():
    return secrets.token_urlsafe(24)


def generate_code():
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize_code(typed):
    """The canonical code for what someone typed, or None if it cannot be one."""
    code = _SEPARATORS.sub("", typed or "")
    # Only ASCII counts: str.upper() turns some other letters into ASCII ones
    # ("ı" -> "I", "ſ" -> "S", "ﬀ" -> "FF"), which would make them codes.
    if not code.isascii():
        return None
    code = code.upper().translate(_CONFUSABLE)
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def format_code(code):
    """K7QM2XPA -> K7QM-2XPA, for reading aloud and printing."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"
