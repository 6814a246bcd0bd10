"""Every shipped language is complete: makemessages, run over the project
into a copy of locale/, finds no string without a translation, and none
marked fuzzy (a guess gettext made that nobody reviewed). So a new string
can't ship in English only: add its translations to locale/*/LC_MESSAGES/
(README: Languages)."""

import re
import shutil
import subprocess
import sys

import pytest
from django.conf import settings

SHIPPED = [code for code, _name in settings.LANGUAGES if code != "en"]
DOMAINS = ["django", "djangojs"]
# What makemessages must not read: the virtualenv, and code that isn't ours
# (vendored files, test fixtures).
IGNORED = [".venv", "*/tests/*", "test-artifacts", "staticfiles", "bench"]
STATISTICS = re.compile(
    r"(\d+) translated messages?(?:, (\d+) fuzzy translations?)?"
    r"(?:, (\d+) untranslated messages?)?"
)


def _statistics(po_file):
    """(translated, fuzzy, untranslated) counts of a .po file, by msgfmt."""
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po_file)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, f"{po_file}: {result.stderr}"
    match = STATISTICS.search(result.stderr)
    assert match, result.stderr
    return tuple(int(count or 0) for count in match.groups())


@pytest.fixture(scope="module")
def fresh_catalogs(tmp_path_factory):
    """locale/ as makemessages leaves it after reading the project now."""
    if shutil.which("msgfmt") is None:
        pytest.fail("gettext is not installed (apt-get install gettext; ./dev does it)")
    # makemessages writes each file's strings to the locale/ beside or above
    # it: so it reads the project through links in a scratch folder, whose
    # locale/ is a copy, and the real one stays as it is.
    root = tmp_path_factory.mktemp("catalogs")
    locale = root / "locale"
    shutil.copytree(settings.BASE_DIR / "locale", locale)
    for name in ["accounts", "albums", "core", "partyshots", "photos", "templates"]:
        (root / name).symlink_to(settings.BASE_DIR / name)
    (root / "static").mkdir()
    (root / "static" / "js").symlink_to(settings.BASE_DIR / "static" / "js")
    (root / "catalog_settings.py").write_text(
        "from partyshots.settings import *  # noqa: F403\n"
        f"LOCALE_PATHS = [{str(locale)!r}]\n"
    )
    for domain in DOMAINS:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "django",
                "makemessages",
                "--symlinks",
                "--domain",
                domain,
                "--no-obsolete",
                "--verbosity",
                "0",
                *[f"--locale={code}" for code in SHIPPED],
                *[f"--ignore={pattern}" for pattern in IGNORED],
            ],
            cwd=root,
            env={
                "PATH": "/usr/bin:/bin",
                "PYTHONPATH": f"{root}:{settings.BASE_DIR}",
                "DJANGO_SETTINGS_MODULE": "catalog_settings",
                "SECRET_KEY": "catalog check",
            },
            check=True,
        )
    return locale


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", SHIPPED)
def test_every_string_is_translated(fresh_catalogs, language, domain):
    po_file = fresh_catalogs / language / "LC_MESSAGES" / f"{domain}.po"
    translated, fuzzy, untranslated = _statistics(po_file)
    assert translated > 0
    assert (fuzzy, untranslated) == (0, 0), (
        f"{language} ({domain}): {untranslated} untranslated and {fuzzy} fuzzy "
        f"strings; run `manage.py makemessages -l {language} -d {domain}` and "
        f"translate them in locale/{language}/LC_MESSAGES/{domain}.po"
    )
