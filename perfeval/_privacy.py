"""Personal data in report text: find and mask it (the one home of that rule).

Reports come from outside and carry the people who filled them in: 填表人、
联系人、负责人 with a name, a mobile or landline number, an e-mail address, now
and then an ID-card number, sometimes even in the file name. None of that is
needed to analyse a department's spending, so perfeval masks it wherever text
leaves a report: the imported dataset, the import log, the provenance and every
export (``perfeval import --keep-personal-data`` keeps it in the imported files).

Masking replaces each character of the match with ``*`` so lengths and
positions in the text stay as they were. What is masked (see ``docs/security.md``):

* mobile numbers ``1[3-9]`` + 9 digits (also written ``138 1234 5678`` or
  ``138-1234-5678``), with an optional ``+86`` prefix;
* landline numbers with an area code ``0734-1234567`` / ``(0734)1234567`` and
  any digits written right after 电话/手机/座机/传真;
* 18-character ID-card numbers whose check character is right;
* e-mail addresses;
* the name after 联系人/填报人/填表人/负责人/经办人/审核人/制表人/签字 (``联系人：张三``).

Numbers that only look like digits are left alone: a hotline ``12345政务服务热线``
is not a phone number, a 17-digit amount is not an ID card.

>>> mask_text("联系人：张三，电话13787340508")
'联系人：**，电话***********'
>>> mask_text("12345政务服务热线工单办结率")
'12345政务服务热线工单办结率'
"""
from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["mask_text", "has_personal_data", "mask_frame", "mask_dataset", "valid_id_card"]

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

_MOBILE = r"(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}"
_LANDLINE = r"(?:\(0\d{2,3}\)|（0\d{2,3}）|0\d{2,3}[-－—])\d{7,8}(?:[-－转]\d{1,5})?"
_PHONE_AFTER_LABEL = r"(?:电话|手机|座机|传真)(?:号码)?[:：]?\s*(?=[\d(（+])[\d()（）+\-－ ]{6,20}\d"
_EMAIL = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+"
_ID_CARD = r"[1-9]\d{16}[\dXx]"
_NAME_LABELS = "联系人|填报人|填表人|负责人|经办人|审核人|制表人|签字|签名"
_NAME = rf"(?:{_NAME_LABELS})(?:\s*[(（]签字[)）])?\s*[:：]\s*[\u4e00-\u9fff·]{{2,4}}"

_PATTERNS = re.compile(
    rf"(?P<email>{_EMAIL})"
    rf"|(?<![\dA-Za-z])(?P<id>{_ID_CARD})(?![\dA-Za-z])"
    rf"|(?<![\d])(?P<mobile>{_MOBILE})(?!\d)"
    rf"|(?<![\d])(?P<landline>{_LANDLINE})(?!\d)"
    rf"|(?P<labelled>{_PHONE_AFTER_LABEL})"
    rf"|(?P<name>{_NAME})"
)
#: a cheap pre-filter: text without any of these cannot hold personal data
_MAYBE = re.compile(rf"\d{{7}}|@|{_NAME_LABELS}|\d[- ]\d{{4}}")


def valid_id_card(text: str) -> bool:
    """True when ``text`` is an 18-character resident ID number with a correct check character.

    >>> valid_id_card("11010519491231002X")
    True
    >>> valid_id_card("110105194912310021")
    False
    """
    if len(text) != 18 or not text[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(text[:17], _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == text[17].upper()


def _replace(m: re.Match[str]) -> str:
    kind = m.lastgroup
    s = m.group(0)
    if kind == "id" and not valid_id_card(s):
        return s
    if kind == "name":  # keep the label and colon, mask the name
        cut = max(s.rfind(":"), s.rfind("："))
        head, name = s[: cut + 1], s[cut + 1:]
        stripped = name.lstrip()
        return head + name[: len(name) - len(stripped)] + "*" * len(stripped)
    if kind == "labelled":
        return "".join("*" if ch.isdigit() else ch for ch in s)
    return "*" * len(s)


def mask_text(text: str) -> str:
    """``text`` with personal data masked (``*`` per character); other text unchanged.

    >>> mask_text("填报单位：衡阳县网信办  填表人：李四  联系电话：0734-6812345")
    '填报单位：衡阳县网信办  填表人：**  联系电话：****-*******'
    >>> mask_text("身份证 11010519491231002X，邮箱 a.b@example.com")
    '身份证 ******************，邮箱 ***************'
    >>> mask_text("资金 123456789012345678 元")  # no valid check character: an amount, kept
    '资金 123456789012345678 元'
    """
    if not text or not isinstance(text, str) or _MAYBE.search(text) is None:
        return text
    return _PATTERNS.sub(_replace, text)


def has_personal_data(text: str) -> bool:
    """True when :func:`mask_text` would change ``text``."""
    return isinstance(text, str) and mask_text(text) != text


def mask_frame(df, columns: Iterable[str] | None = None):
    """A copy of a DataFrame with every text cell (or those of ``columns``) masked.

    Values are masked once per distinct value, so long repetitive tables stay cheap.
    """
    import pandas as pd

    cols = [c for c in (df.columns if columns is None else columns) if c in df.columns]
    out = df.copy()
    for c in cols:
        s = out[c]
        if not (pd.api.types.is_string_dtype(s.dtype) or s.dtype == object):
            continue
        uniq = pd.unique(s)  # NA is not a str: the filter below drops it (Series.dropna costs 30x more)
        mapping = {v: mask_text(v) for v in uniq if isinstance(v, str)}
        changed = {k: v for k, v in mapping.items() if k != v}
        if changed:
            out[c] = s.map(lambda v: changed.get(v, v) if isinstance(v, str) else v).astype(s.dtype)
    return out


def mask_dataset(ds):
    """A copy of a :class:`~perfeval.Dataset` with every text cell of every table masked (projects too).

    What the report commands hand to the notebooks and the workbooks, unless
    ``--keep-personal-data``: a dataset typed in by hand can hold a contact
    person's phone in a note or an indicator, and the reports go to readers who
    need none of it.
    """
    from dataclasses import replace

    return replace(ds, **{name: mask_frame(df) for name, df in ds.tables().items()},
                   projects={name: mask_frame(df) for name, df in (ds.projects or {}).items()})
