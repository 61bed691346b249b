"""Who and when: the department, its region and the year, from header lines, label/value
cells, the title and the narrative paragraphs (staffing and funds stated in prose)."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from perfeval._import._labels import (
    _ascii, canonical_finance, _fmt_decimal, INFO, _is_personal, _NUM_RE, P_FUNDS, P_NARRATIVE,
    _PERSONAL_LABEL, WARNING, WHO_LABELS, _WHO_RE,
)
from perfeval._import._model import Document, Paragraph, ReportImportError, clean, norm
from perfeval._import._report import _Loc, _Val

if TYPE_CHECKING:
    from perfeval._import._layout import _Interpreter


class WhoMixin:
    """The interpreter's reading of header lines, paragraphs and narrative facts."""

    # -- meta (title, 填报单位, 单位, 年度) -------------------------------------
    def add_who(self, role: str, value: str, loc: _Loc) -> None:
        value = clean(value).strip("：: ")
        if value and not _is_personal(norm(value)) and not re.fullmatch(r"[\s(（]*盖章[)）\s]*", value):
            self.who.setdefault(role, []).append((value, loc))
            if role == "unit":
                self.dept_names.append((value, loc))

    def scan_meta(self, text: str, loc: _Loc) -> bool:
        """Read header facts from a line or cell; True when the text is a header line."""
        t = unicodedata.normalize("NFKC", clean(text))
        k = norm(text)
        hit = False
        for m in re.finditer(r"(\d{4})\s*年度", t):
            self.year_strong.append((int(m.group(1)), loc))
            hit = True
        for m in re.finditer(r"[(（]\s*(\d{4})\s*年\s*[)）]", t):
            self.year_strong.append((int(m.group(1)), loc))
            hit = True
        m = _WHO_RE.match(t)
        if m and m.group(2).strip():
            hit = True
            self.add_who(WHO_LABELS[norm(m.group(1))], m.group(2), loc)
            m2 = re.search(r"(?:\s{2,})(" + "|".join(re.escape(x) for x in WHO_LABELS) + r")\s*(?:\(盖章\))?\s*[:：]\s*(\S+)", t[m.end():])
            if m2:
                self.add_who(WHO_LABELS[norm(m2.group(1))], m2.group(2), loc)
        elif m and norm(m.group(1)) == k.rstrip(":："):
            pass  # a bare label: its value is in the next cell
        m = re.search(r"(?<!填报)单位\s*[:]\s*(万元|元)", t)
        if m:
            self.unit = m.group(1)
            hit = True
        m = re.fullmatch(r"(?:综合评定等级|自评等级|评价等级|评定等级|综合评价等级)[:：]\s*(\S{1,4})", t.strip())
        if m:  # 自评等级：优 written as a line of its own
            self._put(self.evaluations, "grade", _Val(m.group(1), text, loc, P_FUNDS), "综合评定等级")
            hit = True
        if "填报时间" in k or "填报日期" in k:
            hit = True
        m = re.search(r"^(?:附件\d*(?:-\d+)?[:]?)?(.*?)(?:\d{4}年度?)?(?:部门)?整体支出(?:绩效)?(?:自评|评价)?(?:报告|表)?"
                      r"(?:[(（]\d{4}年度?[)）])?$", k)
        if m and len(k) < 60 and not re.match(r"^[一二三四五六七八九十0-9]+[、.]", k):
            hit = True
            if m.group(1):
                self.titles.append((m.group(1), loc))
        if re.fullmatch(r"附件\d*(?:-\d+)?[:]?", k) or "基础数据表" in k or k.endswith("自评表") or \
                re.search(r"自评表[(（]?\d{4}年度?[)）]?$", k) or re.fullmatch(r"绩效评价自评报告|绩效评价报告", k):
            hit = True
        if k.startswith("说明:") and len(k) > 8:
            hit = True  # the form's own instructions
        if re.fullmatch(r"评价方式[:：].*|评价机构[:：].*|报告日期[:：].*|预算编码[:：].*", k):
            hit = True
        return hit

    # -- paragraphs ----------------------------------------------------------
    def paragraph(self, p: Paragraph) -> None:
        text = clean(p.text)
        if not text:
            return
        loc = _Loc("正文", p.index, None, p.line)
        k = norm(text)
        if _is_personal(k):
            # keep what precedes the personal part (e.g. a 填报单位 on the same line)
            cut = _PERSONAL_LABEL.search(k).start()
            head = ""
            count = 0
            for ch in text:
                if count >= cut:
                    break
                head += ch
                if not ch.isspace():
                    count += 1
            self.personal_skipped += 1
            self.note(INFO, loc, "", "已略去个人信息（填表人、联系电话、签字等），未导入")
            if head.strip():
                self.scan_meta(head, loc)
            return
        if self.scan_meta(text, loc):
            return
        self.narrative.append(p)


    # -- narrative -------------------------------------------------------------
    def narrative_facts(self) -> None:
        paras = self.narrative
        if not paras:
            return
        text = ""
        starts: list[tuple[int, Paragraph]] = []
        for p in paras:
            starts.append((len(text), p))
            text += clean(p.text) + "\n"

        def loc_at(pos: int) -> _Loc:
            owner = starts[0][1]
            for s, p in starts:
                if s <= pos:
                    owner = p
                else:
                    break
            return _Loc("正文", owner.index, None, owner.line)

        num = _NUM_RE
        for m in re.finditer(rf"在职(?:人员|人数|职工)?(?:共)?\s*({num})\s*[人名]", text):
            self._put(self.staffing, "actual", _Val(_ascii(m.group(1)), m.group(0), loc_at(m.start()), P_NARRATIVE),
                      "人员「实际在职人数」")
        for m in re.finditer(rf"退休(?:人员|人数|职工)?(?:共)?\s*({num})\s*[人名]", text):
            self._put(self.staffing, "retired", _Val(_ascii(m.group(1)), m.group(0), loc_at(m.start()), P_NARRATIVE),
                      "人员「退休人数」")
        plain = [m for m in re.finditer(rf"(?<![政业勤关])编制(?:数|人数)?(?:为|共)?\s*({num})\s*[个名人]", text)]
        parts = [m for m in re.finditer(rf"(?:行政|事业|工勤|机关)编制(?:数)?\s*({num})\s*[个名人]", text)]
        if plain:
            m = plain[0]
            self._put(self.staffing, "quota", _Val(_ascii(m.group(1)), m.group(0), loc_at(m.start()), P_NARRATIVE),
                      "人员「编制数」")
        elif parts:
            total = sum(Decimal(_ascii(m.group(1))) for m in parts)
            raw = "；".join(m.group(0) for m in parts)
            self._put(self.staffing, "quota", _Val(_fmt_decimal(total), raw, loc_at(parts[0].start()), P_NARRATIVE),
                      "人员「编制数」")
        money = rf"({num})\s*(万元|元)"
        for m in re.finditer(rf"一般公共预算(?:财政拨款)?支出(?:合计|共计)?\s*{money}", text):
            self.put_finance(0, "一般公共预算", "actual",
                             _Val(_ascii(m.group(1)), m.group(0), loc_at(m.start()), P_NARRATIVE, m.group(2)))
        for m in re.finditer(rf"年末结转(?:结余)?(?:资金)?\s*{money}", text):
            self.put_finance(0, "年末结转结余", "actual",
                             _Val(_ascii(m.group(1)), m.group(0), loc_at(m.start()), P_NARRATIVE, m.group(2)))
        self.breakdown(text, loc_at)

    def breakdown(self, text: str, loc_at) -> None:
        """基本支出 breakdown: （1）人员经费 items, （2）公用经费 items."""
        for block in re.finditer(r"[^\n]*基本支出[^\n]*(?:\n[^\n]*)*?(?=\n[^\n]*?(?:[七八九十]、|存在的问题)|\Z)", text):
            seg_start = block.start()
            seg = block.group(0)
            markers = list(re.finditer(r"[（(]\s*([12１２])\s*[）)]", seg))
            if len(markers) < 1:
                continue
            for j, mk in enumerate(markers):
                g_start = mk.end()
                g_end = markers[j + 1].start() if j + 1 < len(markers) else len(seg)
                group = seg[g_start:g_end]
                default = "人员经费" if _ascii(mk.group(1)) == "1" else "公用经费"
                header: str | None = None
                pairs = list(re.finditer(rf"([^，,；;。:：、（）()\n0-9０-９]+?)\s*({_NUM_RE})\s*(万元|元)", group))
                for n, pm in enumerate(pairs):
                    name = re.sub(r"^(?:其中|分别为|分别是|包括|主要包括|主要是|主要为|为|是|和|及|共计|合计)+", "",
                                  pm.group(1).strip())
                    if not name:
                        continue
                    base = re.sub(r"支出$", "", name)
                    loc = loc_at(seg_start + g_start + pm.start())
                    val = _Val(_ascii(pm.group(2)), pm.group(0), loc, P_NARRATIVE, pm.group(3))
                    if n == 0 and base in ("人员经费", "公用经费"):
                        header = base
                        self.put_finance(0, base, "actual", val)
                        continue
                    known = canonical_finance(name)
                    if known in ("人员经费", "公用经费", "基本支出", "项目支出"):
                        self.put_finance(0, known, "actual", val)
                        continue
                    self.put_finance(0, name, "actual", val, header or default, True)
            break



