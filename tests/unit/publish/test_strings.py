"""Every user-facing string of the report lives in assets/publish/strings.py: the templates hold
no English of their own, every key they use exists, and each plural has both forms."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assets.publish import strings
from assets.publish.report import TEMPLATES

JINJA = re.compile(r"{{.*?}}|{%.*?%}|{#.*?#}", re.S)
KEYS = re.compile(r"""\bt\(\s*["']([a-z0-9_]+)["']|\btn\(\s*["']([a-z0-9_]+)["']""")


def _text_of(template: str) -> str:
    """What a template shows by itself: markup, Jinja, styles and entities removed."""
    text = re.sub(r"<style>.*?</style>", " ", template, flags=re.S)
    text = re.sub(r"{% block layer_css %}.*?{% endblock %}", " ", text, flags=re.S)  # CSS
    text = JINJA.sub(" ", text)
    text = re.sub(r"<[^>]*>", " ", text)
    return re.sub(r"&[a-z#0-9]+;", " ", text)


@pytest.mark.parametrize("path", sorted(TEMPLATES.glob("*.html")), ids=lambda p: p.name)
def test_templates_hold_no_english_of_their_own(path: Path) -> None:
    words = re.findall(r"[A-Za-z]{2,}", _text_of(path.read_text(encoding="utf-8")))
    assert words == [], f"{path.name}: move these words to strings.py: {words[:10]}"


def test_the_check_sees_english_text() -> None:
    assert re.findall(r"[A-Za-z]{2,}", _text_of("<p>{{ t('x') }} Hello</p>")) == ["Hello"]


def test_every_key_used_exists() -> None:
    sources = [p.read_text(encoding="utf-8") for p in TEMPLATES.glob("*.html")]
    sources += [p.read_text(encoding="utf-8") for p in TEMPLATES.parent.glob("*.py")]
    used_t = {m.group(1) for s in sources for m in KEYS.finditer(s) if m.group(1)}
    used_tn = {m.group(2) for s in sources for m in KEYS.finditer(s) if m.group(2)}
    assert used_t and used_tn
    prefixes = {k for k in used_t if k.endswith("_")}  # t("dir_note_" ~ direction)
    assert all(any(e.startswith(p) for e in strings.EN) for p in prefixes)
    assert sorted(k for k in used_t - prefixes if k not in strings.EN) == []
    assert (
        sorted(k for k in used_tn if f"{k}_one" not in strings.EN or f"{k}_other" not in strings.EN)
        == []
    )


def test_khmer_falls_back_to_english_until_translated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(strings, "LANG", "km")
    assert strings.t("site_lang") == "km"
    assert strings.t("summary_h") == strings.EN["summary_h"]  # not yet translated
    monkeypatch.setitem(strings.KM, "summary_h", "សង្ខេប")
    assert strings.t("summary_h") == "សង្ខេប"
    with pytest.raises(KeyError, match="no report string"):
        strings.t("no_such_key")
    assert strings.tn("sum_gaps_missing", 1, reasons="r") == "1 is missing: r."
