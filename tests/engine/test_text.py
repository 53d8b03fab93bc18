from service.engine.text import chrome_spans, mask_chrome, split_sentences


def test_mask_chrome_keeps_offsets_and_removes_furniture():
    text = (
        "ARTICLE AD BOX\nJakarta - Rusia dan AS bertemu.\nBaca juga: Iran kecam Israel\n"
        "55 menit yang lalu\nloading...\nFollow WA Channel detikcom untuk berita terbaru"
    )
    masked = mask_chrome(text)
    assert len(masked) == len(text)
    assert "Rusia dan AS bertemu." in masked
    for chrome in ("ARTICLE AD BOX", "Iran kecam Israel", "55 menit yang lalu", "loading...", "Follow WA"):
        assert chrome not in masked
    assert chrome_spans("Tidak ada iklan di sini.") == []


def test_inline_chrome_is_masked_inside_a_line():
    text = "Putin memuji Turki. ADVERTISEMENT SCROLL TO CONTINUE WITH CONTENT Kremlin diam."
    masked = mask_chrome(text)
    assert "ADVERTISEMENT" not in masked and "Kremlin diam." in masked


def test_sentences_respect_abbreviations_and_offsets():
    text = "U.S. officials met Dr. Lavrov. Talks ended! Kemudian, Kyiv bereaksi.\nBaris baru"
    spans = [text[s.start : s.end] for s in split_sentences(text)]
    assert spans == ["U.S. officials met Dr. Lavrov.", "Talks ended!", "Kemudian, Kyiv bereaksi.", "Baris baru"]


def test_sentences_of_blank_text():
    assert split_sentences("   \n\n  ") == []


def test_media_names_in_datelines_are_masked():
    text = "Istanbul, CNN Indonesia -- Rusia bertemu AS. Jakarta (ANTARA) - Indonesia menang."
    masked = mask_chrome(text)
    assert "CNN Indonesia" not in masked and "(ANTARA)" not in masked
    assert masked.endswith("Indonesia menang.") and len(masked) == len(text)