# --------------------------------------------------------------------------- #
# identity: department and year
# --------------------------------------------------------------------------- #

_REGION = re.compile(r"^(.{1,10}?(?:县|区|旗))")
_REGION_CITY = re.compile(r"^(.{1,6}?市)")
_REPORT_WORDS = re.compile(
    r"附件\d*(?:-\d+)?|(?:部门)?整体支出绩效(?:自评|评价)?(?:报告|表)?|基础数据表|自评表|自评报告|绩效自评|"
    r"\d{4}年度?|\(\d{4}\)|[_\-\s.()（）]+")


def split_region(text: str) -> tuple[str, str]:
    """Split ``衡阳县网信办`` into (region, rest).

    >>> split_region("衡阳县网信办")
    ('衡阳县', '网信办')
    >>> split_region("网信办")
    ('', '网信办')
    """
    m = _REGION.match(text) or _REGION_CITY.match(text)
    if m and len(text) > len(m.group(1)):
        rest = text[len(m.group(1)):]
        if rest.startswith(("委", "人民政府", "政府", "人大", "政协", "纪委")):
            rest = m.group(1)[-1] + rest  # 醴陵市委组织部 -> 市委组织部
        return m.group(1), rest
    if m and len(text) == len(m.group(1)):
        return m.group(1), ""
    return "", text


