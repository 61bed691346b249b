"""Parse indicator targets (指标值), achieved values (完成值) and plain numbers.

Performance tables are typed by hand, copied out of Word files or OCR'd from scans,
so the same value is written in many ways: ``"≥98%"``, ``">=98%"``, ``"不低于98%"``,
``"98%以上"``, ``"≥98"`` (unit dropped), ``"0.98"``, full-width ``"９８％"``, or the
OCR misreadings ``"到98%"`` / ``"2 98%"`` (for ≥) and ``"W30万元"`` (for ≤).
:func:`parse_value` turns all of them into one :class:`ParsedValue`, keeping the
raw text beside the parsed fields; :func:`parse_number` reads plain numbers
(money, weights, scores, counts) and refuses anything else with a Chinese message.

Decisions worth knowing (also pinned in ``tests/test_values.py``):

* Percentages keep the percent number: ``"98%"`` is ``value=98.0, unit='%'``.
  ``"百分比"`` is read as ``%``; ``"百分之百"`` as 100 %.
* A number written without a unit takes ``reference_unit`` (normally the target's
  unit) and sets ``unit_inherited``.  Against a ``%`` reference a unit-less
  ``0 < x <= 1`` is a fraction (``"1"`` is 100 %, ``"0.98"`` is 98 %) only where
  the target makes that plain: the target (``reference_value``) exceeds ten times
  the number.  Against ``≤1%`` the achieved ``"0.5"`` is 0.5 %, not 50 %.
* A range such as ``"95%-100%"`` (``-``, ``~``, ``至``, ``到`` …) is read as its lower
  bound with op ``≥``.
* Text mixing words and numbers (``"完成率98%"``) is quantitative.  When several
  numbers occur, the first one carrying a ``%`` wins, else the first number.
* OCR repairs are only made when the whole value is an operator-less number with
  an optional unit: ``"到98%"``, ``"第98%"`` (only with ``%``), ``"2 98%"`` (with a
  space) become ``≥98%``; ``"W30万元"`` becomes ``≤30万元``.  A ``2`` glued to a
  number (``"298%"``) is ambiguous -- it might be ``≥98%`` or a real 298 % -- so it
  is parsed as written (298 %) and *not* repaired; over-100 % values are left to
  the consistency checks to flag.
* ``"以上"``/``"及以上"``/``"更高"`` after a number mean ``≥``; ``"以下"``,
  ``"以内"``, ``"之内"``, ``"内"`` mean ``≤``; ``"左右"`` leaves the op unset.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

__all__ = ["ParsedValue", "parse_value", "parse_number", "normalise_text", "KINDS", "BOUND_OPS"]

#: The possible values of :attr:`ParsedValue.kind`.
KINDS: tuple[str, ...] = ("quantitative", "bound_only", "qualitative", "empty")

#: Operators that make a value a bound rather than a measurement.
BOUND_OPS: frozenset[str] = frozenset({"≥", "≤", ">", "<"})


@dataclass(frozen=True)
class ParsedValue:
    """One parsed target or achieved value.

    Attributes
    ----------
    raw : str or None
        Exactly what was given (``str(x)`` for a float); ``None`` for None/NaN.
    text : str
        Normalised text: NFKC (full-width digits, ``％``, brackets and U+3000
        spaces become ASCII), whitespace collapsed and stripped, ``>=``/``≧``
        written ``≥`` (``<=``/``≦`` written ``≤``), spaces between an operator,
        a number and its unit removed, OCR repairs applied.
        ``parse_value(p.text).text == p.text``.
    kind : str
        ``'quantitative'`` (a number was found), ``'bound_only'`` (a bound
        without a number, e.g. ``不突破预算``), ``'qualitative'`` (words only) or
        ``'empty'`` (blank).
    op : str or None
        ``'≥'``, ``'≤'``, ``'='``, ``'>'``, ``'<'``, or ``None`` for a plain number
        (callers treat it as exact) and for qualitative/empty values.
    value : float or None
        The number; percentages keep the percent number (98 for ``98%``).
    unit : str or None
        ``'%'``, ``'万元'``, ``'个'``, … as written (``None`` if none was written
        and no ``reference_unit`` applied).
    unit_inherited : bool
        True when :attr:`unit` came from ``reference_unit``.
    vague : bool
        True when :attr:`op` is a bound (≥ ≤ > <).  For an achieved value this
        means "not a measurement".
    reference : str or None
        For ``bound_only``: what the value is bounded by (``'预算'``).
    ocr_fixed : bool
        True when an OCR repair was applied (``'到98%'`` -> ``'≥98%'``).

    Examples
    --------
    >>> p = parse_value("≥98%")
    >>> (p.kind, p.op, p.value, p.unit, p.vague)
    ('quantitative', '≥', 98.0, '%', True)
    """

    raw: str | None
    text: str
    kind: str
    op: str | None
    value: float | None
    unit: str | None
    unit_inherited: bool
    vague: bool
    reference: str | None
    ocr_fixed: bool

    @property
    def is_empty(self) -> bool:
        """True for a blank value.

        Examples
        --------
        >>> parse_value("\\u3000").is_empty
        True
        """
        return self.kind == "empty"


# --------------------------------------------------------------------------- #
# vocabulary
# --------------------------------------------------------------------------- #

#: Unit words recognised right after a number (longest match wins).  A trailing
#: CJK word of at most four characters not in this list is also taken as unit.
KNOWN_UNITS: tuple[str, ...] = (
    "%", "‰", "百分比", "个百分点", "百分点",
    "亿元", "万元", "千元", "元", "万元/人", "元/人",
    "万人次", "人次", "万人", "人", "名", "位", "户次", "万户", "户",
    "个工作日", "工作日", "个月", "个", "次", "万次", "场次", "场", "批次", "批",
    "件", "篇次", "篇", "条", "家", "所", "项", "份", "期", "本", "万册", "册",
    "台", "辆", "套", "座", "处", "张", "部", "课时", "学时", "小时", "分钟",
    "天", "日", "周", "月", "季度", "年",
    "平方米", "公里", "千米", "米", "亩", "公顷", "吨", "公斤", "千克",
)

_UNIT_CANONICAL = {"百分比": "%", "个百分点": "百分点"}

# prefix words / symbols written immediately before a number, longest first
_PREFIX_OPS: tuple[tuple[str, str], ...] = tuple(
    sorted(
        {
            "≥": "≥", "≤": "≤", "=": "=", ">": ">", "<": "<",
            "大于或等于": "≥", "大于等于": "≥", "不低于": "≥", "不少于": "≥",
            "不小于": "≥", "至少": "≥", "最少": "≥", "最低": "≥",
            "小于或等于": "≤", "小于等于": "≤", "不高于": "≤", "不多于": "≤",
            "不大于": "≤", "不超过": "≤", "不超出": "≤", "不超": "≤",
            "不突破": "≤", "控制在": "≤", "至多": "≤", "最多": "≤",
            "大于": ">", "高于": ">", "超过": ">", "多于": ">",
            "小于": "<", "低于": "<", "少于": "<", "不足": "<",
            "等于": "=",
        }.items(),
        key=lambda kv: -len(kv[0]),
    )
)

# suffix words after number (+ unit); '左右' means "about": no operator
_SUFFIX_OPS: tuple[tuple[str, str | None], ...] = (
    ("及以上", "≥"), ("或以上", "≥"), ("以上", "≥"), ("或更高", "≥"), ("更高", "≥"),
    ("或更多", "≥"), ("更多", "≥"),
    ("及以下", "≤"), ("或以下", "≤"), ("以下", "≤"), ("以内", "≤"), ("之内", "≤"),
    ("或更低", "≤"), ("更低", "≤"), ("或更少", "≤"), ("更少", "≤"), ("内", "≤"),
    ("左右", None),
)

_PREFIX_MAP = dict(_PREFIX_OPS)
_PREFIX_MAXLEN = max(len(w) for w, _ in _PREFIX_OPS)
_PREFIX_OP_RE = re.compile("(?:" + "|".join(re.escape(w) for w, _ in _PREFIX_OPS) + ")$")

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_UNUM = r"(?:[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_UNITS_ALT = "|".join(re.escape(u) for u in sorted(KNOWN_UNITS, key=len, reverse=True))

_NUM_RE = re.compile(rf"(?<![0-9.])(?P<sign>[+-]?)(?P<num>{_UNUM})")
_UNIT_RE = re.compile(rf"\s*(?P<unit>{_UNITS_ALT})")
_CJK_RUN_RE = re.compile(rf"\s*(?P<run>[{_CJK}]+)$")
_RANGE_TAIL_RE = re.compile(rf"\s*(?:-|~|〜|—|–|至|到)\s*(?P<num>{_UNUM})")
_SUFFIX_RE = re.compile(r"\s*(?P<w>" + "|".join(w for w, _ in _SUFFIX_OPS) + ")")
_SUFFIX_MAP = dict(_SUFFIX_OPS)
_PCT_WORD_RE = re.compile(rf"百分之(?:百|({_UNUM}))")

_HAS_DIGIT_RE = re.compile(r"[0-9]")
_BOUND_ONLY_RE = re.compile(
    r"^(?:(?P<le>不突破|不超过|不超出|不超|未突破|未超过|未超出|未超|没有突破|没有超过|没有超出"
    r"|不高于|不多于|不大于|控制在|≤|<)|(?P<ge>不低于|不少于|不小于|≥|>))?"
    rf"\s*在?(?P<ref>[{_CJK}]{{1,12}}?)的?(?P<within>范围内|范围以内|范围之内|以内|之内|内|范围)?$"
)

# normalisation
_CHAR_MAP = str.maketrans(
    {"≧": "≥", "⩾": "≥", "≦": "≤", "⩽": "≤", "−": "-"}
    | dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff\u00ad")
)
_OP_PAIR_RE = re.compile(r">\s*=|<\s*=")
_WS_RE = re.compile(r"\s+")
_OCR_TAIL = rf"[0-9]+(?:\.[0-9]+)?\s*(?:{_UNITS_ALT})?$"
_OCR_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"^2 (?={_OCR_TAIL})"), "≥"),
    (re.compile(rf"^到\s*(?={_OCR_TAIL})"), "≥"),
    (re.compile(r"^第\s*(?=[0-9]+(?:\.[0-9]+)?\s*(?:%|百分比)$)"), "≥"),
    (re.compile(rf"^[Ww]\s*(?={_OCR_TAIL})"), "≤"),
)
_TIGHTEN_RE = re.compile(
    rf"(?<=[≥≤=<>])\s+|(?<=[0-9])\s+(?=[%‰{_CJK}])|(?<=[{_CJK}])\s+(?=[0-9])"
)
_PLAIN_NUMBER_RE = re.compile(
    r"[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?|[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
)


# --------------------------------------------------------------------------- #
# normalisation
# --------------------------------------------------------------------------- #


def _is_missing(obj: object) -> bool:
    """True for None, float NaN, ``pd.NA``/``NaT`` and other NaN-likes."""
    if obj is None:
        return True
    if isinstance(obj, float):
        return math.isnan(obj)
    if isinstance(obj, str):
        return False
    if type(obj).__name__ in {"NAType", "NaTType"}:
        return True
    try:
        return bool(obj != obj)  # numpy / Decimal NaN
    except Exception:  # noqa: BLE001 - ambiguous comparisons are "not missing"
        return False


def _raw_text(obj: object) -> str | None:
    """The raw text kept in :attr:`ParsedValue.raw` (``None`` when missing)."""
    if _is_missing(obj):
        return None
    if isinstance(obj, str):
        return obj
    return str(obj)


def _normalise_once(s: str) -> tuple[str, bool]:
    if not s.isascii():
        s = unicodedata.normalize("NFKC", s).translate(_CHAR_MAP)
    s = _OP_PAIR_RE.sub(lambda m: "≥" if m.group(0)[0] == ">" else "≤", s)
    s = _WS_RE.sub(" ", s).strip()
    fixed = False
    for pattern, op in _OCR_RULES:
        new = pattern.sub(op, s, count=1)
        if new != s:
            s, fixed = new, True
            break
    s = _TIGHTEN_RE.sub("", s)
    return s, fixed


@lru_cache(maxsize=1 << 16)
def _normalise_str(s: str) -> tuple[str, bool]:
    """Normalise until stable; return (text, ocr_fixed)."""
    fixed = False
    for _ in range(8):
        new, f = _normalise_once(s)
        fixed = fixed or f
        if new == s:
            break
        s = new
    return s, fixed


def normalise_text(text: object) -> str:
    """Return the normalised form of a value as stored in :attr:`ParsedValue.text`.

    NFKC folds full-width characters (``１９``, ``％``, ``（）``, U+3000) to ASCII,
    zero-width characters are dropped, whitespace runs collapse to one space and
    the ends are stripped, ``>=``/``≧`` become ``≥`` and ``<=``/``≦`` become
    ``≤``, spaces after an operator and between a number and its unit go, and the
    OCR repairs described in the module docstring are applied.

    Parameters
    ----------
    text : object
        Any value; ``None`` and NaN give ``""``; non-strings go through ``str``.

    Returns
    -------
    str
        The normalised text (idempotent: normalising it again changes nothing).

    Examples
    --------
    >>> normalise_text("\\u3000≤ 30 万元 ")
    '≤30万元'
    >>> normalise_text("＞＝９８％")
    '≥98%'
    >>> normalise_text("到98%")
    '≥98%'
    >>> normalise_text(None)
    ''
    """
    raw = _raw_text(text)
    if raw is None:
        return ""
    return _normalise_str(raw)[0]


# --------------------------------------------------------------------------- #
# value parsing
# --------------------------------------------------------------------------- #


def _canonical_unit(unit: str | None) -> str | None:
    if unit is None:
        return None
    return _UNIT_CANONICAL.get(unit, unit)


def _to_float(num: str, sign: str = "") -> float:
    return float(sign + num.replace(",", ""))


def _fraction_to_percent(num: str, value: float) -> float:
    """``0.98`` -> ``98.0`` without binary noise (``0.98 * 100 != 98``)."""
    try:
        return float(Decimal(num.replace(",", "")).scaleb(2))
    except (InvalidOperation, ArithmeticError):  # pragma: no cover - defensive
        return value * 100.0


def _unit_at(t: str, pos: int) -> tuple[str | None, int]:
    """Unit written at ``t[pos:]`` (after optional spaces) and the end position."""
    m = _UNIT_RE.match(t, pos)
    if m:
        return m.group("unit"), m.end()
    m = _CJK_RUN_RE.match(t, pos)
    if m:  # a trailing CJK word: the unit, minus any 以上/以下 suffix
        run = m.group("run")
        for word, _ in _SUFFIX_OPS:
            if run.endswith(word):
                run = run[: -len(word)]
                break
        if 1 <= len(run) <= 4:
            return run, m.start("run") + len(run)
    return None, pos


def _prefix_op(prefix: str) -> str | None:
    m = _PREFIX_OP_RE.search(prefix.rstrip()[-_PREFIX_MAXLEN:])
    return _PREFIX_MAP[m.group(0)] if m else None


@dataclass(frozen=True)
class _Candidate:
    start: int
    sign: str
    num: str
    unit: str | None
    end: int
    is_range: bool


def _candidates(t: str, limit: int = 8) -> list[_Candidate]:
    out: list[_Candidate] = []
    pos = 0
    while len(out) < limit:
        m = _NUM_RE.search(t, pos)
        if m is None:
            break
        unit, end = _unit_at(t, m.end())
        r = _RANGE_TAIL_RE.match(t, end)
        if r is not None:
            unit_b, end_b = _unit_at(t, r.end())
            a = _to_float(m.group("num"), m.group("sign"))
            b = _to_float(r.group("num"))
            num, sign = (m.group("num"), m.group("sign")) if a <= b else (r.group("num"), "")
            out.append(_Candidate(m.start(), sign, num, unit or unit_b, end_b, True))
            pos = end_b
        else:
            out.append(_Candidate(m.start(), m.group("sign"), m.group("num"), unit, end, False))
            pos = max(end, m.end())
    return out


def _is_fraction(value: float, reference_value: float | None) -> bool:
    """Whether a unit-less ``0 < value ≤ 1`` against a ``%`` target means a fraction of 100%.

    Only where the target makes that plain: the fraction reading (×100) must lie
    nearer the target than the percent reading, i.e. the target exceeds ten times
    the value. Target 100%, achieved 0.98 → 98%; target ≤1%, achieved 0.5 → 0.5%.
    With no target value known the fraction reading is kept.
    """
    if not 0 < value <= 1:
        return False
    return reference_value is None or reference_value > 10 * value


def _analyse(text: str, reference_unit: str | None, reference_value: float | None = None) -> tuple:
    """(kind, op, value, unit, unit_inherited, vague, reference) for normalised text."""
    if not text:
        return ("empty", None, None, None, False, False, None)
    t = _PCT_WORD_RE.sub(lambda m: (m.group(1) or "100") + "%", text) if "百分之" in text else text
    if not _HAS_DIGIT_RE.search(t):
        b = _BOUND_ONLY_RE.match(t)
        if b is not None and (b.group("le") or b.group("ge") or (b.group("within") or "").endswith("内")):
            ref = b.group("ref")
            if ref.endswith("范围") and "预算" in ref:
                ref = ref[:-2]
            if ref and ref != "范围":
                le, ge = b.group("le"), b.group("ge")
                op = ("<" if le == "<" else "≤") if le else ((">" if ge == ">" else "≥") if ge else "≤")
                return ("bound_only", op, None, None, False, True, ref)
        return ("qualitative", None, None, None, False, False, None)

    date = _date(t)
    if date is None and reference_unit == DATE_UNIT:  # "8月" achieved against a deadline: done in August
        bare = re.fullmatch(r"(\d{1,2})月", t)
        if bare is not None and 1 <= int(bare.group(1)) <= 12:
            date = (None, float(int(bare.group(1)) * 100 + 31))
    if date is not None:
        return ("quantitative", date[0], date[1], DATE_UNIT, False, False, None)
    cands = _candidates(t)
    if not cands:  # digits only inside things like "..5": no usable number
        return ("qualitative", None, None, None, False, False, None)
    chosen = next((c for c in cands if _canonical_unit(c.unit) == "%"), cands[0])

    op = _prefix_op(t[: chosen.start])
    if chosen.is_range and op is None:
        op = "≥"
    if op is None:
        s = _SUFFIX_RE.match(t, chosen.end)
        if s is not None:
            op = _SUFFIX_MAP[s.group("w")]

    value = _to_float(chosen.num, chosen.sign)
    if not math.isfinite(value):  # "1e309", a 400-digit number: not a usable measurement
        return ("qualitative", None, None, None, False, False, None)
    unit = _canonical_unit(chosen.unit)
    inherited = False
    if unit is None and reference_unit:
        unit, inherited = reference_unit, True
        if unit == "%" and _is_fraction(value, reference_value):
            value = _fraction_to_percent(chosen.sign + chosen.num, value)
    return ("quantitative", op, value, unit, inherited, op in BOUND_OPS, None)


#: the unit of a date read from a deadline or a completion date (value = month × 100 + day)
DATE_UNIT = "日期"
_DATE_RE = re.compile(
    r"(?:(?P<y>\d{4})年)?(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})[日号]|(?P<part>底|末|上旬|中旬|下旬))?"
    r"(?P<before>前|之前|以前)?(?P<word>[\u4e00-\u9fff]{0,4})")
_DATE_PART = {"底": 31, "末": 31, "下旬": 31, "中旬": 20, "上旬": 10}


def _date(t: str) -> tuple[str | None, float] | None:
    """A deadline (``9月前``, ``11月底前``, ``2023年6月30日前``) or a date done (``8月完工``), else None.

    Dates compare within the year as month × 100 + day. ``N月前`` is read as
    *before month N begins* (so ``9月前`` is met by anything done in August);
    ``N月底前`` as by the last day of month N; a month without a day as its last
    day. A bare ``12月`` (a count of months) is not a date.

    >>> _date("9月前"), _date("11月底前"), _date("2023年6月30日前")
    (('≤', 900.0), ('≤', 1131.0), ('≤', 630.0))
    >>> _date("8月完工"), _date("2023年6月20日"), _date("12月")
    ((None, 831.0), (None, 620.0), None)
    """
    m = _DATE_RE.fullmatch(t)
    if m is None or not 1 <= int(m.group("m")) <= 12:
        return None
    day = int(m.group("d")) if m.group("d") else None
    if day is not None and not 1 <= day <= 31:
        return None
    if not (m.group("y") or day or m.group("part") or m.group("before") or m.group("word")):
        return None
    month = int(m.group("m"))
    if m.group("before") and day is None and not m.group("part"):
        return "≤", float(month * 100)
    value = float(month * 100 + (day if day is not None else _DATE_PART.get(m.group("part") or "底", 31)))
    return ("≤" if m.group("before") else None), value


@lru_cache(maxsize=1 << 16)
def _parse_str(raw: str, reference_unit: str | None, reference_value: float | None = None) -> ParsedValue:
    text, fixed = _normalise_str(raw)
    kind, op, value, unit, inherited, vague, reference = _analyse(text, reference_unit, reference_value)
    return ParsedValue(raw, text, kind, op, value, unit, inherited, vague, reference, fixed)


def _reference(reference_unit: str | None) -> str | None:
    if reference_unit is None or _is_missing(reference_unit):
        return None
    ref = _normalise_str(str(reference_unit))[0]
    return _canonical_unit(ref) or None


def parse_value(text: object, reference_unit: str | None = None,
                reference_value: float | None = None) -> ParsedValue:
    """Parse a target (指标值) or achieved value (完成值).

    Never raises for ``str``, ``None`` or ``float`` input: anything that is not
    recognised is ``qualitative`` and blank input is ``empty``.

    Parameters
    ----------
    text : object
        The value as written.  ``None``/NaN/``pd.NA`` are empty; other
        non-strings (numbers read from Excel) are parsed from ``str(text)``.
    reference_unit : str or None
        Unit to use when no unit is written, normally the target's unit.  With
        ``'%'`` a unit-less ``0 < x <= 1`` is read as a fraction (``1`` -> 100)
        where ``reference_value`` makes that plain.
    reference_value : float or None
        The target's value (in ``reference_unit``).  A bare ``0 < x <= 1`` is a
        fraction only when the target exceeds ``10 * x`` (the fraction reading is
        the nearer one): against 100 % ``"0.98"`` is 98 %, against ≤1 % ``"0.5"``
        is 0.5 %.  ``None`` (unknown) keeps the fraction reading.

    Returns
    -------
    ParsedValue
        Raw and normalised text plus kind, op, value, unit, flags.

    Examples
    --------
    >>> p = parse_value("≤ 30 万元")
    >>> (p.kind, p.op, p.value, p.unit, p.text)
    ('quantitative', '≤', 30.0, '万元', '≤30万元')
    >>> p = parse_value("≥95", reference_unit="%")
    >>> (p.op, p.value, p.unit, p.unit_inherited, p.vague)
    ('≥', 95.0, '%', True, True)
    >>> parse_value("1", reference_unit="%").value
    100.0
    >>> parse_value("0.98", reference_unit="%", reference_value=100).value
    98.0
    >>> parse_value("0.5", reference_unit="%", reference_value=1).value
    0.5
    >>> p = parse_value("不突破预算")
    >>> (p.kind, p.op, p.reference)
    ('bound_only', '≤', '预算')
    >>> p = parse_value("第98%")
    >>> (p.text, p.op, p.value, p.ocr_fixed)
    ('≥98%', '≥', 98.0, True)
    >>> parse_value("达成年度指标").kind
    'qualitative'
    >>> parse_value("\\u3000").kind
    'empty'
    """
    raw = _raw_text(text)
    ref = _reference(reference_unit)
    if raw is None:
        return ParsedValue(None, "", "empty", None, None, None, False, False, None, False)
    ref_value = None if reference_value is None or _is_missing(reference_value) else abs(float(reference_value))
    return _parse_str(raw, ref, ref_value)


def parse_number(text: object) -> float | None:
    """Parse a plain number (money, weight, score, count).

    Full-width digits, U+3000 and ordinary spaces around the number, a sign and
    thousands separators (``1,234.5``) are accepted.  Blank means unknown.

    Parameters
    ----------
    text : object
        The cell content: a string, a number, ``None`` or NaN.

    Returns
    -------
    float or None
        The number, or ``None`` when blank/None/NaN.

    Raises
    ------
    ValueError
        When the text is not a plain number (units, words, percentages); the
        Chinese message names the raw text.

    Examples
    --------
    >>> parse_number("85.4561\\u3000")
    85.4561
    >>> parse_number("１９")
    19.0
    >>> parse_number("1,234.5")
    1234.5
    >>> parse_number("") is None
    True
    >>> parse_number("12万元")
    Traceback (most recent call last):
    ...
    ValueError: 无法识别为数字：'12万元'（应为纯数字，如 12.5 或 1,234.5；空白表示未知）
    """
    if _is_missing(text):
        return None
    if isinstance(text, bool):
        raise ValueError(f"无法识别为数字：{text!r}（应为纯数字，如 12.5 或 1,234.5；空白表示未知）")
    if isinstance(text, (int, float, Decimal)):
        value = float(text)
        if not math.isfinite(value):
            raise ValueError(f"无法识别为数字：{text!r}（不是有限的数；应为纯数字，如 12.5 或 1,234.5）")
        return value
    raw = text if isinstance(text, str) else str(text)
    s = number_text(raw)
    if s is None:
        if not raw.strip():
            return None
        raise ValueError(f"无法识别为数字：{raw!r}（应为纯数字，如 12.5 或 1,234.5；空白表示未知）")
    value = float(s)
    if not math.isfinite(value):  # "1e309", a 400-digit number
        raise ValueError(f"无法识别为数字：{raw[:40]!r}{'…' if len(raw) > 40 else ''}（数值超出范围；应为纯数字，如 12.5 或 1,234.5）")
    return value


def number_text(text: str) -> str | None:
    """The plain-number grammar shared by the loader and the importer: the number as ASCII text, else None.

    Full-width digits, surrounding (full-width) spaces, a sign and thousands
    separators are accepted; the result has no separators. What this accepts,
    :func:`parse_number` loads, so whatever the importer writes as a number loads.

    >>> number_text("１,234.5　"), number_text("98%"), number_text("")
    ('1234.5', None, None)
    """
    s = text if text.isascii() else unicodedata.normalize("NFKC", text).translate(_CHAR_MAP)
    s = s.strip()
    if not s or _PLAIN_NUMBER_RE.fullmatch(s) is None:
        return None
    return s.replace(",", "")


# --------------------------------------------------------------------------- #
# NA and numbers: the one helper set (used by scoring, checks, reports)
# --------------------------------------------------------------------------- #


def is_missing(obj: object) -> bool:
    """True for a blank value: None, NaN, ``pd.NA``, ``NaT``.

    >>> is_missing(None), is_missing(float("nan")), is_missing(""), is_missing(0)
    (True, True, False, False)
    """
    return _is_missing(obj)


def as_float(obj: object) -> float | None:
    """A plain ``float``, or ``None`` for a blank or non-numeric value.

    >>> as_float("2.5"), as_float(None), as_float("空")
    (2.5, None, None)
    """
    if _is_missing(obj):
        return None
    try:
        return float(obj)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------- #
# thresholds: the one comparison rule
# --------------------------------------------------------------------------- #

#: Relative and absolute epsilon of every threshold comparison: two numbers this
#: close are equal. It absorbs binary noise (2.014 / 2.12 × 100 is
#: 94.99999999999999, which is 95) and nothing a report could state: reports state
#: at most 4 decimals of 万元 and 2 of a percentage.
REL_EPS: float = 1e-9
ABS_EPS: float = 1e-9


def compare(a: float, b: float, tol: float = 0.0) -> int:
    """The one comparison rule for thresholds: -1 (a < b), 0 (equal), 1 (a > b).

    ``a`` and ``b`` are equal when they differ by at most ``tol`` (a stated
    tolerance, in their unit) plus :data:`REL_EPS` of the larger magnitude plus
    :data:`ABS_EPS`. Tier bounds, grade thresholds, "target met" and every check
    against a tolerance go through here.

    >>> compare(2.014 / 2.12 * 100, 95)
    0
    >>> compare(94.99, 95), compare(0.06, 0.0, tol=0.05)
    (-1, 1)
    >>> compare(9.96 - 9.91, 0.05)
    0
    """
    diff = a - b
    allow = tol + REL_EPS * max(abs(a), abs(b)) + ABS_EPS
    if abs(diff) <= allow:
        return 0
    return -1 if diff < 0 else 1


def compare_array(a: object, b: object, tol: object = 0.0) -> "np.ndarray":
    """:func:`compare` over whole arrays: -1, 0 or 1 per element, the same rule.

    ``a``, ``b`` and ``tol`` broadcast (numpy); a NaN on either side gives 0 (callers
    mask missing values first). Every vectorised threshold in the engine goes through
    here, so one rule still decides; ``tests/test_values.py`` checks both agree.

    >>> compare_array([2.014 / 2.12 * 100, 94.99, 0.06], [95, 95, 0.0], [0, 0, 0.05]).tolist()
    [0, -1, 1]
    """
    import numpy as np

    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    diff = a - b
    allow = tol + REL_EPS * np.maximum(np.abs(a), np.abs(b)) + ABS_EPS
    with np.errstate(invalid="ignore"):
        out = np.where(np.abs(diff) <= allow, 0, np.where(diff < 0, -1, 1))
        return np.where(np.isnan(diff), 0, out).astype(np.int8)


def at_least(a: float, b: float, tol: float = 0.0) -> bool:
    """``a ≥ b`` under :func:`compare` (``a`` within tolerance below ``b`` counts)."""
    return compare(a, b, tol) >= 0


def at_most(a: float, b: float, tol: float = 0.0) -> bool:
    """``a ≤ b`` under :func:`compare`."""
    return compare(a, b, tol) <= 0


def differs(a: float, b: float, tol: float = 0.0) -> bool:
    """``a`` and ``b`` differ by more than ``tol`` under :func:`compare`."""
    return compare(a, b, tol) != 0


# --------------------------------------------------------------------------- #
# units: the one conversion table
# --------------------------------------------------------------------------- #

#: unit -> (dimension, factor to the dimension's base: % for shares, 万元 for money)
UNIT_FACTORS: dict[str, tuple[str, float]] = {
    "%": ("pct", 1.0), "百分比": ("pct", 1.0), "％": ("pct", 1.0),
    "元": ("money", 1e-4), "千元": ("money", 1e-1), "万元": ("money", 1.0), "万": ("money", 1.0),
    "亿元": ("money", 1e4),
}


def convert_unit(value: float, unit: str | None, to_unit: str | None) -> float | None:
    """``value`` in ``unit`` expressed in ``to_unit``; ``None`` when incompatible.

    >>> convert_unit(5000, "元", "万元")
    0.5
    >>> convert_unit(3, "个", "%") is None
    True
    """
    u = (unit or "").strip()
    t = (to_unit or "").strip()
    if u == t or not u or not t:
        return value
    fu, ft = UNIT_FACTORS.get(u), UNIT_FACTORS.get(t)
    if fu and ft and fu[0] == ft[0]:
        return value * fu[1] / ft[1]
    return None
