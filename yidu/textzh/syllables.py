"""Valid Mandarin syllables and the reading of users' pinyin input: ``split_pinyin()``,
``looks_like_initials()``.

The table is the toneless Hanyu Pinyin syllable inventory, ü written ``v`` as pinyin() writes
it (lv, lve, nv, nve). Interjection-only syllables (m, n, ng, hm, hng, ê) are left out: they
would let consonant strings such as "nm" pass for pinyin.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_TABLE = """
a ai an ang ao e ei en eng er o ou
ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu
pa pai pan pang pao pei pen peng pi pian piao pie pin ping po pou pu
ma mai man mang mao me mei men meng mi mian miao mie min ming miu mo mou mu
fa fan fang fei fen feng fiao fo fou fu
da dai dan dang dao de dei den deng di dia dian diao die ding diu dong dou du duan dui dun duo
ta tai tan tang tao te tei teng ti tian tiao tie ting tong tou tu tuan tui tun tuo
na nai nan nang nao ne nei nen neng ni nian niang niao nie nin ning niu nong nou nu nuan nun nuo
nv nve
la lai lan lang lao le lei leng li lia lian liang liao lie lin ling liu lo long lou lu luan lun
luo lv lve
ga gai gan gang gao ge gei gen geng gong gou gu gua guai guan guang gui gun guo
ka kai kan kang kao ke kei ken keng kong kou ku kua kuai kuan kuang kui kun kuo
ha hai han hang hao he hei hen heng hong hou hu hua huai huan huang hui hun huo
ji jia jian jiang jiao jie jin jing jiong jiu ju juan jue jun
qi qia qian qiang qiao qie qin qing qiong qiu qu quan que qun
xi xia xian xiang xiao xie xin xing xiong xiu xu xuan xue xun
zha zhai zhan zhang zhao zhe zhei zhen zheng zhi zhong zhou zhu zhua zhuai zhuan zhuang zhui zhun
zhuo
cha chai chan chang chao che chen cheng chi chong chou chu chua chuai chuan chuang chui chun chuo
sha shai shan shang shao she shei shen sheng shi shou shu shua shuai shuan shuang shui shun shuo
ran rang rao re ren reng ri rong rou ru rua ruan rui run ruo
za zai zan zang zao ze zei zen zeng zi zong zou zu zuan zui zun zuo
ca cai can cang cao ce cen ceng ci cong cou cu cuan cui cun cuo
sa sai san sang sao se sen seng si song sou su suan sui sun suo
ya yan yang yao ye yi yin ying yo yong you yu yuan yue yun
wa wai wan wang wei wen weng wo wu
"""

SYLLABLES: frozenset[str] = frozenset(_TABLE.split())
# spellings users type that mean a syllable of the table
ALIASES: dict[str, str] = {"lue": "lve", "nue": "nve"}
_ACCEPT: dict[str, str] = {**{s: s for s in SYLLABLES}, **ALIASES}
_MAX = max(map(len, _ACCEPT))

_SEPARATORS = re.compile(r"[\s'’‘`\-·.]+")
_LETTERS = re.compile(r"[a-z]+")


def _normalize(s: str) -> str:
    s = unicodedata.normalize("NFKC", s).casefold()
    if not s.isascii():
        s = s.replace("u:", "v").replace("ü", "v")
        # tone marks typed anyway: drop them (ā -> a); ü was handled above
        s = "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))
    else:
        s = s.replace("u:", "v")
    return s


@lru_cache(maxsize=4096)
def _split_chunk(chunk: str) -> tuple[str, ...] | None:
    """Fewest-syllables full cover of chunk; among those, the one whose syllables are longest
    first (xian -> xian, changan -> chang an, fangan -> fang an)."""
    n = len(chunk)
    # best[i] = (count, syllables) for chunk[i:], computed right to left
    best: list[tuple[int, tuple[str, ...]] | None] = [None] * (n + 1)
    best[n] = (0, ())
    for i in range(n - 1, -1, -1):
        choice = None
        for j in range(min(n, i + _MAX), i, -1):  # longer syllables first
            syl = _ACCEPT.get(chunk[i:j])
            rest = best[j]
            if syl is None or rest is None:
                continue
            if choice is None or rest[0] + 1 < choice[0]:
                choice = (rest[0] + 1, (syl,) + rest[1])
        best[i] = choice
    return best[0][1] if best[0] is not None else None


def split_pinyin(s: str) -> list[str] | None:
    """Split toneless pinyin typed by a user into syllables, or None when s is not entirely
    pinyin. Any case; spaces, apostrophes and hyphens separate syllables. Ambiguous runs take
    the fewest syllables (xian -> ["xian"], xi'an -> ["xi", "an"]), ties the longest first
    syllables. ü may be typed as v, u: or ü; lue/nue are read as lve/nve."""
    s = _normalize(s)
    out: list[str] = []
    for chunk in _SEPARATORS.split(s):
        if not chunk:
            continue
        if not _LETTERS.fullmatch(chunk):
            return None
        syl = _split_chunk(chunk)
        if syl is None:
            return None
        out.extend(syl)
    return out or None


@lru_cache(maxsize=4096)
def _all_fewest(chunk: str, limit: int) -> tuple[tuple[str, ...], ...]:
    """Every fewest-syllables cover of chunk (up to limit), the preferred one of _split_chunk first."""
    n = len(chunk)
    # fewest[i] = syllable count of the best cover of chunk[i:], or None
    fewest: list[int | None] = [None] * (n + 1)
    fewest[n] = 0
    for i in range(n - 1, -1, -1):
        counts = [fewest[j] + 1 for j in range(i + 1, min(n, i + _MAX) + 1)
                  if chunk[i:j] in _ACCEPT and fewest[j] is not None]
        fewest[i] = min(counts) if counts else None
    if fewest[0] is None:
        return ()
    out: list[tuple[str, ...]] = []

    def walk(i: int, acc: tuple[str, ...]) -> None:
        if len(out) >= limit:
            return
        if i == n:
            out.append(acc)
            return
        for j in range(min(n, i + _MAX), i, -1):  # longer syllables first, as _split_chunk
            syl = _ACCEPT.get(chunk[i:j])
            if syl is not None and fewest[j] is not None and fewest[j] + 1 == fewest[i]:
                walk(j, acc + (syl,))

    walk(0, ())
    return tuple(out)


def pinyin_readings(s: str, limit: int = 4) -> list[list[str]]:
    """The readings of an unspaced pinyin input that split_pinyin() would choose between: every
    fewest-syllables split (xinan -> xin an, xi nan), the preferred first, at most `limit`.
    A search ORs them so the index, not a guess, settles the ambiguity. [] when s is not pinyin."""
    s = _normalize(s)
    readings: list[list[str]] = [[]]
    for chunk in _SEPARATORS.split(s):
        if not chunk:
            continue
        if not _LETTERS.fullmatch(chunk):
            return []
        options = _all_fewest(chunk, limit)
        if not options:
            return []
        readings = [r + list(o) for r in readings for o in options][:limit]
    return readings if readings != [[]] else []


_INITIALS = re.compile(r"[a-z0-9]{2,16}")


def looks_like_initials(s: str) -> bool:
    """True for a short ASCII string that reads as pinyin initials (zgfzbg, lx, hlm): 2 to 16
    letters/digits with at least 2 letters, no space, not splittable into pinyin syllables, with
    no i/u/v (no syllable starts with them) and at most one a/e/o, which must be the first or
    last letter (zero-initial syllables: 爱情公寓 -> aqgy). So "python" or "hello" are not."""
    t = s.strip().lower()
    if not _INITIALS.fullmatch(t):
        return False
    letters = [c for c in t if c.isalpha()]
    if len(letters) < 2:
        return False
    if any(c in "iuv" for c in letters):
        return False
    vowels = [k for k, c in enumerate(t) if c in "aeo"]
    if len(vowels) > 1 or (vowels and vowels[0] not in (0, len(t) - 1)):
        return False
    return split_pinyin(t) is None
