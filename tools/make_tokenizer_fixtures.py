#!/usr/bin/env python3
"""Golden fixtures for the Swift WordPiece tokenizer (Sources/SqueezeBERT/Tokenizer).

What this is for: it writes a small vocabulary of its own and, for a few hundred tricky strings,
what Hugging Face's reference tokenizers make of them, so that Tests/SqueezeBERTTests/
TokenizerTests.swift can demand exact equality. It is not a benchmark and not a model export.

The reference is the slow `BertTokenizer(do_lower_case=True)` of transformers 4.57.6 for ids and
tokens, and `BertTokenizerFast` (tokenizers 0.22.2) for character offsets, since only the fast one
reports offsets. The two disagree on a few strings, always because their normalisers differ:
  - the slow one lower-cases first and strips accents after NFD; the fast one strips accents and
    then lower-cases, so "İ" (whose lower case is "i" + U+0307 COMBINING DOT ABOVE) keeps a combining
    mark in the fast tokenizer only;
  - the fast one uses Rust's Unicode tables, which are newer than Python 3.11's Unicode 14, so code
    points assigned after Unicode 14 are dropped by the slow one (category Cn) but kept by the fast.
The Swift tokenizer follows the slow one, so for those strings the fixture records
`"fast_agrees": false` and no offsets, and the test compares offsets only where the ids agree.
Offsets are also left out where the ids agree but the two normalisers do not produce the same
text (see `offsets_comparable`): the fast tokenizer's character tables are older still for marks
(it keeps some Mn added after Unicode 8, e.g. U+0B55) and keep unassigned code points, so a word
that is "[UNK]" for both can still span different characters.

The vocabulary is built here from the lists below (specials, ASCII and its "##" forms, accented
letters, Greek and Cyrillic, some CJK and Hangul, a few emoji, common English words and pieces
cut from them). It is not taken from any released model. One token is listed twice on purpose:
Hugging Face's `load_vocab` keeps the later line's id, and so must the Swift loader.

Python 3.11 carries Unicode 14 tables while Swift 6.3 carries Unicode 17. The Swift tokenizer
treats code points assigned after Unicode 14 as unassigned, which the fixtures check with a few of
them; apart from those, the random strings only draw from blocks whose properties did not change.

Usage: make_tokenizer_fixtures.py VOCAB_OUT CASES_OUT
(the committed copies live in Tests/SqueezeBERTTests/Fixtures/tokenizer/).
"""

import json
import os
import random
import sys
import unicodedata

from transformers import BertTokenizer, BertTokenizerFast
from transformers.tokenization_utils import _is_control, _is_whitespace

