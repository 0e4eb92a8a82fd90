"""Numbers in a sentence, read by each language's conventions, and the check that
the English keeps the French's numbers.

`mentions(text, lang)` finds every number of a French ("fr") or English ("en")
sentence as a `Mention`: where it is, how it is written, and the values it may
stand for. One value per reading, so conventions meet on values, not on digits:

* thousands and decimals: French `10 000` (any space, no-break ones included),
  `10.000`, `3,5`; English `10,000`, `3.5`. A separator that could be either
  (French `1.500`, English `1,5`) gives both readings;
* scales: `90 M$`, `2 Md€`, `1,5 million`, `3 milliards` / `$90m`, `2bn`,
  `1.5 million` (the bare number stays a reading too: `entre 1 et 0,5 milliard`
  is `0.5 - 1 billion`); French `billion` is 10^12;
* ordinals and centuries: `1er`, `2e`, `XXe siècle` / `1st`, `20th`, `twentieth`;
* times: `18 h 30`, `18h`, `18 heures` / `6:30 pm`, `6.30 a.m.`, `18:30` (a
  French `1h30` may also be a duration, 1.5 hours);
* numbers written as words on either side (`dix`, `quatre-vingt-dix`, `deux
  cents` / `ten`, `twenty-five`, `a hundred`), month names (`novembre` is 11, so
  `11/09` meets `September 11`), decades (`années 80` / `1980s`, `eighties`);
* signs are not values (`-3 %` is "down 3%"), ranges are two numbers, and a
  code (`A380`, `G20`) is compared whole.

Numbers written with digits are *strong*; words, month names and Roman regnal
numbers are *weak*: they can answer a strong number on the other side, but are
never missed themselves, since translations turn "un", "premier" or "deux fois"
into words that are no numbers ("a", "Prime", "twice"). `number_mismatch` pairs
the two sides' mentions on shared values and returns the strong ones left over.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from typing import Iterable

__all__ = ["Mention", "mentions", "number_mismatch", "mismatch_detail"]


@dataclass(frozen=True)
class Mention:
    """A number in a sentence: its span, its text, what it may stand for."""

    start: int
    end: int
    text: str
    values: frozenset[str]   # readings: "12.5", "t18:30" (a time), "cA380" (a code)
    strong: bool = True      # written with digits: missing it is a mismatch
    unit: str = ""           # a unit of measure after it ("kg", "lb"): conversions meet
    amount: Decimal | None = None   # its value in that unit


SPACES = " \u00a0\u202f\u2009"
_SPACE = f"[{SPACES}]"
_NOT_AFTER_LETTER = r"(?<![^\W\d_])"   # not glued to a letter before it (A380 is a code)

# ---------------------------------------------------------------- word numbers
FR_UNITS = {
    "zéro": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
    "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14,
    "quinze": 15, "seize": 16, "vingt": 20, "vingts": 20, "trente": 30, "quarante": 40,
    "cinquante": 50, "soixante": 60, "septante": 70, "huitante": 80, "octante": 80, "nonante": 90,
}
FR_SCALES = {"cent": 100, "cents": 100, "mille": 1000, "million": 10**6, "millions": 10**6,
             "milliard": 10**9, "milliards": 10**9}
FR_ORDINALS = {
    "premier": 1, "première": 1, "premiers": 1, "premières": 1, "second": 2, "seconde": 2,
    "deuxième": 2, "troisième": 3, "quatrième": 4, "cinquième": 5, "sixième": 6, "septième": 7,
    "huitième": 8, "neuvième": 9, "dixième": 10, "onzième": 11, "douzième": 12, "treizième": 13,
    "quatorzième": 14, "quinzième": 15, "seizième": 16, "vingtième": 20, "trentième": 30,
    "quarantième": 40, "cinquantième": 50, "soixantième": 60, "centième": 100, "millième": 1000, "unième": 1,
}
# Approximate amounts and fractions: "une dizaine" is "about ten", "la moitié" is half (50 %).
FR_AMOUNTS = {"dizaine": 10, "dizaines": 10, "douzaine": 12, "douzaines": 12, "quinzaine": 15,
              "vingtaine": 20, "trentaine": 30, "quarantaine": 40, "cinquantaine": 50,
              "soixantaine": 60, "centaine": 100, "centaines": 100, "millier": 1000, "milliers": 1000,
              "décennie": 10, "décennies": 10, "moitié": 50, "demi": 50, "demie": 50, "quart": 25,
              "tiers": 3}
FR_MONTHS = {"janvier": 1, "février": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
             "août": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12}

EN_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
EN_SCALES = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9, "trillion": 10**12}
EN_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50,
    "sixtieth": 60, "hundredth": 100, "thousandth": 1000,
}
EN_AMOUNTS = {"dozen": 12, "dozens": 12, "decade": 10, "decades": 10, "half": 50, "quarter": 25,
              "couple": 2, "once": 1, "twice": 2, "twenties": 20, "thirties": 30, "forties": 40,
              "fifties": 50, "sixties": 60, "seventies": 70, "eighties": 80, "nineties": 90,
              "hundreds": 100, "thousands": 1000}
EN_MONTHS = {"january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
             "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
             "jan": 1, "feb": 2, "aug": 8, "sept": 9, "oct": 10, "nov": 11, "dec": 12}
# Words that are numbers only beside another number word ("a hundred"; "un" and "one"
# alone are weak numbers: they may answer a "1" but are never missed).
FR_ALONE_NOT: set[str] = set()
EN_ALONE_NOT = {"a", "an"}

# Scales written after digits. French "billion" is 10^12; the bare number is always
# a reading as well (see the module's doc).
FR_SCALE_SUFFIX = {"million": 10**6, "millions": 10**6, "milliard": 10**9, "milliards": 10**9,
                   "md": 10**9, "mds": 10**9, "mrd": 10**9, "mrds": 10**9, "m": 10**6, "k": 10**3,
                   "mille": 10**3, "milles": 10**3, "billion": 10**12, "billions": 10**12}
EN_SCALE_SUFFIX = {"million": 10**6, "millions": 10**6, "billion": 10**9, "billions": 10**9,
                   "trillion": 10**12, "bn": 10**9, "b": 10**9, "m": 10**6, "mn": 10**6, "k": 10**3,
                   "thousand": 10**3}
FR_ORDINAL_SUFFIX = r"(?:er|re|ère|ères|ere|eres|ers|e|es|ème|èmes|eme|emes|è|nd|nde|ds|des)"
EN_ORDINAL_SUFFIX = r"(?:st|nd|rd|th)"


# Units of measure after a number, and how metric converts to the units English-language
# news uses (a reporter's "15 m" is a translator's "50ft").
FR_UNITS_RE = re.compile(
    _SPACE + r"?(?:de" + _SPACE + r"+|d['’])?(?P<unit>km/h|km²|km2|kilomètres?" + _SPACE + r"+carrés?|kilomètres?"
    r"|m³|m3|mètres?" + _SPACE + r"+cubes?|m²|m2|mètres?" + _SPACE + r"+carrés?|mètres?|km|cm|mm|m"
    r"|kilogrammes?|kilos?|kg|grammes?|g|tonnes?|t|litres?|l|°C|°|degrés|hectares?|ha)(?![^\W\d_])",
    re.IGNORECASE)
EN_UNITS_RE = re.compile(
    r"[\s-]?(?:of" + _SPACE + r"+)?(?P<unit>mph|miles?" + _SPACE + r"+(?:an|per)" + _SPACE + r"+hour"
    r"|square" + _SPACE + r"+miles?|sq" + _SPACE + r"?mi|cubic" + _SPACE + r"+f(?:ee|oo)t|miles?|mi|feet|foot|ft"
    r"|inch(?:es)?|in|yards?|yds?|pounds?|lbs?|ounces?|oz|tons?|gallons?|°F|degrees" + _SPACE + r"+Fahrenheit"
    r"|acres?|F)(?![^\W\d_])")
FR_UNIT_NAMES = [("km/h", "km/h"), ("km²", "km2"), ("km2", "km2"), ("kilomètre carré", "km2"),
                 ("kilomètres carrés", "km2"), ("m³", "m3"), ("m3", "m3"), ("mètre cube", "m3"),
                 ("mètres cubes", "m3"), ("m²", "m2"), ("m2", "m2"), ("mètre carré", "m2"),
                 ("mètres carrés", "m2"), ("km", "km"), ("kilomètre", "km"), ("kilomètres", "km"),
                 ("cm", "cm"), ("mm", "mm"), ("m", "m"), ("mètre", "m"), ("mètres", "m"), ("kg", "kg"),
                 ("kilo", "kg"), ("kilos", "kg"), ("kilogramme", "kg"), ("kilogrammes", "kg"), ("g", "g"),
                 ("gramme", "g"), ("grammes", "g"), ("t", "t"), ("tonne", "t"), ("tonnes", "t"), ("l", "l"),
                 ("litre", "l"), ("litres", "l"), ("°c", "c"), ("°", "c"), ("degrés", "c"),
                 ("ha", "ha"), ("hectare", "ha"), ("hectares", "ha")]
# metric unit → {English unit: factor} (temperatures apart)
CONVERSIONS = {
    "km/h": {"mph": 0.621371}, "km": {"mi": 0.621371}, "m": {"ft": 3.28084, "yd": 1.09361},
    "cm": {"in": 0.393701, "ft": 0.0328084}, "mm": {"in": 0.0393701}, "kg": {"lb": 2.20462},
    "g": {"oz": 0.035274}, "t": {"ton": 1.10231, "lb": 2204.62}, "l": {"gal": 0.264172},
    "ha": {"acre": 2.47105}, "m3": {"ft3": 35.3147}, "km2": {"mi2": 0.386102}, "m2": {"ft2": 10.7639},
}
CONVERSION_TOLERANCE = 0.005   # beyond the English's own rounding (see converts)


def _unit_name(found: str, lang: str) -> str:
    text = re.sub(_SPACE + "+", " ", found.lower())
    if lang == "fr":
        return dict(FR_UNIT_NAMES).get(text, "")
    for prefix, name in (("mph", "mph"), ("miles an", "mph"), ("miles per", "mph"), ("mile an", "mph"),
                         ("square", "mi2"), ("sq", "mi2"), ("cubic", "ft3"), ("mi", "mi"), ("fe", "ft"),
                         ("fo", "ft"), ("ft", "ft"), ("inch", "in"), ("in", "in"), ("y", "yd"), ("p", "lb"),
                         ("lb", "lb"), ("ou", "oz"), ("oz", "oz"), ("ton", "ton"), ("gal", "gal"),
                         ("°f", "f"), ("degrees", "f"), ("f", "f"), ("acre", "acre")):
        if text.startswith(prefix):
            return name
    return ""


def _unit_after(text: str, end: int, lang: str) -> str:
    match = (FR_UNITS_RE if lang == "fr" else EN_UNITS_RE).match(text, end)
    return _unit_name(match.group("unit"), lang) if match else ""


def converts(fr: "Mention", en: "Mention") -> bool:
    """The English states the French's quantity in another unit (kg → pounds,
    km/h → mph, °C → °F), rounded as translators round."""
    if fr.amount is None or en.amount is None or not fr.unit or not en.unit:
        return False
    other = float(en.amount)
    metrics = {float(fr.amount)} | {float(v) for v in fr.values if v[0].isdigit()}
    return any(_converts_to(metric, fr.unit, other, en) for metric in metrics)


def _converts_to(metric: float, unit: str, other: float, en: "Mention") -> bool:
    # as precise as the English is written ("50ft" is 45 to 55, "2,032" 2,031.5 to
    # 2,032.5), and a little more for the factor's own rounding
    allowed = _half_unit(en) + abs(other) * CONVERSION_TOLERANCE
    if unit == "c" and en.unit == "f":
        return abs(metric * 9 / 5 + 32 - other) <= allowed
    factor = CONVERSIONS.get(unit, {}).get(en.unit)
    return factor is not None and abs(metric * factor - other) <= allowed


def _half_unit(mention: "Mention") -> float:
    """Half the unit of the last digit written (a round number's zeros are rounding)."""
    digits = re.search(r"\d[\d,]*(?:\.\d+)?", mention.text)
    if digits is None or mention.amount is None:
        return 0.5 * float(mention.amount or 0) / 10   # words: "two ounces"
    written = digits.group().replace(",", "")
    whole, _, decimals = written.partition(".")
    unit = 10.0 ** -len(decimals) if decimals else 10.0 ** (len(whole) - len(whole.rstrip("0")))
    scale = float(mention.amount) / float(written) if float(written) else 1.0
    return 0.5 * unit * scale


CONVENTIONS = {
    "fr": {"group": f"(?:{_SPACE}|\\.)", "decimal": ",", "scales": FR_SCALE_SUFFIX, "ordinal": FR_ORDINAL_SUFFIX,
           "units": FR_UNITS, "word_scales": FR_SCALES, "amounts": FR_AMOUNTS, "months": FR_MONTHS,
           "alone_not": FR_ALONE_NOT},
    "en": {"group": f"(?:,|{_SPACE})", "decimal": ".", "scales": EN_SCALE_SUFFIX, "ordinal": EN_ORDINAL_SUFFIX,
           "units": EN_UNITS, "word_scales": EN_SCALES, "amounts": EN_AMOUNTS, "months": EN_MONTHS,
           "alone_not": EN_ALONE_NOT},
}


def _language(lang: str) -> dict:
    """How a language writes its numbers (the tables above)."""
    return CONVENTIONS[lang]


def _number_re(lang: str) -> re.Pattern[str]:
    conv = _language(lang)
    other = "." if conv["decimal"] == "," else ","
    scales = "|".join(sorted(map(re.escape, conv["scales"]), key=len, reverse=True))
    return re.compile(
        _NOT_AFTER_LETTER + r"(?<![\d.,])"
        # digits, grouped by threes or not, then a decimal part (either mark: read below)
        rf"(?P<int>\d{{1,3}}(?:{conv['group']}\d{{3}})+(?!\d)|\d+)"
        rf"(?P<frac>[{re.escape(conv['decimal'] + other)}]\d+(?![\d]))?"
        # an ordinal ending (1er, 2nd) or a scale (90 M$, 2bn, 1,5 million), glued or spaced
        rf"(?:(?P<ord>{conv['ordinal']})(?!\w)"
        rf"|(?:{_SPACE}?(?:[$€£]{_SPACE}?)?)(?P<scale>{scales})(?!\w)"
        r"|(?P<decade>'?s)(?!\w))?",
        re.IGNORECASE)


_NUMBER_RE = {lang: _number_re(lang) for lang in ("fr", "en")}
_FR_TIME_RE = re.compile(
    _NOT_AFTER_LETTER + r"(?<![^\W\d_]-)(?<![\d.,])(?P<h>[01]?\d|2[0-4])" + _SPACE + r"?(?:h|heures?)"
    r"(?:" + _SPACE + r"?(?P<m>[0-5]\d)(?:" + _SPACE + r"?(?:min|minutes?))?)?(?![^\W\d_])", re.IGNORECASE)
_FR_CLOCK_RE = re.compile(
    r"(?<![\d.,:])(?P<h>[01]?\d|2[0-4])(?::(?P<m>[0-5]\d)|\.(?P<m2>[0-5]\d)(?=" + _SPACE + r"?(?:h\b|heures?)))(?![\d:])")
_EN_TIME_RE = re.compile(
    _NOT_AFTER_LETTER + r"(?<![\d.,])(?P<h>[01]?\d|2[0-4])(?:[:.](?P<m>[0-5]\d))?" + _SPACE
    + r"?(?P<ampm>[ap])\.?m\b\.?|" + _NOT_AFTER_LETTER + r"(?<![\d.,:])(?P<h2>[01]?\d|2[0-4]):(?P<m2>[0-5]\d)(?![\d:])",
    re.IGNORECASE)
# "2 millions et demi", "12 ans et demi": a half more
_AND_A_HALF = re.compile(r"(?:" + _SPACE + r"+[^\W\d_]+)?" + _SPACE + r"+et" + _SPACE + r"+demie?\b")
_HALF = {"fr": re.compile(_SPACE + r"+et" + _SPACE + r"+demie?\b"),
         "en": re.compile(r"[-" + SPACES + r"]+and[-" + SPACES + r"]+a[-" + SPACES + r"]+half\b")}
_THOUSANDS_REST = re.compile(_SPACE + r"+(\d{1,3})(?![\d,.])")
# 5 1/2, ½: a whole number and a fraction
_FRACTION_RE = re.compile(r"(?<![\d/.,])(?:(?P<whole>\d+)[ \u00a0-]?)?(?P<frac>1/2|1/4|3/4|½|¼|¾)(?![\d/])")
FRACTIONS = {"1/2": Decimal("0.5"), "½": Decimal("0.5"), "1/4": Decimal("0.25"), "¼": Decimal("0.25"),
             "3/4": Decimal("0.75"), "¾": Decimal("0.75")}
_HALF_A = re.compile(r"\bhalf[-" + SPACES + r"]+an?[-" + SPACES + r"]+(hundred|thousand|million|billion|dozen)\b",
                     re.IGNORECASE)
_OF_FINAL = re.compile(_SPACE + r"+de" + _SPACE + r"+finale\b")
# 20.12.2012, 24/11/2013: three numbers (the digits pass would read 20.12 as a decimal)
_DATE_RE = re.compile(r"(?<![\d.,/])(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?![\d])")
_ROMAN_RE = re.compile(r"\b(?P<roman>[IVXLC]{1,7})(?P<ord>e|er|ème|eme|è)?\b")
_CODE_RE = re.compile(r"\b[^\W\d_]+\d\w*|(?<![\d.,])\b\d+[^\W\d_]+\d\w*", re.UNICODE)
_UNIT_POWER_RE = re.compile(r"\d+(?:km|m|cm|mm|ft|mi)[23]", re.IGNORECASE)   # 47km2: a number and its unit
_WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)   # "d'un" is "d" and "un"
# What every pattern but the roman numerals' and the words' needs: a digit, or ½ ¼ ¾.
_DIGIT_OR_FRACTION_RE = re.compile(r"[\d½¼¾]")


