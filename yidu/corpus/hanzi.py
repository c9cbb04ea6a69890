"""Chinese text helpers for the generator: pinyin in the two styles catalogues use, traditional script.

* `cnmarc_pinyin("中国发展报告")` -> "Zhong Guo Fa Zhan Bao Gao": CNMARC $A practice, one capitalised
  syllable per character (pypinyin's lazy_pinyin);
* `ala_lc("中国发展报告")` -> "Zhongguo fa zhan bao gao": the ALA-LC romanisation North American
  libraries put in MARC 21 245 (syllable by syllable, proper nouns found by jieba joined and capitalised);
* `traditional(text)` converts characters only (OpenCC s2t), never vocabulary, so 沈从文 -> 沈從文.

Every function is memoised: the generator composes titles and names from a bounded vocabulary, so the
caches stay small while pypinyin (~150 µs a call) is paid once per distinct string.
"""
from __future__ import annotations

from functools import lru_cache

import opencc
import rjieba
from pypinyin import lazy_pinyin

_S2T = opencc.OpenCC("s2t")


@lru_cache(maxsize=1 << 15)
def syllables(text: str) -> tuple[str, ...]:
    return tuple(s for s in lazy_pinyin(text) if s.strip())


@lru_cache(maxsize=1 << 15)
def cnmarc_pinyin(text: str) -> str:
    return " ".join(s[:1].upper() + s[1:] for s in syllables(text))


# Proper nouns ALA-LC writes as one word (and capitalises); everything else is romanised syllable by syllable.
PROPER_NOUNS = frozenset(
    "中国 中華 中华 北京 上海 天津 重庆 四川 江南 长江 黄河 西藏 新疆 台湾 臺灣 香港 澳门 广东 浙江 江苏 湖北 湖南 云南 贵州 "
    "深圳 陕西 山东 河南 河北 山西 辽宁 吉林 福建 江西 安徽 广西 甘肃 宁夏 青海 内蒙古 东北 西部 珠三角 长三角 京津冀 "
    "日本 美国 英国 法国 德国 俄罗斯 欧洲 亚洲 东亚 敦煌 延安 成渝 粤港澳".split()
)
# Personal names inside titles: surname separate, given name joined ("Shen Congwen wen ji").
PERSONAL_NAMES = {n: 1 for n in "鲁迅 魯迅 沈从文 沈從文 老舍 巴金 茅盾 曹禺 毛泽东 毛澤東 邓小平 鄧小平 钱锺书 錢鍾書".split()}


@lru_cache(maxsize=8192)
def ala_lc(text: str) -> str:
    words: list[str] = []
    for word in rjieba.cut(text):
        word = word.strip()
        if not word or word in "，。、：；！？（）《》“”‘’·,.:;()":
            continue
        if not any("\u4e00" <= c <= "\u9fff" for c in word):
            words.append(word)
        elif word in PERSONAL_NAMES:
            sy = syllables(word)
            given = "".join(sy[1:])
            words.append(sy[0].capitalize() + (" " + given.capitalize() if given else ""))
        elif word in PROPER_NOUNS:
            joined = "".join(syllables(word))
            words.append(joined[:1].upper() + joined[1:])
        else:
            words.extend(syllables(word))
    out = " ".join(w for w in words if w)
    out = out.replace("[ ", "[").replace(" ]", "]").replace("( ", "(").replace(" )", ")")
    return out[:1].upper() + out[1:]


@lru_cache(maxsize=4096)
def _char_reading(ch: str) -> str:
    s = lazy_pinyin(ch)
    return s[0] if s else ch


def name_syllables(surname: str, given: str, reading: str | None = None) -> tuple[str, list[str]]:
    """(surname reading, given-name syllables) of a Chinese personal name."""
    sur = reading or " ".join(_char_reading(c) for c in surname)
    return sur, [_char_reading(c) for c in given]


@lru_cache(maxsize=8192)
def traditional(text: str) -> str:
    return _S2T.convert(text)


def ala_lc_parts(parts: tuple[str, ...]) -> str:
    """ALA-LC romanisation of a title composed of vocabulary parts (memoised per part)."""
    out = " ".join(ala_lc(p) for p in parts)
    return out[:1].upper() + out[1:]