SPECIALS = ["[PAD]", "[unused0]", "[unused1]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

WORDS = """
the of and to in a is that for it as was with be by on not he i this are or his from at which but
have an they you were her she there been one all we their has would when if so no will more can
what about out up them some could other into its then two these may first any new time like our
only over also after most made did many before must through back years where much your way well
down should because each just those people how too little state good very make world still own see
men work long get here between both life being under never day same another know while last might
us great old year off come since against go came right used take three states himself few house use
during without again place american around however home small found mrs thought went say part once
general high upon school every don does got united left number course war until always away something
fact though water less public put think almost hand enough far took head yet government system better
set told nothing night end why called didn eyes find going look asked later knew point next program
city business give group toward young days let room president side social present given several order
national possible rather second face per among form important often things looked early white case
john become large big need four within felt along children saw best church ever least power development
light thing seemed family interest want members mind country area others done turned although open god
service problem certain kind different thus began door help sense means whole matter perhaps itself york
times law human line above name example action company hands local show five history whether gave
either today act feet across taken past quite anything seen having death experience body word half
really week free field car words already themselves information tell together college shall money period
held keep sure probably real seems behind cannot miss political air question making office brought
whose special major heard problems ago became federal moment study available known result street economic
boy position reason change south board individual job areas society west close turn love community true
court force full seem am wife age policy everything toward voice rest hello world card cards account
transfer money payment pending declined refund balance exchange rate top fee fees charge charged cash
atm pin phone lost stolen limit verify identity movie film story funny boring great bad good plot actor
actors acting script scene scenes characters character director performance drama comedy heart moving
beautiful terrible awful brilliant dull entertaining worst best lovely waste mess masterpiece wonderful
unaffable affable running jumped quickly slowly happiness unhappiness international internationalization
tokenizer token tokens word piece wordpiece unicode accent accents cafe naive resume email url http https
www com org example test hi there mask cls sep pad unk dog cat café über straße ελληνικά москва
""".split()

PREFIXES = ["un", "re", "in", "dis", "over", "under", "pre", "inter", "trans", "non", "anti"]
SUFFIXES = ["s", "es", "ed", "ing", "ly", "er", "ers", "est", "ness", "ment", "ments", "tion",
            "tions", "able", "ible", "al", "ial", "ful", "less", "ize", "ization", "ity", "ous", "ive",
            "y", "ies", "'s", "n't"]

ACCENTED = list("àáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿßıłœšžčřęąńśźżőű")
GREEK = [chr(c) for c in range(0x3B1, 0x3CA)]            # α..ω including final sigma ς
CYRILLIC = [chr(c) for c in range(0x430, 0x450)]          # а..я
CJK = list("中国人日本大学的是一不了在有我他这个们来到时上为和地说年生") + ["\u8c48", "\u6ed1", "\u4e00"]
KANA = list("あいうえおかきくけこアイウエオカキクケコがぎ")
HANGUL_JAMO = ["\u1112", "\u1100", "\u110b"]                # initial consonants
HANGUL_CONT = ["\u1161", "\u1175", "\u11ab", "\u11af"]      # vowels and finals, continuation only
EMOJI = ["😀", "👍", "❤", "🎉", "🙂", "👨", "👩", "👧", "🏽"]
SYMBOLS = list("€£¥©®™°·•…–—“”‘’«»¿¡§¶") + ["½", "²", "µ"]
NUMBERS = ["0", "1", "10", "100", "12", "2020", "2024", "3", "14", "99", "000"]


def reference_normalized(text):
    """The text the slow tokenizer's normaliser makes (special tokens aside): per-character lower
    case, cleaning, spaces around CJK ideographs, NFD without Mn. Same form as the fast one's."""
    out = []
    for character in text:
        for c in character.lower():
            if c in "\x00\ufffd" or _is_control(c):
                continue
            if _is_whitespace(c) or c.isspace():  # U+2028 and U+2029 survive cleaning but split words
                out.append(" ")
            elif is_chinese(ord(c)):
                out.append(" " + c + " ")
            else:
                out.append(c)
    decomposed = unicodedata.normalize("NFD", "".join(out))
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def is_chinese(cp):
    """`BasicTokenizer._is_chinese_char`."""
    return any(low <= cp <= high for low, high in [
        (0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
        (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F)])


def offsets_comparable(fast, text, ids):
    """Whether the fast tokenizer's offsets for `text` can stand for the slow one's: same ids, and
    both normalisers turn the text into the same characters."""
    if fast(text)["input_ids"] != ids:
        return False
    return fast.backend_tokenizer.normalizer.normalize_str(text) == reference_normalized(text)


def build_vocab():
    """The fixture vocabulary, one token per entry, id = position."""
    vocab = list(SPECIALS)
    seen = set(vocab)

    def add(token):
        if token not in seen:
            seen.add(token)
            vocab.append(token)

    for c in range(33, 127):
        add(chr(c))
    for c in range(33, 127):
        add("##" + chr(c))
    for group in (ACCENTED, GREEK, CYRILLIC, EMOJI, SYMBOLS, HANGUL_JAMO):
        for ch in group:
            add(ch)
            add("##" + ch)
    for ch in HANGUL_CONT:
        add("##" + ch)
    for ch in CJK + KANA:
        add(ch)
    for n in NUMBERS:
        add(n)
        add("##" + n)
    for w in WORDS:
        add(unicodedata.normalize("NFD", w.lower()).encode("ascii", "ignore").decode() or w)
        add(w)
    for p in PREFIXES:
        add(p)
    for s in SUFFIXES:
        add("##" + s)
    # Sub-words cut from the word list: a head and its "##" tail, as WordPiece training would keep.
    for w in WORDS:
        if len(w) >= 6 and w.isascii():
            add(w[:4])
            add("##" + w[4:])
            add("##" + w[2:4])
    vocab.append("the")  # deliberate duplicate: Hugging Face maps "the" to this later line
    return vocab


def handmade_cases():
    """Strings chosen one by one for the edge they probe."""
    long_word = "a" * 101
    cases = [
        "", " ", "   ", "\t", "\n", "\r\n", " \t\r\n ", "\u00a0", "\u3000", "\u2028", "\u2029",
        "Hello, world!", "hello world", "HELLO WORLD", "Hello   world", "hello\tworld\r\nagain",
        "unaffable", "UNAFFABLE", "Unaffable internationalization", "running jumped quickly",
        "don't", "I can't believe it's not butter!", "e.g. i.e. etc.", "...", "?!?!", "!!!???...",
        "--", "(a)", "[x]", "{y}", "<tag>", "\"quoted\"", "'single'", "`tick`", "a/b\\c|d",
        "~^$#@%&*+=_", "C'est la vie", "rock'n'roll",
        "3.14159", "1,000,000", "-42", "+7", "1e-10", "2024-01-31", "12:30pm", "$100.00", "€50", "50%",
        "https://www.example.com/path?query=1&x=2#frag", "http://test.org", "user@example.com",
        "first.last+tag@sub.example.org", "www.example.com",
        "café", "cafe\u0301", "CAFÉ", "CAFE\u0301", "naïve résumé", "Über Straße", "STRASSE", "ß", "ẞ",
        "ﬁ", "Æsir", "Ørsted", "Łódź", "Ångström", "\u212bngstrom", "\u2126hm", "\u212aelvin",
        "İstanbul", "istanbul", "ISTANBUL", "ı", "I\u0307", "i\u0307", "\u0130",
        "ΟΔΟΣ", "οδος", "Σ", "σς", "ΣΑΣ ΣΑΣ.", "Ελληνικά", "ἀρχή", "ᾼ", "Α\u0345",
        "Москва", "МОСКВА", "ёж", "Ёж",
        "中国", "我是中国人", "中文English混合", "日本語のテキスト", "カタカナ", "がぎ", "か\u3099",
        "\uf900", "\ufa6d", "\U0002f800", "\U00020000", "한국어", "한", "\u1112\u1161\u11ab",
        "😀", "😀😀😀", "hi😀there", "👍🏽", "👨\u200d👩\u200d👧", "👨‍👩‍👧‍👦", "❤️", "🇺🇸", "1️⃣",
        "🏳️‍🌈", "🙂🙂 🙂",
        "zero\u200bwidth", "zero\u200cnon\u200djoiner", "\ufeffbom", "word\u2060joiner", "soft\u00adhyphen",
        "nul\x00char", "\x00", "\x00\x00 \x00", "rep\ufffdlacement", "\ufffd", "bell\x07", "del\x7f",
        "esc\x1b[31mred", "nel\x85line", "\x0bvt\x0cff", "\x1c\x1d\x1e\x1f", "c1\x80\x9f",
        "\u0301", "\u0301\u0301", "a\u0301\u0302\u0303", "a\u0316\u0301", "a\u0301\u0316",
        "\U0001d165\U0001d16d", "\U0001d16d\U0001d165", "x\U0001d16e\U0001d16d\U0001d165y",
        "\u0e01\u0e34\u0e48", "\u0915\u093c", "\u0958",
        "ＦＵＬＬＷＩＤＴＨ", "ｆｕｌｌ", "１２３", "！？", "（括弧）", "、。", "「引用」",
        "\u00bd", "x\u00b2", "\u00b5", "\u2160", "\u2460",
        "hi[MASK]there", "hi [MASK] there", "[MASK]", "[mask]", "[Mask]", "[CLS] a [SEP] b [SEP]",
        "[PAD][PAD]", "[UNK]", "[unk]", "[[MASK]]", "[MASK", "MASK]", "x[SEP]", "[SEP]y", "[MA\u200bSK]",
        "[unused0]", "[CLS][SEP][PAD][UNK][MASK]", "Straße[MASK]Café",
        long_word, "a" * 100, "b" + "\u0301" * 100, long_word + " ok " + long_word,
        "ab" * 60 + "!", "x" * 99 + "é",
        "zzzqqq", "qwxz", "the the the", "The", "THE",
        "\ue000", "private\ue000use", "\U000f0000", "\U00100000x",
        "\u0378", "gap\u0378here", "\ufdd0", "non\ufffecharacter", "\U0001fffe", "\U00050000",
        "\U0001e030", "kawi\U00011f00", "\U0002b739", "\U00031350", "\U0001cc00",
        "\u0295", "\U0001171e", "a\U0001171eb",
        "\u1fef", "a\u1fefb", "\u037e", "\u0387", "\u00b4", "\u1fed",
        "\u2018smart quotes\u2019 \u201cdouble\u201d", "em\u2014dash en\u2013dash", "ellipsis\u2026",
        "tab\there", "multi\n\nline\n", "  leading and trailing  ",
    ]
    # Long inputs: past 128 and past 512 tokens, so truncation is exercised on both sides.
    cases.append(" ".join(["hello world,"] * 70))
    cases.append(" ".join(["the movie was great, wasn't it?"] * 80))
    cases.append("中" * 600)
    cases.append(("unaffable " * 200).strip())
    return cases


def random_cases(count, seed=20240531):
    """Seeded strings that mix the categories above, to catch interactions nobody thought of."""
    rng = random.Random(seed)
    words = WORDS + ["Unaffable", "HELLO", "Wörld", "ÉCOLE", "über", "Straße", "ΟΔΟΣ", "Москва", "İyi"]
    combining = ["\u0300", "\u0301", "\u0302", "\u0303", "\u0308", "\u030a", "\u0316", "\u0327", "\u0345"]
    pieces = {
        "word": lambda: rng.choice(words),
        "upper": lambda: rng.choice(words).upper(),
        "title": lambda: rng.choice(words).title(),
        "punct": lambda: "".join(rng.choice("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~¡¿«»…—–") for _ in range(rng.randint(1, 4))),
        "number": lambda: rng.choice(["3.14", "42", "1,000", "-7", "2024", "0.5%", "#1", "12:00"]),
        "accent": lambda: rng.choice("aeiouAEIOUnc") + "".join(rng.choice(combining) for _ in range(rng.randint(1, 3))),
        "composed": lambda: "".join(rng.choice(ACCENTED + [c.upper() for c in ACCENTED if c.upper() != c]) for _ in range(rng.randint(1, 5))),
        "greek": lambda: "".join(rng.choice("ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩαβγδεζηθικλμνξοπρσςτυφχψω") for _ in range(rng.randint(1, 6))),
        "cyrillic": lambda: "".join(rng.choice("АБВГДЕЁЖЗИЙКЛМНОПабвгдеёжзийклмноп") for _ in range(rng.randint(1, 6))),
        "cjk": lambda: "".join(rng.choice(CJK + KANA + ["\uf900", "\u3002", "\uff01"]) for _ in range(rng.randint(1, 5))),
        "hangul": lambda: "".join(chr(rng.randint(0xAC00, 0xD7A3)) for _ in range(rng.randint(1, 3))),
        "emoji": lambda: rng.choice(["😀", "👍🏽", "👨\u200d👩\u200d👧", "❤️", "🇺🇸", "1️⃣", "🎉", "🙂"]),
        "zero_width": lambda: rng.choice(["\u200b", "\u200c", "\u200d", "\ufeff", "\u2060", "\u00ad"]),
        "control": lambda: rng.choice(["\x00", "\x01", "\x07", "\x1b", "\x7f", "\x85", "\x9f", "\ufffd"]),
        "space": lambda: rng.choice([" ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u3000", "\u2028", "\u2009"]),
        "special": lambda: rng.choice(["[MASK]", "[mask]", "[CLS]", "[SEP]", "[PAD]", "[UNK]", "[MASK"]),
        "fullwidth": lambda: "".join(chr(rng.randint(0xFF01, 0xFF5E)) for _ in range(rng.randint(1, 4))),
        "odd": lambda: rng.choice(["\ue000", "\U000f0000", "İ", "ß", "ẞ", "ﬁ", "\u2126", "\u212a"]),
        "long": lambda: rng.choice(words) * rng.randint(10, 30),
    }
    names = sorted(pieces)
    cases = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(1, 12)):
            parts.append(pieces[rng.choice(names)]())
            if rng.random() < 0.6:
                parts.append(" ")
        cases.append("".join(parts))
    return cases


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    vocab_out, cases_out = sys.argv[1], sys.argv[2]
    vocab = build_vocab()
    for path in (vocab_out, cases_out):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(vocab_out, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(vocab) + "\n")

    slow = BertTokenizer(vocab_out, do_lower_case=True)
    # Built from the same file (not via save_pretrained, which rewrites the duplicate line away).
    fast = BertTokenizerFast(vocab_file=vocab_out, do_lower_case=True)

    texts = handmade_cases() + random_cases(240)
    cases = []
    disagreements = 0
    incomparable = 0
    for text in texts:
        ids = slow(text)["input_ids"]
        ids128 = slow(text, truncation=True, max_length=128)["input_ids"]
        tokens = slow.convert_ids_to_tokens(ids)
        fast_enc = fast(text, return_offsets_mapping=True)
        agrees = fast_enc["input_ids"] == ids
        case = {"text": text, "ids": ids, "tokens": tokens, "fast_agrees": agrees}
        if ids128 != ids:
            case["ids_max128"] = ids128
        if not agrees:
            disagreements += 1
        elif not offsets_comparable(fast, text, ids):
            incomparable += 1
        else:
            case["offsets"] = [list(pair) for pair in fast_enc["offset_mapping"]]
        cases.append(case)

    with open(cases_out, "w", encoding="utf-8") as f:
        json.dump({"reference": "transformers 4.57.6 BertTokenizer(do_lower_case=True); offsets from "
                                "tokenizers 0.22.2 BertTokenizerFast",
                   "cases": cases}, f, ensure_ascii=True, separators=(",", ":"))
        f.write("\n")
    print(f"{len(vocab)} vocab entries, {len(cases)} cases, {disagreements} where fast and slow ids differ, "
          f"{incomparable} more without offsets because the normalisers differ")


if __name__ == "__main__":
    main()