def _roman(text: str) -> int | None:
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
    total = 0
    for index, char in enumerate(text):
        value = values[char]
        if index + 1 < len(text) and values[text[index + 1]] > value:
            total -= value
        else:
            total += value
    # only canonical spellings (no "IIII", "VX"): they are numbers, not acronyms
    return total if 0 < total < 400 and _to_roman(total) == text else None


def _to_roman(value: int) -> str:
    out = ""
    for number, letters in ((100, "C"), (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"),
                            (5, "V"), (4, "IV"), (1, "I")):
        while value >= number:
            out, value = out + letters, value - number
    return out


def _value(number: Decimal) -> str:
    """The canonical spelling of a value: no exponent, no trailing zeros."""
    text = format(number.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _digit_readings(match: re.Match[str], lang: str) -> list[Decimal]:
    """The values a written number may stand for, its scale aside, the language's
    own reading first."""
    integer, frac = match.group("int"), match.group("frac") or ""
    group_chars = SPACES + ("." if lang == "fr" else ",")
    plain = "".join(c for c in integer if c not in group_chars)
    readings: dict[Decimal, None] = {}   # ordered: the language's own reading first
    if not frac:
        readings[Decimal(plain)] = None
        # "10.000" in French, "10,000" in English: grouped; in the other language's
        # convention it would be a decimal ("1.500" may be 1.5 written the English way)
        separators = [c for c in integer if not c.isdigit()]
        if len(separators) == 1 and separators[0] in ".," and not integer.endswith("000"):
            head, _, tail = integer.partition(separators[0])
            readings[Decimal(f"{head}.{tail}")] = None
        return list(readings)
    digits = frac[1:]
    readings[Decimal(f"{plain}.{digits}")] = None
    if len(digits) == 3 and len(integer) <= 3:   # "80,000" in French, "1.500" in English: a grouping too
        readings[Decimal(plain + digits)] = None
    return list(readings)


def _digit_mentions(text: str, lang: str, taken: list[bool]) -> list[Mention]:
    conv = _language(lang)
    found = []
    for match in _NUMBER_RE[lang].finditer(text):
        if any(taken[match.start():match.end()]):
            continue
        readings = _digit_readings(match, lang)
        values: set[Decimal | str] = set(readings)
        scale_word = match.group("scale")
        amount = readings[0]
        unit = _unit_after(text, match.end(), lang)
        if scale_word:
            scale = conv["scales"][scale_word.lower()]
            if scale_word.lower() == "m" and not re.search("[$€£]", match.group()):
                unit = unit or ("m" if lang == "fr" else "")   # 15 m: metres, or millions
            else:
                amount = readings[0] * scale
            if lang == "fr" and scale_word.lower().startswith("billion"):
                values |= {r * 10**9 for r in readings}   # an anglicism, often
            values |= {r * scale for r in readings}

        end = match.end()
        rest = _THOUSANDS_REST.match(text, end) if scale_word and scale_word.lower().startswith("mille") else None
        if rest and not any(taken[rest.start(1):rest.end(1)]):   # 5 mille 352: 5352
            values.add(readings[0] * 1000 + int(rest.group(1)))
            end = rest.end()
        if lang == "fr" and _AND_A_HALF.match(text, match.end()):   # 2 millions et demi, 12 ans et demi
            scale = conv["scales"][scale_word.lower()] if scale_word else 1
            values |= {(r + Decimal("0.5")) * scale for r in readings}
        if lang == "fr" and match.group("ord") and _OF_FINAL.match(text, match.end()):
            values |= {r * 2 for r in readings}   # les 8es de finale: the last 16
        if match.group("decade"):   # 1980s, '80s
            for reading in readings:   # the 1980s, the '80s: both
                if reading >= 1000:
                    values.add(reading % 100)
                elif reading < 100:
                    values.add(reading + 1900)
        integer, frac = match.group("int"), match.group("frac")
        before = text[max(0, match.start() - 5):match.start()]
        if not frac and len(integer) == 2 and re.fullmatch(r"\d{4}[-/–]", before):
            values.add(Decimal(before[:2] + integer))   # 2013-14: 2014
        if lang == "fr" and re.fullmatch(r"(?:1[89]|20)?[0-9]0", integer) and re.search(
                "années" + _SPACE + "?$", text[:match.start()]):
            values.add(Decimal(int(integer) % 100))   # les années 1980: the eighties
            values.add(Decimal(1900 + int(integer) % 100))   # les années 80: the 1980s
        if lang == "en" and frac and frac[0] == "." and len(frac) == 3 and integer.isdigit() and int(integer) <= 24 and frac[1] < "6":
            values.add(f"t{int(integer)}:{frac[1:]}")   # 18.30: a time, British style
        found.append(_mention(match.start(), end, text,
                              {v if isinstance(v, str) else _value(v) for v in values}, True, taken,
                              unit, amount))
    return found


def _mention(start: int, end: int, text: str, values: Iterable[str], strong: bool,
             taken: list[bool], unit: str = "", amount: Decimal | None = None) -> Mention:
    for index in range(start, end):
        taken[index] = True
    return Mention(start, end, text[start:end], frozenset(values), strong, unit, amount)


def _time_mentions(text: str, lang: str, taken: list[bool]) -> list[Mention]:
    found = []
    if lang == "fr":
        for match in _FR_CLOCK_RE.finditer(text):   # 17:30 heures, 15.30 heures
            hour, minute = int(match.group("h")), int(match.group("m") or match.group("m2"))
            found.append(_mention(match.start(), match.end(), text, {f"t{hour % 24}:{minute:02d}"}, True, taken))
        for match in _FR_TIME_RE.finditer(text):
            if any(taken[match.start():match.end()]):
                continue
            hour, minute = int(match.group("h")), int(match.group("m") or 0)
            values = {f"t{hour % 24}:{minute:02d}", _value(Decimal(hour))}
            if match.group("m"):
                values.add(_value(Decimal(hour) + Decimal(minute) / 60))   # 1h30: an hour and a half
                values.add(_value(Decimal(minute)))
            found.append(_mention(match.start(), match.end(), text, values, True, taken))
    for match in _EN_TIME_RE.finditer(text):   # 6:30 pm, 9pm, 18:30 (and in French texts that use them)
        if any(taken[match.start():match.end()]):
            continue
        if match.group("h") is not None:
            hour, minute = int(match.group("h")), int(match.group("m") or 0)
            pm = match.group("ampm").lower() == "p"
            values = {f"t{(hour % 12) + (12 if pm else 0)}:{minute:02d}"}
        else:
            hour, minute = int(match.group("h2")), int(match.group("m2"))
            values = {f"t{hour % 24}:{minute:02d}", f"t{(hour + 12) % 24}:{minute:02d}"}
        if not minute:   # "1 a.m." answers "une heure du matin"
            values |= {str(hour), str((hour % 12) + 12)}
        found.append(_mention(match.start(), match.end(), text, values, True, taken))
    return found


def _fraction_mentions(text: str, taken: list[bool]) -> list[Mention]:
    found = []
    for match in _FRACTION_RE.finditer(text):
        if any(taken[match.start():match.end()]):
            continue
        value = Decimal(match.group("whole") or 0) + FRACTIONS[match.group("frac")]
        found.append(_mention(match.start(), match.end(), text, {_value(value)}, True, taken))
    return found


def _date_mentions(text: str, taken: list[bool]) -> list[Mention]:
    found = []
    for match in _DATE_RE.finditer(text):
        if any(taken[match.start():match.end()]):
            continue
        for group in (1, 3, 4):
            values = {_value(Decimal(match.group(group)))}
            if group == 4 and len(match.group(4)) == 2:   # 28.8.09
                values |= {str(2000 + int(match.group(4))), str(1900 + int(match.group(4)))}
            found.append(_mention(match.start(group), match.end(group), text, values, True, taken))
    return found


def _roman_mentions(text: str, lang: str, taken: list[bool]) -> list[Mention]:
    found = []
    for match in _ROMAN_RE.finditer(text):
        if any(taken[match.start():match.end()]):
            continue
        roman, ordinal = match.group("roman"), match.group("ord")
        value = _roman(roman)
        if value is None:
            continue
        if lang == "fr" and ordinal and roman not in ("L", "C"):   # XXe siècle, Ve République (not "Le", "Ce")
            found.append(_mention(match.start(), match.end(), text, {str(value)}, True, taken))
        elif not ordinal and len(roman) >= 2:   # Louis XIV, Jean-Paul II (never "I", "V", "X")
            found.append(_mention(match.start(), match.end(), text, {str(value)}, False, taken))
    return found


def _code_mentions(text: str, taken: list[bool]) -> list[Mention]:
    """Letters and digits glued in one token (A380, G20, H1N1): compared whole, or
    by its number ("Ariane 5" may be written "Ariane5"). Only a code of capitals
    and two digits or more is strong: CO2, km2, G8 or iphone6 may well be words
    in the other language. After a hyphen a number is a number (Meteor-3, post-2015,
    COVID-19)."""
    found = []
    for match in _CODE_RE.finditer(text):
        if any(taken[match.start():match.end()]):
            continue
        token = match.group()
        if _UNIT_POWER_RE.fullmatch(token):
            continue
        dimensions = re.fullmatch(r"(\d+)[xX×](\d+)(?:km|m|cm|mm)?", token)
        if dimensions:   # 50x60 cm, 4x50m: two numbers
            for group in (1, 2):
                found.append(_mention(match.start() + dimensions.start(group), match.start() + dimensions.end(group), text,
                                      {_value(Decimal(dimensions.group(group)))}, True, taken))
            continue
        numbers = re.findall(r"\d+", token)
        number = numbers[0] if token[0].isdigit() else numbers[-1]
        letters = re.sub(r"\d", "", token)
        strong = letters.isupper() and len(number) >= 2
        found.append(_mention(match.start(), match.end(), text,
                              {"c" + token.upper(), _value(Decimal(number))}, strong, taken))
    return found


# The words a number written in words can start with (a unit, a scale, an amount, a
# month, an ordinal, English "a"), and the endings of ordinals `_ordinal` reads: any
# other word is passed over at once.
_NUMBER_WORD_STARTS = {
    lang: (frozenset(conv["units"]) | frozenset(conv["word_scales"]) | frozenset(conv["amounts"])
           | frozenset(conv["months"]) | frozenset(FR_ORDINALS if lang == "fr" else EN_ORDINALS)
           | (frozenset({"a", "an"}) if lang == "en" else frozenset()),
           ("ième", "ièmes") if lang == "fr" else ("th",))
    for lang, conv in CONVENTIONS.items()}


def _word_mentions(text: str, lang: str, taken: list[bool]) -> list[Mention]:
    """Numbers written as words, one mention per run of number words ("vingt et un",
    "quatre-vingt-dix", "a hundred and five", "twenty-first")."""
    conv = _language(lang)
    units, scales = conv["units"], conv["word_scales"]
    amounts, months = conv["amounts"], conv["months"]
    found = _half_a_mentions(text, taken) if lang == "en" else []
    if True in taken:
        words = [(m.start(), m.end(), m.group().lower()) for m in _WORD_RE.finditer(text)
                 if not any(taken[m.start():m.end()])]
    else:  # (most sentences: no slice of `taken` to look at for each word)
        words = [(*m.span(), m.group().lower()) for m in _WORD_RE.finditer(text)]
    starters, suffixes = _NUMBER_WORD_STARTS[lang]
    index = 0
    while index < len(words):
        start, end, word = words[index]
        if word not in starters and not word.endswith(suffixes):
            index += 1  # (most words: none of the tests below can take them)
            continue
        ordinal = _ordinal(word, lang)
        if ordinal is not None or word in amounts or word in months:
            if not _verb_not_month(text, lang, start, word):
                value = ordinal or amounts.get(word) or months[word]
                found.append(_mention(start, end, text, {str(value)}, False, taken))
            index += 1
            continue
        a_scale = _a_before_scale(text, words, lang, index)
        if word not in units and word not in scales and not a_scale:
            index += 1
            continue
        run, cursor = _number_word_run(text, words, lang, index)
        mention = _number_word_mention(text, words, lang, run, cursor, taken)
        if mention is not None:
            found.append(mention)
        index = cursor
    return found


def _half_a_mentions(text: str, taken: list[bool]) -> list[Mention]:
    """English "half a million", "half a dozen": half the scale, a weak number."""
    found = []
    for match in _HALF_A.finditer(text):   # half a million
        if not any(taken[match.start():match.end()]):
            value = Decimal(EN_SCALES.get(match.group(1).lower(), 12)) / 2
            found.append(_mention(match.start(), match.end(), text, {_value(value)}, False, taken))
    return found


def _verb_not_month(text: str, lang: str, start: int, word: str) -> bool:
    """Whether an English "may" or "march" in lower case is the verb, not the month."""
    return lang == "en" and word in ("may", "march") and text[start].islower()


def _joined(text: str, words: list[tuple[int, int, str]], lang: str, left: int, right: int) -> bool:
    """Only spaces or a hyphen between two words (or a comma after "thousand":
    "one thousand, one hundred")."""
    gap = text[words[left][1]:words[right][0]]
    if lang == "en" and words[left][2] in ("thousand", "million", "billion", "trillion"):
        gap = gap.replace(",", "", 1)
    return not gap.strip(SPACES + "-")


def _hyphenated(text: str, words: list[tuple[int, int, str]], left: int, right: int) -> bool:
    """Whether only a hyphen joins two words ("twenty-first")."""
    return text[words[left][1]:words[right][0]] == "-"


def _a_before_scale(text: str, words: list[tuple[int, int, str]], lang: str, index: int) -> bool:
    """Whether the word at `index` is an English "a" or "an" that starts a number
    ("a hundred"): a scale word joined to it follows."""
    scales = _language(lang)["word_scales"]
    return (lang == "en" and words[index][2] in ("a", "an") and index + 1 < len(words)
            and words[index + 1][2] in scales and _joined(text, words, lang, index, index + 1))


def _number_word_run(text: str, words: list[tuple[int, int, str]], lang: str,
                     index: int) -> tuple[list[int], int]:
    """The words of the number that starts at `index` (their indexes in `words`), and
    the index of the first word after them: units and scales joined to each other, an
    ordinal that ends the number, and glue words inside it ("vingt et un")."""
    conv = _language(lang)
    units, scales = conv["units"], conv["word_scales"]
    run, cursor = [index], index + 1
    while cursor < len(words) and _joined(text, words, lang, cursor - 1, cursor):
        following, previous = words[cursor][2], words[cursor - 1][2]
        if following in units or following in scales:
            run.append(cursor)
            cursor += 1
        elif (ordinal := _ordinal(following, lang)) is not None and (
                _hyphenated(text, words, cursor - 1, cursor) or previous in TENS[lang] or previous in scales
                or ordinal >= 100):
            run.append(cursor)   # twenty-first, dix-septième, one hundred fiftieth ("deux premiers" is not)
            cursor += 1
            break
        elif (cursor + 1 < len(words) and _joined(text, words, lang, cursor, cursor + 1)
              and _glues(lang, previous, following, words[cursor + 1][2])):
            run += [cursor, cursor + 1]
            cursor += 2
        else:
            break
    return run, cursor


def _number_word_mention(text: str, words: list[tuple[int, int, str]], lang: str, run: list[int],
                         cursor: int, taken: list[bool]) -> Mention | None:
    """The weak mention of a run of number words (`cursor`: the word after it), with
    "and a half" and an amount word after it ("trois décennies"); None when the run
    is no number, or a word that is a number only beside another ("a")."""
    conv = _language(lang)
    amounts = conv["amounts"]
    tokens = [words[i][2] for i in run]
    value = _parse_words(tokens, lang)
    if value is None or (len(tokens) == 1 and tokens[0] in conv["alone_not"]):
        return None
    end = words[run[-1]][1]
    values = {str(value)}
    half = _HALF[lang].match(text, end)
    if half:   # eight and a half, deux et demi
        values.add(_value(value + Decimal("0.5")))
        end = half.end()
    if cursor < len(words) and _joined(text, words, lang, cursor - 1, cursor) and words[cursor][2] in amounts:
        values.add(str(value * amounts[words[cursor][2]]))   # trois décennies: 30 years
    return _mention(words[run[0]][0], end, text, values, False, taken,
                    _unit_after(text, end, lang), Decimal(value))


TENS = {"fr": {"vingt", "trente", "quarante", "cinquante", "soixante"},
        "en": {"twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}}


def _glues(lang: str, previous: str, glue: str, following: str) -> bool:
    """"vingt et un", "two hundred and five": a glue word inside a number, not
    between two ("deux et trois" is two numbers)."""
    if lang == "fr":
        return glue == "et" and previous in TENS["fr"] and following in ("un", "une", "onze", "unième", "onzième")
    return glue == "and" and previous in EN_SCALES and (following in EN_UNITS or _ordinal(following, "en") is not None)


def _ordinal(word: str, lang: str) -> int | None:
    """The value of an ordinal word: "septième" 7, "quatre-vingtième"'s "vingtième"
    20, "millionth" 10^6, "ninetieth" 90."""
    table = FR_ORDINALS if lang == "fr" else EN_ORDINALS
    if word in table:
        return table[word]
    if lang == "fr" and word.endswith(("ième", "ièmes")):
        stem = word[:word.rindex("ième")]
        for base in (FR_ORDINAL_STEMS.get(stem, stem), stem + "e"):
            if base in FR_UNITS or base in FR_SCALES:
                return FR_UNITS.get(base) or FR_SCALES[base]
    if lang == "en" and word.endswith("th"):
        if word[:-2] in EN_SCALES:
            return EN_SCALES[word[:-2]]
        if word.endswith("ieth") and word[:-4] + "y" in EN_UNITS:
            return EN_UNITS[word[:-4] + "y"]
    return None


FR_ORDINAL_STEMS = {"neuv": "neuf", "cinqu": "cinq"}


def _parse_words(tokens: list[str], lang: str) -> int | None:
    """The value of a run of number words: "quatre vingt dix" 90, "two hundred and
    five" 205, "dix-septième" 17, "deux centième" 200."""
    conv = _language(lang)
    total = current = 0
    seen = False
    previous = ""
    for token in tokens:
        unit = conv["units"].get(token)
        scale = conv["word_scales"].get(token)
        if unit is None and scale is None:
            ordinal = _ordinal(token, lang)
            if ordinal is not None and ordinal >= 100:   # centième, thousandth: a scale
                scale = ordinal
            else:
                unit = ordinal
        if unit is not None:
            # French: "quatre-vingt(s)" is four twenties
            current = current - 4 + 80 if unit == 20 and previous == "quatre" else current + unit
            seen = True
        elif scale is not None:
            if scale == 100:
                current = max(current, 1) * 100
            else:
                total += max(current, 1) * scale
                current = 0
            seen = True
        previous = token
    return total + current if seen else None


def mentions(text: str, lang: str) -> list[Mention]:
    """The numbers of a French ("fr") or English ("en") sentence, in text order."""
    if lang not in ("fr", "en"):
        raise ValueError(f"numbers: unknown language {lang!r}")
    return list(_mentions(text, lang))


# The check, the repair and the consistency of one sentence read its numbers several
# times; its mentions are frozen, so the last sentences' are kept (bounded).
@lru_cache(maxsize=2048)
def _mentions(text: str, lang: str) -> tuple[Mention, ...]:
    taken = [False] * len(text)
    found: list[Mention] = []
    if _DIGIT_OR_FRACTION_RE.search(text):  # (else none of these can match: most sentences)
        found += _glued_mentions(text, lang, taken) if lang == "fr" else []
        found += _seconds_mentions(text, taken) if lang == "fr" else []
        found += _time_mentions(text, lang, taken)
        found += _date_mentions(text, taken)
        found += _fraction_mentions(text, taken)
        found += _code_mentions(text, taken)
        found += _digit_mentions(text, lang, taken)
    found += _roman_mentions(text, lang, taken)
    found += _word_mentions(text, lang, taken)
    found.sort(key=lambda m: m.start)
    return tuple(_with_carried_scales(text, found) if lang == "fr" else found)


# Scraped French glues a word to the number after it ("à7h30", "reçoivent3,3 millions",
# "il y avait30"): lower-case letters, so codes (A380, G20, H1N1) are not read so.
_GLUE_RE = re.compile(r"(?<![^\W\d_])(?:à|[a-zà-ÿœæç]{2,})(?=\d)")
_SECONDS_RE = re.compile(r"(?<![\d.,])(\d{1,2})" + _SPACE + r"?(?:s|sec|secondes?)" + _SPACE + r"?(\d{2})(?![\d\w])")
_FR_SCALED_RE = re.compile(r"(?:millions?|milliards?|Mds?)\Z", re.IGNORECASE)
_PLAIN_RE = re.compile(r"\d{1,3}(?:[" + SPACES + r"]\d{3})*(?:,\d+)?\Z")


def _glued_mentions(text: str, lang: str, taken: list[bool]) -> list[Mention]:
    """Numbers glued to the word before them, read as if a space were there: weak
    (the glue says the text is scraped, its numbers less sure), and holding the whole
    token's code value too, as a code would."""
    glues = [match.end() for match in _GLUE_RE.finditer(text)]
    if not glues:
        return []
    spaced = "".join(text[start:end] + (" " if end < len(text) else "")
                     for start, end in zip([0] + glues, glues + [len(text)]))
    shift = {glue + index + 1: index + 1 for index, glue in enumerate(glues)}   # a number's start, read in `spaced`
    found = []
    for mention in mentions(spaced, lang):
        if mention.start not in shift:
            continue
        start, end = mention.start - shift[mention.start], mention.end - shift[mention.start]
        if any(taken[start:end]) or text[start:end] != mention.text:
            continue
        word = re.search(r"[^\W\d_]+\Z", text[:start])
        token = re.match(r"\w+", text[word.start() if word else start:])
        found.append(_mention(start, end, text, mention.values | {"c" + token.group().upper()}, False, taken,
                              mention.unit, mention.amount))
    return found


def _seconds_mentions(text: str, taken: list[bool]) -> list[Mention]:
    """A time in seconds and hundredths (20 sec 53: 20.53), as results are written."""
    found = []
    for match in _SECONDS_RE.finditer(text):
        if not any(taken[match.start():match.end()]):
            found.append(_mention(match.start(), match.end(), text, {f"{int(match[1])}.{match[2]}"}, True, taken))
    return found


def _with_carried_scales(text: str, found: list[Mention]) -> list[Mention]:
    """A plain French number after one with a scale may carry it ("60 000 millions
    mais à 95 000": 95 000 millions), and an ordinal in brackets after a number is a
    gloss ("Grade 8 (4ème)", a French school year), never missed."""
    carried: list[Mention] = []
    scale = None
    for mention in found:
        if mention.strong and _FR_SCALED_RE.search(mention.text):
            scale = _language("fr")["scales"].get(_FR_SCALED_RE.search(mention.text).group().lower())
        elif mention.strong and scale and _PLAIN_RE.match(mention.text) and mention.amount is not None:
            mention = replace(mention, values=mention.values | {_value(mention.amount * scale)})
        if (mention.strong and text[mention.start - 1:mention.start] == "(" and text[mention.end:mention.end + 1] == ")"
                and re.search(r"\d(?:e|er|ère|ème|eme)\Z", mention.text) and carried):
            mention = replace(mention, strong=False)
        carried.append(mention)
    return carried


def number_mismatch(source: str, target: str) -> tuple[list[Mention], list[Mention]]:
    """The French's strong numbers the English lacks, and the English's strong
    numbers the French lacks (both empty: the numbers agree).

    Mentions pair on a shared value, strong with strong first, then on a unit
    conversion (15 m, 50ft); a strong number left over is still matched when the
    other side has its value (a translation says "2013" once where the French said
    it twice)."""
    fr, en = mentions(source, "fr"), mentions(target, "en")
    if not any(m.strong for m in fr) and not any(m.strong for m in en):
        return [], []
    matched_fr: set[int] = set()
    matched_en: set[int] = set()
    _pair_on_values(fr, en, matched_fr, matched_en)
    _pair_on_conversions(fr, en, matched_fr, matched_en)
    missing = [a for i, a in enumerate(fr) if a.strong and i not in matched_fr
               and not any(a.values & b.values or converts(a, b) for b in en)]
    extra = [b for j, b in enumerate(en) if b.strong and j not in matched_en
             and not any(a.values & b.values or converts(a, b) for a in fr)]
    return missing, extra


def _pair_on_values(fr: list[Mention], en: list[Mention], matched_fr: set[int], matched_en: set[int]) -> None:
    """Pairs unmatched mentions that share a value (adding their indexes to `matched_fr`
    and `matched_en`), each French one with the first English one it meets."""
    # strong with strong, then strong with weak: a weak "dix" should not take the 10
    # that a strong "10" on the other side needs
    for fr_strong, en_strong in ((True, True), (True, False), (False, True)):
        for i, a in enumerate(fr):
            if i in matched_fr or a.strong != fr_strong:
                continue
            j = _first_sharing_value(a, en, en_strong, matched_en)
            if j is not None:
                matched_fr.add(i)
                matched_en.add(j)


def _first_sharing_value(mention: Mention, others: list[Mention], strong: bool, matched: set[int]) -> int | None:
    """The index of the first of `others`, strong or weak as `strong` says and not yet
    `matched`, that shares a value with `mention` (None: there is none)."""
    for j, other in enumerate(others):
        if j in matched or other.strong != strong:
            continue
        if mention.values & other.values:
            return j
    return None


def _pair_on_conversions(fr: list[Mention], en: list[Mention], matched_fr: set[int], matched_en: set[int]) -> None:
    """Pairs unmatched mentions, one of them strong at least, that state the same
    quantity in another unit (adding their indexes to `matched_fr` and `matched_en`)."""
    for i, a in enumerate(fr):   # the same quantity in another unit: 15 m, 50ft
        for j, b in enumerate(en):
            if i not in matched_fr and j not in matched_en and (a.strong or b.strong) and converts(a, b):
                matched_fr.add(i)
                matched_en.add(j)


def mismatch_detail(missing: list[Mention], extra: list[Mention]) -> str:
    """The flag's detail: "fr 10 000 → en 100,000" (– for none on a side)."""
    fr = ", ".join(m.text for m in missing) or "–"
    en = ", ".join(m.text for m in extra) or "–"
    return f"fr {fr} → en {en}"
