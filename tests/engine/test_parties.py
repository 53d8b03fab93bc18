import pytest

from service.engine.parties import custom_matcher
from service.engine.text import tokens


def found(registry, text):
    return [(text[m.start : m.end], m.party, m.member) for m in registry.matcher.find(text, tokens(text))]


def parties(registry, text):
    return [p for _, p, _ in found(registry, text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Rusia menyerang.", ["Russia"]),
        ("Pertemuan Rusia-AS di Istanbul.", ["Russia", "United States"]),
        ("Sikap Rusianya berubah.", ["Russia"]),
        ("Kasus itu atas nama kas negara.", []),
        ("delegasi AS tiba", ["United States"]),
        ("sama seperti as biasa", []),
        ("pro-Rusia dan anti-Amerika", ["Russia", "United States"]),
        ("Gedung Putih dan Kremlin", ["United States", "Russia"]),
        (
            "Moskow, Moscow, Washington, Kyiv, Kiev, Beijing",
            ["Russia", "Russia", "United States", "Ukraine", "Ukraine", "China"],
        ),
        # Phrases that only contain an alias ("not_mentions" in the registry).
        ("Kursus bahasa Inggris dibuka, sementara Inggris mengecam Rusia.", ["United Kingdom", "Russia"]),
        ("Negara-negara Eropa Timur mendesak Uni Eropa.", ["European Union"]),
        ("Amerika Latin menunggu sikap Amerika Serikat.", ["United States"]),
    ],
)
def test_builtin_matching(registry, text, expected):
    assert parties(registry, text) == expected


def test_people_roll_up_into_their_party(registry):
    hits = found(registry, "Vladimir Putin, Lavrov dan Peskov bertemu Trump, Rubio, Vance dan Witkoff.")
    assert [p for _, p, _ in hits] == ["Russia"] * 3 + ["United States"] * 4
    assert hits[0][2] == "Vladimir Putin"


def test_cased_alias_ignored_in_all_caps_chrome(registry):
    assert parties(registry, "KLIK DI SINI AS SEEN ON TV SEKARANG JUGA") == []


def test_registry_resolves_names_and_aliases(registry):
    assert registry.resolve("Rusia") == "Russia"
    assert registry.resolve("russia") == "Russia"
    assert registry.resolve("AS") == "United States"
    assert registry.resolve("Kremlin") == "Russia"
    assert registry.resolve("as") is None
    assert registry.resolve("Atlantis") is None


def test_required_parties_present(registry):
    required = {
        "Russia",
        "United States",
        "Ukraine",
        "European Union",
        "United Kingdom",
        "France",
        "Germany",
        "China",
        "NATO",
        "United Nations",
        "Israel",
        "Palestine",
        "Hamas",
        "Iran",
        "Türkiye",
        "Saudi Arabia",
        "Qatar",
        "Egypt",
        "India",
        "Japan",
        "North Korea",
        "South Korea",
        "Indonesia",
        "ASEAN",
    }
    assert required <= {p.name for p in registry.parties}


def test_custom_matcher_escapes_and_respects_words():
    m = custom_matcher("Partai (X)", ["a.b*c", "KPK"])
    text = "Kata a.b*c dan KPK; kpk kecil tidak, Partai (X) ya."
    hits = [text[h.start : h.end] for h in m.find(text, tokens(text))]
    assert hits == ["a.b*c", "KPK", "Partai (X)"]