def dept_slug(region: str, name: str) -> str:
    """A stable ASCII id for a department: ``dept-`` + 8 hex of sha1(region+name).

    >>> dept_slug("衡阳县", "网信办") == dept_slug("衡阳县", "网信办")
    True
    >>> dept_slug("衡阳县", "网信办").startswith("dept-")
    True
    """
    return "dept-" + hashlib.sha1((region + name).encode("utf-8")).hexdigest()[:8]


def resolve_year(it: _Interpreter, doc: Document, year: int | None) -> int:
    """The report's fiscal year: a strong mention (title, 年度 line), the file name, a weak one, the
    narrative's most frequent year; ``year`` (``--year``) overrides it, with a warning when they differ."""
    stem_key = norm(Path(doc.file).stem)
    found_year: int | None = None
    if it.year_strong:
        found_year = it.year_strong[0][0]
    else:
        m = re.search(r"(20\d{2})", stem_key)
        if m:
            found_year = int(m.group(1))
        elif it.year_weak:
            found_year = it.year_weak[0]
        else:
            years = Counter(int(m.group(1)) for p in it.narrative for m in re.finditer(r"(20\d{2})年", norm(p.text)))
            if years:
                found_year = years.most_common(1)[0][0]
    if year is not None:
        if found_year is not None and found_year != year:
            it.note(WARNING, "年度", str(found_year), f"报告所写年度 {found_year} 与指定的 --year {year} 不同，按指定年度导入")
        final_year = year
    elif found_year is None:
        raise ReportImportError(doc.file, "无法确定年度（标题、表头与文件名中均未写明），请用 --year 指定")
    else:
        final_year = found_year
    return final_year


def resolve_department(it: _Interpreter, doc: Document, dept_name: str | None) -> tuple[str, str, str, str]:
    """(region, name, full_name, project) of the report: a project form belongs to its 主管部门; the
    who-labels, then the title, then ``dept_name`` (``--dept-name``), then the file's stem (logged)."""
    project = it.who["project"][0][0] if it.who.get("project") else ""
    roles = ("supervisor", "unit", "implementer") if project else ("unit", "supervisor")
    fill = next((it.who[r][0][0] for r in roles if it.who.get(r)), "")
    region, name, full_name = "", "", ""
    for title, _ in it.titles:
        r, rest = split_region(re.sub(r"\d{4}年度?", "", title))
        region = region or r
        name = name or rest
    if fill:
        r, rest = split_region(norm(fill))
        region = r or region
        name = rest or name
        full_name = fill if r else ""
    if project and it.who.get("implementer"):
        impl = it.who["implementer"][0]
        it.note(INFO, impl[1], impl[0], f"实施单位「{impl[0]}」；项目按主管部门「{fill}」归属")
    stem = Path(doc.file).stem
    if not name and dept_name:
        r, rest = split_region(norm(dept_name))
        region, name = region or r, rest or dept_name
        it.note(WARNING, "部门", dept_name, f"报告中未写明部门，按 --dept-name 指定的「{dept_name}」导入")
    if not name or not region:
        cleaned = _REPORT_WORDS.sub(" ", unicodedata.normalize("NFKC", stem)).strip()
        cleaned = cleaned.split()[0] if cleaned.split() else ""
        r, rest = split_region(cleaned)
        region = region or r
        if not name:
            name = rest if rest and not re.fullmatch(r"[\w\-]*", rest, flags=re.ASCII) else stem
            it.note(WARNING, "部门", stem,
                    f"报告中未写明部门（填报单位、单位名称、主管部门或标题），按文件名「{name}」导入；"
                    f"请核对，或用 --dept-name 指定")
    return region, name, full_name, project
