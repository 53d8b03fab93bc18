"""Target-aware mention features: the behaviours the model relies on."""

from collections import Counter

from service.engine.features import FEATURE_FAMILIES, LEGACY_FAMILIES, document_features, mention_features


def _features(sentence: str, target: str) -> Counter:
    start = sentence.index(target)
    return Counter(mention_features(sentence, 0, len(sentence), (start, start + len(target))))


def test_target_becomes_one_token_with_window_and_side_words() -> None:
    f = _features("Menlu Retno memuji Rusia pada Senin.", "Rusia")
    assert f["w:<t>"] == 1 and "w:rusia" not in f
    assert f["L1:memuji"] == 1 and f["R1:pada"] == 1
    assert f["L:menlu"] == 1 and f["R:senin"] == 1


def test_negation_marks_words_and_flips_lexicon_polarity() -> None:
    f = _features("Jakarta tidak mendukung Rusia.", "Rusia")
    assert f["w:NOT_mendukung"] == 1
    assert f["lex:neg"] == 1 and "lex:pos" not in f


def test_other_parties_add_side_features() -> None:
    s = "Rusia mengecam Ukraina dan Amerika Serikat."
    start = s.index("Ukraina")
    others = [(0, 5), (s.index("Amerika"), s.index("Amerika") + len("Amerika Serikat"))]
    f = Counter(mention_features(s, 0, len(s), (start, start + 7), others))
    assert f["o:L"] == 1 and f["o:R"] == 1


def test_negation_scope_ends_at_punctuation() -> None:
    f = _features("Jakarta tidak hadir, tetapi mendukung Rusia.", "Rusia")
    assert f["w:NOT_hadir"] == 1 and f["w:mendukung"] == 1
    assert f["lex:pos"] == 1 and "lex:neg" not in f


def test_indonesian_affixes_share_a_stem() -> None:
    def stems(sentence: str) -> set[str]:
        return {f for f in _features(sentence, "Rusia") if f.startswith("s:")}

    assert stems("Menlu mendukung Rusia.") == stems("Rusia didukung menlu.") == {"s:dukung"}
    assert stems("Dukungan untuk Rusia.") == {"s:dukung"}


def test_quotes_mark_a_target_inside_them() -> None:
    assert _features('Ia berkata, "Rusia gagal."', "Rusia")["tp:inquote"] == 1
    assert "tp:inquote" not in _features('"Gagal," kata Rusia.', "Rusia")


def test_english_inflections_share_a_prefix_and_affixed_indonesian_words_do_not_get_one() -> None:
    def prefixes(sentence: str) -> set[str]:
        return {f for f in _features(sentence, "Russia") if f.startswith("p:")}

    assert prefixes("Critics criticized Russia.") == prefixes("Russia faced criticism.") == {"p:criti"}
    assert prefixes("They are not supporting Russia.") == {"p:NOT_suppo"}
    # "mengkritik" has a stem (s:kritik); short words get neither.
    assert prefixes("Menlu mengkritik Russia.") == set()
    assert prefixes("Russia faced new curbs.") == set()


def test_document_features_carry_no_prefixes() -> None:
    assert not [f for f in document_features("Critics criticized the sanctions.") if f.startswith("p:")]


def test_english_news_words_are_lexicon_hits_only_for_bundles_with_that_family() -> None:
    s = "Lawmakers lambasted Russia."
    span = (s.index("Russia"), s.index("Russia") + 6)
    assert "lexicon-en" in FEATURE_FAMILIES
    assert Counter(mention_features(s, 0, len(s), span))["lex:neg"] == 1
    older = frozenset({"base", "prefix"})
    assert "lex:neg" not in mention_features(s, 0, len(s), span, families=older)
    assert "lex:neg" in document_features(s) and "lex:neg" not in document_features(s, families=older)


def test_a_legacy_bundle_gets_no_prefix_features() -> None:
    s = "Critics criticized Russia."
    span = (s.index("Russia"), s.index("Russia") + 6)
    assert "p:criti" in mention_features(s, 0, len(s), span)
    assert not [f for f in mention_features(s, 0, len(s), span, families=LEGACY_FAMILIES) if f.startswith("p:")]
