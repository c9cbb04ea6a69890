"""Word lists the generator draws from: classification, topics, genres, names, publishers, famous works.

The tabular lists live in `yidu/corpus/data/*.tsv` (see each file's header); this module loads them once
and adds the small lists that read better as Python (name characters, publishers with their real ISBN
registrant prefixes, title patterns). `clc.tsv` doubles as the classification lookup the indexer uses for
facet names: `clc_name(code)` takes the longest known prefix.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from yidu.corpus.rng import Weighted

# ---------------------------------------------------------------------------------------------- data files

DATA_DIR = Path(__file__).resolve().parent / "data"
CLC_FILE = DATA_DIR / "clc.tsv"


def _rows(name: str) -> Iterator[list[str]]:
    text = (DATA_DIR / name).read_text(encoding="utf-8")
    for line in text.splitlines():
        if line and not line.startswith("#"):
            yield line.split("\t")


@lru_cache(maxsize=1)
def clc_table() -> dict[str, str]:
    """The CLC table: class number -> name, in file order (top classes first within each class)."""
    return {code: name for code, name in _rows("clc.tsv")}


def clc_name(code: str) -> str | None:
    """The name of `code` or of its longest listed prefix ("TP311.138" -> "数据库理论与系统")."""
    table = clc_table()
    code = code.strip().upper()
    while code:
        name = table.get(code)
        if name is not None:
            return name
        code = code[:-1].rstrip(".-/")
    return None


@dataclass(frozen=True, slots=True)
class Topic:
    clc: str
    kinds: str  # see data/topics_zh.tsv
    zh: str
    en: str
    heading: str  # 606 heading, "$y"/"$x"/... separated
    lcsh: str


@dataclass(frozen=True, slots=True)
class EnTopic:
    clc: str
    kinds: str
    phrase: str
    lcsh: str


@dataclass(frozen=True, slots=True)
class Work:
    kind: str  # ancient / modern / canon
    title: str
    title_trad: str
    author: str
    author_trad: str
    dynasty: str | None
    dynasty_trad: str | None
    role: str
    clc: str
    heading: str
    lcsh: str
    volumes: int


@dataclass(frozen=True, slots=True)
class ForeignTitle:
    language: str
    clc: str
    title: str
    lcsh: str


TOPICS_ZH: tuple[Topic, ...] = tuple(Topic(*r) for r in _rows("topics_zh.tsv"))
TOPICS_EN: tuple[EnTopic, ...] = tuple(EnTopic(*r) for r in _rows("topics_en.tsv"))
WORKS: tuple[Work, ...] = tuple(
    Work(r[0], r[1], r[2], r[3], r[4], r[5].split("|")[0] or None, r[5].split("|")[1] or None, r[6], r[7], r[8],
         r[9], int(r[10]))
    for r in _rows("works.tsv")
)
FOREIGN_TITLES: dict[str, tuple[ForeignTitle, ...]] = {}
for _r in _rows("foreign_titles.tsv"):
    FOREIGN_TITLES.setdefault(_r[0], ())
    FOREIGN_TITLES[_r[0]] += (ForeignTitle(*_r),)


def topics_with_prefix(topics, prefix: str) -> tuple:
    return tuple(t for t in topics if t.clc.startswith(prefix))


# ------------------------------------------------------------------------------------------- title parts

# Chinese genre words per kind: (word, English pattern for the parallel/original title, 606 additions)
# 606 additions: "$j教材" style subdivisions appended to the topic heading.
GENRES_ZH: dict[str, tuple[tuple[str, str, str, float], ...]] = {
    "s": (("研究", "Studies on {}", "$x研究", 5), ("概论", "An introduction to {}", "", 3),
          ("导论", "Introduction to {}", "", 2), ("新论", "New perspectives on {}", "$x研究", 1),
          ("论", "On {}", "$x研究", 0.6), ("问题研究", "Issues in {}", "$x研究", 1.5),
          ("理论与实践", "{}: theory and practice", "$x研究", 1.5), ("比较研究", "Comparative studies of {}", "$x对比研究", 0.8),
          ("专题研究", "Special topics in {}", "$x研究", 0.8), ("前沿", "Frontiers of {}", "$x研究", 0.5),
          ("十讲", "Ten lectures on {}", "", 0.5), ("读本", "A reader in {}", "", 0.5)),
    "t": (("教程", "A course in {}", "$x高等学校$j教材", 5), ("基础", "Fundamentals of {}", "$x高等学校$j教材", 2.5),
          ("原理", "Principles of {}", "$x高等学校$j教材", 1.5), ("实用教程", "A practical course in {}", "$j教材", 1.5),
          ("学习指导", "Study guide to {}", "$x高等学校$j教学参考资料", 1), ("习题集", "Exercises in {}", "$x高等学校$j习题集", 0.8),
          ("简明教程", "A concise course in {}", "$x高等学校$j教材", 1), ("入门", "{} for beginners", "$j基本知识", 1),
          ("实验教程", "Laboratory course in {}", "$x实验$x高等学校$j教材", 0.6),
          ("原理与应用", "{}: principles and applications", "$x高等学校$j教材", 1), ("", "{}", "$x高等学校$j教材", 2.5)),
    "h": (("史", "A history of {}", "$x历史", 5), ("史论", "Essays on the history of {}", "$x历史$x研究", 1),
          ("史稿", "A draft history of {}", "$x历史", 1), ("发展史", "The development of {}", "$x历史", 1.5),
          ("通史", "A general history of {}", "$x历史", 1), ("史话", "Stories from the history of {}", "$x历史$j普及读物", 0.7)),
    "r": (("词典", "A dictionary of {}", "$j词典", 4), ("辞典", "A dictionary of {}", "$j词典", 2),
          ("手册", "Handbook of {}", "$j手册", 3), ("大辞典", "The comprehensive dictionary of {}", "$j词典", 1),
          ("百科全书", "Encyclopedia of {}", "$j百科全书", 0.5)),
    "p": (("发展报告", "Report on the development of {}", "$x研究报告", 4), ("年度报告", "Annual report on {}", "$x研究报告", 1.5),
          ("调查报告", "Survey report on {}", "$x调查报告", 1.5), ("蓝皮书", "Blue book of {}", "$x研究报告", 1)),
    "c": (("案例分析", "Case studies in {}", "$x案例", 3), ("案例教程", "Cases in {}", "$x案例$x高等学校$j教材", 1.5),
          ("实务", "{} in practice", "", 2), ("案例评析", "Case commentary on {}", "$x案例", 1.5)),
    "l": (("条文释义", "Article-by-article commentary on {}", "$x法律解释", 3), ("理解与适用", "Understanding and applying {}", "$x法律解释", 3),
          ("实务", "{} in practice", "$x法律解释", 1.5), ("注释本", "Annotated {}", "$x法律解释", 1.5)),
    "a": (("论文集", "Collected papers on {}", "$j文集", 3), ("文集", "Essays on {}", "$j文集", 2),
          ("研究文集", "Collected studies on {}", "$x研究$j文集", 1.5)),
}
GENRE_TABLES_ZH = {kind: Weighted([(g, g[3]) for g in gs]) for kind, gs in GENRES_ZH.items()}

# Other-title ($e) patterns for Chinese study titles; {r} region, {p} place, {t} theory, {y1}/{y2} years
OTHER_TITLES_ZH = (
    "理论、方法与实践", "基于{r}的实证研究", "以{p}为例", "{y1}—{y2}", "历史与现实", "问题与对策", "理论与案例",
    "回顾与展望", "机遇与挑战", "基于{t}的视角", "一个{t}的分析框架", "现状、问题与对策", "国际比较与中国实践",
)
REGIONS_ZH = ("长三角地区", "珠三角地区", "京津冀地区", "西部地区", "东北地区", "中部地区", "粤港澳大湾区", "成渝地区")
PLACES_ZH = ("上海", "浙江", "广东", "四川", "江苏", "湖北", "北京", "深圳", "重庆", "陕西", "云南", "贵州")
THEORIES_ZH = ("制度经济学", "社会网络分析", "比较法", "博弈论", "全球化", "新媒体", "治理理论", "公共政策", "历史制度主义")
TEXTBOOK_OTHER_ZH = ("C语言版", "第二版", "Python版", "Java版", "双语版", "英文版", "微课版", "案例版")
TEXTBOOK_OTHER_TOPICS = ("数据结构", "算法设计与分析", "程序设计", "计算机网络", "操作系统", "数据库原理")

# Contents (327) chapter names per kind; {t} = topic
CHAPTERS_ZH = {
    "s": ("导论", "文献综述", "理论基础与分析框架", "{t}的历史演变", "{t}的现状与问题", "国外经验借鉴", "实证分析",
          "影响因素分析", "对策建议", "结论与展望"),
    "t": ("绪论", "基本概念", "基本原理", "{t}的基本方法", "数学基础", "典型应用", "综合实例", "实验指导", "发展趋势"),
    "h": ("先秦时期", "秦汉时期", "魏晋南北朝时期", "隋唐五代时期", "宋元时期", "明清时期", "近代", "现代", "当代"),
    "r": ("凡例", "词目表", "正文", "附录", "索引"),
    "p": ("总报告", "分报告", "专题篇", "区域篇", "案例篇", "附录：大事记"),
    "c": ("概述", "典型案例", "案例评析", "实务要点", "常见问题解答"),
    "l": ("总则", "分则", "附则", "相关法律法规", "典型案例"),
    "a": ("理论探讨", "历史考察", "比较研究", "个案分析", "书评与综述"),
}
CHINESE_NUMERALS = "〇一二三四五六七八九"

MAJORS_ZH = {
    "A": "思想政治", "B": "哲学", "C": "社会学", "D": "法学", "E": "军事", "F": "经济管理", "G": "教育", "H": "语言",
    "I": "中文", "J": "艺术", "K": "历史", "N": "理工", "O": "理工科", "P": "地球科学", "Q": "生物科学", "R": "医学",
    "S": "农林", "T": "工科", "U": "交通运输", "V": "航空航天", "X": "环境科学", "Z": "相关",
}

# Literature (creative works): title parts, subjects by form
LIT_A = ("时间", "故乡", "远方", "北方", "南方", "春天", "秋天", "冬天", "夏天", "黄昏", "黎明", "长夜", "城市", "草原",
         "大地", "河流", "山村", "小镇", "海边", "月光", "星空", "青春", "父亲", "母亲", "少年", "我们", "她", "天空",
         "风中", "雪中", "老街", "江南", "塞北", "故园", "岁月")
LIT_B = ("故事", "河", "云", "雪", "灯火", "记忆", "歌", "孩子", "村庄", "花园", "梦", "声音", "影子", "信", "岁月",
         "光", "风", "树", "日子", "背影", "告别", "回响", "旅程", "房子", "约定", "秘密", "眼睛", "路", "春天", "家")
LIT_PLACES = ("黄河", "秦岭", "江南", "大漠", "边城", "北国", "湘西", "巴山", "关东", "西湖", "长安", "金陵", "燕山", "洞庭")
LIT_NOUNS = ("往事", "烟雨", "旧事", "人家", "风物", "纪事", "笔记", "春秋", "秋色", "夜话", "长歌", "岁月", "人物志")
# (form, clc, 606 heading, LCSH, share)
LIT_FORMS = (
    ("长篇小说", "I247.5", "长篇小说$y中国$z当代", "Chinese fiction$y21st century", 5),
    ("短篇小说", "I247.7", "短篇小说$x小说集$y中国$z当代", "Short stories, Chinese$y21st century", 2),
    ("散文", "I267", "散文集$y中国$z当代", "Chinese essays$y21st century", 3),
    ("诗", "I227", "诗集$y中国$z当代", "Chinese poetry$y21st century", 1.5),
    ("作品集", "I217", "中国文学$x当代文学$x作品综合集", "Chinese literature$y21st century", 1.5),
)
LIT_FORM_TABLE = Weighted([(f, f[4]) for f in LIT_FORMS])

# ------------------------------------------------------------------------------------------- names

# Surnames by approximate frequency (per mille of the population), with the reading used as a surname.
_SURNAMES = (
    "王72 李72 张68 刘54 陈45 杨31 黄22 赵19 吴18 周18 徐13 孙13 马12 朱12 胡11 郭11 何10 高10 林10 罗9 郑8 梁8 "
    "谢7 宋6 唐6 许6 韩6 冯6 邓6 曹5 彭5 曾5:zeng 肖5 田5 董5 袁4 潘4 于4 蒋4 蔡4 余4 杜4 叶4:ye 程4 苏4 魏4 吕4 "
    "丁4 任4 沈3:shen 姚3 卢3 姜3 崔3 钟3 谭3 陆3 汪3 范3 金3 石3 廖3 贾3 夏3 韦3 付3 方3 白3 邹3 孟2 熊2 秦2 "
    "邱2 江2 尹2 薛2 闫2 段2 雷2 侯2 龙2 史2 陶2 黎2 贺2 顾2 毛2 郝2 龚2 邵2 万2 钱2 严2 覃1:qin 武1 戴1 莫1 "
    "孔1 向1 汤1 常1 温1 康1 施1 文1 牛1 樊1 葛1 邢1 安1 齐1 易1 乔1 伍1 庞1 颜1 倪1 庄1 聂1 章1 鲁1 岳1 翟1:zhai "
    "殷1 詹1 申1 欧阳1:ou_yang 耿1 关1 焦1 俞1 左1 柳1 甘1 祝1 包1 宁1 尚1 符1 舒1 阮1 柯1 纪1 梅1 童1 凌1 毕1 "
    "单1:shan 季1 裴1 霍1 涂1 成1 苗1 谷1 盛1 曲1 翁1 冉1 骆1 蓝1 路1 游1 辛1 靳1 管1 柴1 蒙1 鲍1 华1:hua 喻1 "
    "祁1 蒲1 房1 滕1 屈1 饶1 解1:xie 牟1:mou 艾1 尤1 阳1 时1 穆1 司马1:si_ma 诸葛1:zhu_ge 上官1:shang_guan"
)


def _parse_surnames() -> tuple[tuple[str, float, str | None], ...]:
    out = []
    for item in _SURNAMES.split():
        reading = None
        if ":" in item:
            item, reading = item.split(":", 1)
            reading = reading.replace("_", " ")
        i = len(item)
        while item[i - 1].isdigit():
            i -= 1
        out.append((item[:i], float(item[i:]), reading))
    return tuple(out)


SURNAMES = _parse_surnames()  # (surname, weight, reading or None)
SURNAME_TABLE = Weighted([((s, r), w) for s, w, r in SURNAMES])  # picks (surname, reading)

GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚英华玉萍红志建国文辉力海波鹏宇浩凯健俊帆旭宁龙林阳晓晨雪琳欣婷慧颖"
    "倩佳嘉思梦雨鑫博睿哲瑞子一天新春金立永德光兴成家荣庆福昌祥兵斌彬峰亮东南安振宏云飞鸿燕芬丹晶莉莹蓉兰凤琴素梅玲"
    "利青清小中正和顺喜宝贵学士仁义礼智信忠孝勤俭毅晖炜昊宸泽轩逸铭航鸣远达骏翔腾瀚卓彦琪璐瑶婧妍蕾薇菲岚"
)

# Foreign authors of works translated into Chinese: (Chinese transliteration, original heading, nationality, classes)
FOREIGN_AUTHORS = (
    ("曼昆", "Mankiw, N. Gregory", "美", "F"), ("萨缪尔森", "Samuelson, Paul A.", "美", "F"),
    ("克鲁格曼", "Krugman, Paul R.", "美", "F"), ("斯蒂格利茨", "Stiglitz, Joseph E.", "美", "F"),
    ("德鲁克", "Drucker, Peter F.", "美", "F C"), ("科特勒", "Kotler, Philip", "美", "F"),
    ("罗宾斯", "Robbins, Stephen P.", "美", "F C B"), ("米什金", "Mishkin, Frederic S.", "美", "F"),
    ("伍德里奇", "Wooldridge, Jeffrey M.", "美", "F C"), ("范里安", "Varian, Hal R.", "美", "F"),
    ("亨廷顿", "Huntington, Samuel P.", "美", "D"), ("福山", "Fukuyama, Francis", "美", "D"),
    ("罗尔斯", "Rawls, John", "美", "B D"), ("费正清", "Fairbank, John King", "美", "K D"),
    ("史景迁", "Spence, Jonathan D.", "美", "K"), ("孔飞力", "Kuhn, Philip A.", "美", "K"),
    ("彭慕兰", "Pomeranz, Kenneth", "美", "K F"), ("韦伯", "Weber, Max", "德", "C B D"),
    ("哈贝马斯", "Habermas, Jürgen", "德", "B C D"), ("黑格尔", "Hegel, Georg Wilhelm Friedrich", "德", "B"),
    ("康德", "Kant, Immanuel", "德", "B"), ("海德格尔", "Heidegger, Martin", "德", "B"),
    ("福柯", "Foucault, Michel", "法", "B C"), ("布迪厄", "Bourdieu, Pierre", "法", "C G"),
    ("托克维尔", "Tocqueville, Alexis de", "法", "D K"), ("吉登斯", "Giddens, Anthony", "英", "C D"),
    ("霍布斯鲍姆", "Hobsbawm, E. J.", "英", "K"), ("罗素", "Russell, Bertrand", "英", "B"),
    ("凯恩斯", "Keynes, John Maynard", "英", "F"), ("哈耶克", "Hayek, Friedrich A. von", "英", "F D"),
    ("沟口雄三", "Mizoguchi, Yūzō", "日", "B K"), ("内藤湖南", "Naitō, Konan", "日", "K"),
    ("克努特", "Knuth, Donald E.", "美", "T O"), ("塔嫩鲍姆", "Tanenbaum, Andrew S.", "美", "T"),
    ("科尔曼", "Cormen, Thomas H.", "美", "T"), ("斯托林斯", "Stallings, William", "美", "T"),
    ("布莱恩特", "Bryant, Randal E.", "美", "T"), ("古德费洛", "Goodfellow, Ian", "美", "T"),
    ("拉塞尔", "Russell, Stuart J.", "美", "T"), ("西尔伯沙茨", "Silberschatz, Abraham", "美", "T"),
    ("普雷斯曼", "Pressman, Roger S.", "美", "T"), ("库罗斯", "Kurose, James F.", "美", "T"),
    ("斯图尔特", "Stewart, James", "美", "O"), ("斯特朗", "Strang, Gilbert", "美", "O"),
    ("格里菲斯", "Griffiths, David J.", "美", "O"), ("阿特金斯", "Atkins, P. W.", "英", "O"),
    ("坎贝尔", "Campbell, Neil A.", "美", "Q"), ("韦勒克", "Wellek, René", "美", "I"),
    ("伊格尔顿", "Eagleton, Terry", "英", "I"), ("乔姆斯基", "Chomsky, Noam", "美", "H"),
    ("杜威", "Dewey, John", "美", "G B"), ("皮亚杰", "Piaget, Jean", "瑞士", "B G"),
)
# Translated foreign literature: (Chinese title, original title, author transliteration, original author, nationality, clc)
FOREIGN_LITERATURE = (
    ("傲慢与偏见", "Pride and prejudice", "奥斯汀", "Austen, Jane", "英", "I561"),
    ("简·爱", "Jane Eyre", "勃朗特", "Brontë, Charlotte", "英", "I561"),
    ("一九八四", "Nineteen eighty-four", "奥威尔", "Orwell, George", "英", "I561"),
    ("哈姆雷特", "Hamlet", "莎士比亚", "Shakespeare, William", "英", "I561"),
    ("了不起的盖茨比", "The great Gatsby", "菲茨杰拉德", "Fitzgerald, F. Scott", "美", "I712"),
    ("老人与海", "The old man and the sea", "海明威", "Hemingway, Ernest", "美", "I712"),
    ("追忆似水年华", "À la recherche du temps perdu", "普鲁斯特", "Proust, Marcel", "法", "I565"),
    ("悲惨世界", "Les misérables", "雨果", "Hugo, Victor", "法", "I565"),
    ("基督山伯爵", "Le comte de Monte-Cristo", "大仲马", "Dumas, Alexandre", "法", "I565"),
    ("战争与和平", "Война и мир", "托尔斯泰", "Tolstoy, Leo", "俄", "I512"),
    ("罪与罚", "Преступление и наказание", "陀思妥耶夫斯基", "Dostoyevsky, Fyodor", "俄", "I512"),
    ("浮士德", "Faust", "歌德", "Goethe, Johann Wolfgang von", "德", "I516"),
    ("雪国", "雪国", "川端康成", "Kawabata, Yasunari", "日", "I313"),
    ("挪威的森林", "ノルウェイの森", "村上春树", "Murakami, Haruki", "日", "I313"),
)
NATIONALITY_LANG = {"美": "eng", "英": "eng", "法": "fre", "德": "ger", "俄": "rus", "日": "jpn", "瑞士": "fre"}

WESTERN_FORENAMES = (
    "John", "Michael", "David", "James", "Robert", "William", "Richard", "Thomas", "Mark", "Paul", "Peter", "Andrew",
    "Christopher", "Daniel", "Stephen", "Jonathan", "Matthew", "Timothy", "Kenneth", "Charles", "George", "Edward",
    "Mary", "Elizabeth", "Susan", "Sarah", "Jennifer", "Catherine", "Anne", "Margaret", "Emily", "Laura", "Rachel",
    "Helen", "Alice", "Jane", "Claire", "Rebecca", "Karen", "Nicholas", "Simon", "Martin", "Philip", "Anthony",
)
WESTERN_SURNAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor", "Thomas",
    "Moore", "Martin", "Jackson", "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young",
    "Allen", "King", "Wright", "Scott", "Hill", "Green", "Adams", "Baker", "Nelson", "Carter", "Mitchell", "Roberts",
    "Turner", "Phillips", "Campbell", "Parker", "Evans", "Edwards", "Collins", "Stewart", "Morris", "Murphy", "Cook",
    "Rogers", "Morgan", "Cooper", "Peterson", "Reed", "Bailey", "Bell", "Kelly", "Howard", "Ward", "Cox",
    "Richardson", "Wood", "Watson", "Brooks", "Bennett", "Gray", "Hughes", "Price", "Sanders", "Myers", "Long",
    "Ross", "Foster", "Powell", "Jenkins", "Perry", "Russell", "Sullivan", "Fisher", "Hamilton", "Graham",
    "Wallace", "West", "Cole", "Hayes", "Gibson", "Ellis", "Stevens", "Murray", "Ford", "Marshall", "Owens",
    "Harrison", "Kennedy", "Wells", "Hunt", "Black", "Palmer", "Mills", "Hart", "Knight", "Lawrence", "Fraser",
    "Schneider", "Becker", "Klein", "Weber", "Dubois", "Laurent", "Rossi", "Bianchi", "Nakamura", "Tanaka",
)
CHINESE_IN_WESTERN = (  # Chinese scholars publishing in English: (surname, forename)
    ("Zhang", "Wei"), ("Wang", "Hui"), ("Li", "Jun"), ("Liu", "Yang"), ("Chen", "Xiaoming"), ("Yang", "Lei"),
    ("Huang", "Ying"), ("Zhao", "Min"), ("Wu", "Jing"), ("Zhou", "Xueguang"), ("Xu", "Tao"), ("Lin", "Yifu"),
    ("Sun", "Yan"), ("Ma", "Jun"), ("Zhu", "Rong"), ("Hu", "Angang"), ("Guo", "Liang"), ("He", "Baogang"),
)
GERMAN_NAMES = (("Müller", "Thomas"), ("Schmidt", "Andreas"), ("Schneider", "Klaus"), ("Fischer", "Wolfgang"),
                ("Weber", "Jürgen"), ("Meyer", "Hans"), ("Wagner", "Petra"), ("Becker", "Ulrich"), ("Hoffmann", "Stefan"),
                ("Schröder", "Karin"), ("Krüger", "Dieter"), ("Zimmermann", "Sabine"), ("Hartmann", "Michael"))
FRENCH_NAMES = (("Martin", "Pierre"), ("Bernard", "Jean"), ("Dubois", "François"), ("Durand", "Marie"),
                ("Lefebvre", "Philippe"), ("Moreau", "Claire"), ("Laurent", "Michel"), ("Girard", "Anne"),
                ("Lefèvre", "Jacques"), ("Mercier", "Hélène"), ("Fournier", "Luc"))
RUSSIAN_NAMES = (("Иванов", "Иван Петрович"), ("Смирнов", "Алексей Николаевич"), ("Кузнецов", "Сергей Владимирович"),
                 ("Попов", "Михаил Иванович"), ("Соколов", "Андрей Викторович"), ("Лебедев", "Николай Сергеевич"),
                 ("Козлова", "Елена Александровна"), ("Новиков", "Дмитрий Юрьевич"), ("Морозов", "Владимир Павлович"))
JAPANESE_NAMES = (("佐藤", "健一"), ("鈴木", "誠"), ("高橋", "浩"), ("田中", "隆"), ("伊藤", "明"), ("渡辺", "博"),
                  ("山本", "修"), ("中村", "大輔"), ("小林", "直樹"), ("加藤", "和子"), ("吉田", "洋子"), ("山田", "恵子"),
                  ("松本", "裕子"), ("井上", "美穂"), ("木村", "拓也"))

CORPORATE_ZH = (
    "中国社会科学院经济研究所", "中国社会科学院历史研究所", "中国社会科学院社会学研究所", "国务院发展研究中心",
    "教育部高等教育司", "全国人大常委会法制工作委员会", "中国科学院", "国家统计局", "北京大学中国经济研究中心",
    "清华大学公共管理学院", "复旦大学历史地理研究中心", "中国人民大学国学院", "南京大学历史学院",
    "中国科学技术协会", "国家发展和改革委员会宏观经济研究院",
)
CORPORATE_EN = (
    "World Bank", "OECD", "International Monetary Fund", "United Nations Development Programme",
    "National Research Council (U.S.)", "Asian Development Bank",
)

# Yearbooks and report series: (title pattern, corporate author, clc, 606 heading, LCSH, publishers)
YEARBOOKS = (
    ("中国统计年鉴", "国家统计局", "Z5", "统计资料$y中国$j年鉴", "China$xStatistics$vPeriodicals", "中国统计出版社"),
    ("中国发展报告", "国家统计局", "F124", "经济发展$x概况$y中国", "China$xEconomic conditions", "中国统计出版社"),
    ("中国城市统计年鉴", "国家统计局城市社会经济调查司", "Z5", "城市统计$x统计资料$y中国$j年鉴", "Cities and towns$zChina$xStatistics", "中国统计出版社"),
    ("中国教育统计年鉴", "教育部发展规划司", "G52", "教育统计$x统计资料$y中国$j年鉴", "Education$zChina$xStatistics", "人民教育出版社"),
    ("中国法律年鉴", "中国法律年鉴编辑部", "D92", "法律$y中国$j年鉴", "Law$zChina$vYearbooks", "中国法制出版社"),
    ("中国社会形势分析与预测", "中国社会科学院社会学研究所", "D669", "社会发展$x研究报告$y中国", "China$xSocial conditions", "社会科学文献出版社"),
    ("中国经济形势分析与预测", "中国社会科学院经济学部", "F124", "中国经济$x经济分析$y中国", "China$xEconomic conditions", "社会科学文献出版社"),
    ("中国城市发展报告", "中国社会科学院城市发展与环境研究所", "F12", "城市经济$x经济发展$x研究报告$y中国", "Urbanization$zChina", "社会科学文献出版社"),
    ("中国教育发展报告", "21世纪教育研究院", "G52", "教育事业$x研究报告$y中国", "Education$zChina", "社会科学文献出版社"),
    ("中国区域经济发展报告", "国家发展和改革委员会宏观经济研究院", "F127", "区域经济发展$x研究报告$y中国", "Regional planning$zChina", "经济科学出版社"),
    ("中国财政年鉴", "中国财政杂志社", "F812", "财政$y中国$j年鉴", "Finance, Public$zChina$vYearbooks", "中国财政经济出版社"),
)

# Series (225/490) by kind
SERIES_ZH = {
    "t": ("普通高等教育“十一五”国家级规划教材", "普通高等教育“十二五”规划教材", "21世纪高等学校规划教材", "高等学校教材",
          "面向21世纪课程教材", "普通高等教育“十三五”规划教材", "新世纪高等学校教材", "国外经典教材"),
    "s": ("中国社会科学院文库", "国家社科基金后期资助项目", "博士文库", "当代中国研究丛书", "学术文库", "国家哲学社会科学成果文库",
          "海外中国研究丛书", "新时代学术前沿丛书"),
    "h": ("中国断代史系列", "中国文化史丛书", "大学历史丛书", "史学丛书"),
    "r": ("辞书系列", "实用工具书系列"),
    "p": ("社会蓝皮书", "经济蓝皮书", "中国发展报告书", "区域发展蓝皮书"),
    "c": ("法律实务丛书", "案例教学丛书"),
    "l": ("法律法规释义系列", "中华人民共和国法律释义丛书"),
    "a": ("学术论丛", "论文集系列"),
    "lit": ("中国当代作家系列", "名家名作", "新世纪文库", "茅盾文学奖获奖作品全集", "中国现代文学名著丛书"),
    "trans": ("汉译世界学术名著丛书", "海外中国研究丛书", "国外经济学教材库", "计算机科学丛书", "译文经典", "外国文学名著丛书"),
}
SERIES_EN = {
    "t": ("Undergraduate texts in {T}", "Springer texts in {T}", "Graduate texts in {T}", "Cambridge texts in {T}",
          "Wiley series in {T}", "Pearson series in {T}"),
    "s": ("Routledge studies in {T}", "Cambridge studies in {T}", "Oxford studies in {T}", "Palgrave studies in {T}",
          "Studies in {T}", "Contemporary China series", "Asia's transformations"),
    "h": ("New approaches to {T}", "Cambridge history of {T}", "History of {T}"),
    "r": ("Oxford handbooks", "Routledge handbooks", "Wiley Blackwell companions"),
}
SUBTITLES_EN = {
    "t": ("an introduction", "theory and applications", "a modern approach", "concepts and methods", "principles and practice",
          "a first course", "with applications", "a practical guide"),
    "s": ("a global perspective", "new directions", "the case of China", "lessons from East Asia", "theory and evidence",
          "a critical introduction", "past, present, and future", "comparative perspectives", "institutions and change"),
    "h": ("from antiquity to the present", "a new history", "a global history", "1800 to the present",
          "a very short introduction", "an interpretive history"),
    "r": ("a reference guide", "key concepts", "an encyclopedia"),
}
TITLE_PATTERNS_EN = {
    "t": (("Introduction to {T}", 4), ("Principles of {T}", 2), ("Fundamentals of {T}", 2), ("Essentials of {T}", 1),
          ("Elements of {T}", 1), ("A first course in {T}", 1), ("{Tc}", 2), ("Applied {T}", 0.7), ("Modern {T}", 0.7)),
    "s": (("Understanding {T}", 2), ("Rethinking {T}", 1.5), ("Perspectives on {T}", 1.5), ("The politics of {T}", 1),
          ("{Tc} in China", 1.5), ("Studies in {T}", 1), ("Essays on {T}", 1), ("The future of {T}", 1),
          ("{Tc}", 2), ("Debating {T}", 0.6)),
    "h": (("A history of {T}", 3), ("{Tc}: a history", 1.5), ("The rise of {T}", 1), ("The origins of {T}", 1),
          ("A short history of {T}", 1), ("{Tc} in historical perspective", 0.8), ("The making of {T}", 0.8)),
    "r": (("The Oxford handbook of {T}", 2), ("Handbook of {T}", 2), ("The Routledge companion to {T}", 1.5),
          ("Encyclopedia of {T}", 1), ("A dictionary of {T}", 1), ("The Cambridge companion to {T}", 1)),
}
TITLE_TABLES_EN = {kind: Weighted(list(p)) for kind, p in TITLE_PATTERNS_EN.items()}
CHAPTERS_EN = {
    "t": ("Introduction", "Basic concepts", "Foundations of {T}", "Methods", "Models", "Applications", "Case studies",
          "Advanced topics", "Exercises"),
    "s": ("Introduction", "{Tc} in perspective", "Theoretical framework", "Institutions", "Evidence", "Comparative cases",
          "Policy implications", "Conclusion"),
    "h": ("Introduction", "Origins", "Formation", "Expansion", "Crisis and reform", "The modern era", "Epilogue"),
    "r": ("Introduction", "Concepts", "Approaches", "Debates", "Regions", "Future directions"),
}
ENGLISH_CLASSICS = (  # (title, author heading, clc, LCSH, original language or None, translator)
    ("Pride and prejudice", "Austen, Jane", "I561", "England$xSocial life and customs$vFiction", None),
    ("Nineteen eighty-four", "Orwell, George", "I561", "Totalitarianism$vFiction", None),
    ("Great expectations", "Dickens, Charles", "I561", "Orphans$vFiction", None),
    ("Hamlet", "Shakespeare, William", "I561", "Hamlet (Legendary character)$vDrama", None),
    ("Moby-Dick", "Melville, Herman", "I712", "Whaling$vFiction", None),
    ("The great Gatsby", "Fitzgerald, F. Scott", "I712", "Rich people$vFiction", None),
    ("The wealth of nations", "Smith, Adam", "F09", "Economics", None),
    ("On liberty", "Mill, John Stuart", "D0", "Liberty", None),
    ("Leviathan", "Hobbes, Thomas", "D0", "Political science$vEarly works to 1800", None),
    ("On the origin of species", "Darwin, Charles", "Q3", "Evolution (Biology)", None),
    ("The republic", "Plato", "B502", "Political science$xPhilosophy$vEarly works to 1800", "grc"),
    ("The prince", "Machiavelli, Niccolò", "D0", "Political science$vEarly works to 1800", "ita"),
    ("Democracy in America", "Tocqueville, Alexis de", "D0", "United States$xPolitics and government", "fre"),
    ("The analects", "Confucius", "B222", "Confucianism", "chi"),
    ("Tao te ching", "Laozi", "B223", "Taoism", "chi"),
    ("The art of war", "Sunzi", "E892", "Military art and science$vEarly works to 1800", "chi"),
    ("The story of the stone", "Cao, Xueqin", "I242.4", "Chinese fiction$yQing dynasty, 1644-1912", "chi"),
)
TRANSLATORS_EN = ("Lau, D. C.", "Hawkes, David", "Griffith, Samuel B.", "Waley, Arthur", "Lee, Desmond",
                  "Bull, George", "Mansfield, Harvey C.", "Watson, Burton", "Minford, John")

# --------------------------------------------------------------------------------------------- publishers


@dataclass(frozen=True)
class Publisher:
    """A publisher with its real ISBN group and registrant prefixes per period.

    `eras`: ((from_year, place, (registrant, ...)), ...) in ascending order; the registrants of one era are
    used together (their publication-element spaces concatenated) so that ISBNs stay unique.
    `classes`: "PREFIX:weight ..." CLC prefixes the publisher publishes in; `modes`: how its titles are made.
    """

    name: str
    country: str  # CN TW HK US GB NL DE FR RU JP SG
    group: str
    eras: tuple[tuple[int, str, tuple[str, ...]], ...]
    weight: int
    classes: str
    modes: str = "topic:1"
    language: str = "chi"
    script: str = "simplified"  # simplified / traditional / latin / cyrillic / japanese
    years: tuple[int, int] = (1980, 2024)
    textbooks: float = 0.0  # extra weight for kind "t"

    def era(self, year: int) -> tuple[int, str, tuple[str, ...]]:
        chosen = self.eras[0]
        for era in self.eras:
            if year >= era[0]:
                chosen = era
        return chosen


def _p(name, country, group, eras, weight, classes, modes="topic:1", language="chi", script="simplified",
       years=(1980, 2024), textbooks=0.0):
    if isinstance(eras, str):  # "place|reg,reg" shorthand for a single era
        place, regs = eras.split("|")
        eras = ((0, place, tuple(regs.split(","))),)
    else:
        eras = tuple((y, place, tuple(regs.split(","))) for y, place, regs in eras)
    return Publisher(name, country, group, eras, weight, classes, modes, language, script, years, textbooks)


PUBLISHERS: tuple[Publisher, ...] = (
    # -- mainland China: group 7 -------------------------------------------------------------------------
    _p("人民出版社", "CN", "7", "北京|01", 22, "A:3 D:4 F:2 K:2 B:1 C:1", "topic:0.85 canon:0.15"),
    _p("中华书局", "CN", "7", "北京|101", 26, "K:4 I2:2 B2:2 H1:1", "topic:0.55 classic:0.45"),
    _p("商务印书馆", "CN", "7", "北京|100", 26, "H:4 B:2 K:1.5 C:1 F:1 D:1", "topic:0.7 translation:0.3"),
    _p("高等教育出版社", "CN", "7", "北京|04", 40, "O:3 TP:2 TN:1 TM:1 TH:1 TU:0.5 F:2 H3:1 H1:0.5 D:1 G:1 Q:1 R:1 B:0.5 C:0.5 P:0.5 X:0.3 J:0.3 A:0.5",
       textbooks=4),
    _p("科学出版社", "CN", "7", "北京|03", 45, "O:3 P:2 Q:2 TP:1.5 R:1 S:1 X:1 N:1 TB:0.5 TK:0.5"),
    _p("清华大学出版社", "CN", "7", "北京|302", 36, "TP:5 TN:1 O:1 F:1.5 TU:0.5 TH:0.5 H3:0.5", "topic:0.9 translation:0.1",
       textbooks=2),
    _p("北京大学出版社", "CN", "7", "北京|301", 32, "D:2 F:2 H:1.5 I:1.5 K:1 B:1 C:1 G:1 O:0.5 TP:0.5",
       "topic:0.85 translation:0.15", textbooks=1),
    _p("中国统计出版社", "CN", "7", "北京|5037", 2, "F:2 C8:1", "yearbook:0.6 topic:0.4"),
    _p("上海古籍出版社", "CN", "7", ((0, "上海", "5325"), (2019, "上海", "5732")), 4, "K:2 I2:3 B2:1 H1:0.5 J:0.5",
       "topic:0.5 classic:0.5"),
    _p("人民文学出版社", "CN", "7", "北京|02", 22, "I:1", "literature:0.55 classic:0.3 translation:0.15"),
    _p("机械工业出版社", "CN", "7", "北京|111", 36, "TP:4 TH:2 TG:1 F:2 TM:1 TN:1 U:0.5 TU:0.5", "topic:0.75 translation:0.25",
       textbooks=1.5),
    _p("电子工业出版社", "CN", "7", ((0, "北京", "5053"), (2004, "北京", "121")), 4, "TP:4 TN:3 F:1",
       "topic:0.8 translation:0.2", textbooks=1),
    _p("法律出版社", "CN", "7", ((0, "北京", "5036"), (2009, "北京", "5118,5197")), 4, "D9:1", years=(1985, 2024)),
    _p("生活·读书·新知三联书店", "CN", "7", "北京|108", 14, "B:1 C:1 I:1 K:2 J:0.5 D:0.5 F:0.5",
       "topic:0.6 translation:0.25 classic:0.15"),
    _p("中国社会科学出版社", "CN", "7", ((0, "北京", "5004"), (2010, "北京", "5161,5203,5227")), 4,
       "D:2 F:2 C:1.5 K:1.5 B:1 I:1 G:0.5 H:0.5", "topic:1"),
    _p("外语教学与研究出版社", "CN", "7", ((0, "北京", "5600"), (2008, "北京", "5135,5213")), 4, "H3:4 H0:1 H1:0.5 I5:0.3",
       "topic:0.9 translation:0.1", textbooks=2),
    _p("上海译文出版社", "CN", "7", "上海|5327", 2, "I:1 B:0.3", "translation:0.8 topic:0.2"),
    _p("浙江大学出版社", "CN", "7", "杭州|308", 14, "TP:1 F:1 O:1 H:1 G:1 I:0.5 R:0.5 K:0.5", textbooks=1),
    _p("四川人民出版社", "CN", "7", "成都|220", 8, "D:1 K:1.5 I:1 F:1 C:0.5", "topic:0.8 literature:0.2"),
    _p("中国人民大学出版社", "CN", "7", "北京|300", 28, "F:3 D:2 C:2 G:1 H:0.5 B:1 K:0.5", "topic:0.8 translation:0.2",
       textbooks=1),
    _p("北京师范大学出版社", "CN", "7", "北京|303", 12, "G:3 B84:1.5 H:1 I:1 O:0.5", textbooks=1),
    _p("复旦大学出版社", "CN", "7", "上海|309", 14, "F:1 D:1 G:1 H:1 I:1 K:1 B:0.5 C:0.5", textbooks=1),
    _p("上海人民出版社", "CN", "7", "上海|208", 12, "D:1 F:1 K:1.5 C:1 B:0.5", "topic:0.75 translation:0.25"),
    _p("华东师范大学出版社", "CN", "7", ((0, "上海", "5617"), (2009, "上海", "5675,5760")), 4, "G:3 B:1 H:0.5 I:0.5",
       "topic:0.85 translation:0.15"),
    _p("南京大学出版社", "CN", "7", "南京|305", 8, "F:1 D:1 H:1 I:1 K:1 G:1 O:0.5 P:0.5"),
    _p("武汉大学出版社", "CN", "7", "武汉|307", 8, "G25:1 D9:1 P2:1 F:1 H:0.5 K:0.5 TP:0.5"),
    _p("中山大学出版社", "CN", "7", "广州|306", 6, "F:1 D:1 K:1 C:1 R:0.5 H:0.5"),
    _p("上海交通大学出版社", "CN", "7", "上海|313", 8, "TP:1 TH:1 TN:0.5 O:1 R:0.5 F:0.5 U:0.5", textbooks=1),
    _p("人民邮电出版社", "CN", "7", "北京|115", 28, "TP:5 TN:2", "topic:0.7 translation:0.3", textbooks=1),
    _p("人民卫生出版社", "CN", "7", "北京|117", 20, "R:1", textbooks=2),
    _p("化学工业出版社", "CN", "7", ((0, "北京", "5025"), (2005, "北京", "122")), 4, "TQ:2 O6:2 X:1 TS:1 TK:0.5"),
    _p("社会科学文献出版社", "CN", "7", ((0, "北京", "5097"), (2017, "北京", "5201,5228")), 4, "D:2 F:2 C:2 K:1",
       "topic:0.55 yearbook:0.45", years=(2007, 2024)),
    _p("广西师范大学出版社", "CN", "7", ((0, "桂林", "5633"), (2010, "桂林", "5495,5598")), 4, "K:2 I:2 B:1 G:1 J:0.5",
       "topic:0.6 translation:0.2 classic:0.2"),
    _p("江苏人民出版社", "CN", "7", "南京|214", 8, "D:1 K:2 F:1 C:0.5", "topic:0.5 translation:0.5"),
    _p("作家出版社", "CN", "7", ((0, "北京", "5063"), (2016, "北京", "5212")), 4, "I:1", "literature:0.9 classic:0.1"),
    _p("译林出版社", "CN", "7", ((0, "南京", "5447"), (2020, "南京", "5753")), 4, "I:1 K:0.3", "translation:0.9 topic:0.1",
       years=(2000, 2024)),
    _p("北京语言大学出版社", "CN", "7", "北京|5619", 2, "H1:3 H:1", textbooks=2),
    _p("中国财政经济出版社", "CN", "7", ((0, "北京", "5005"), (2008, "北京", "5095,5223")), 4, "F8:3 F23:2"),
    _p("经济科学出版社", "CN", "7", ((0, "北京", "5058"), (2011, "北京", "5141,5218")), 4, "F:3", "topic:0.8 yearbook:0.2"),
    _p("文物出版社", "CN", "7", "北京|5010", 2, "K8:2 J:2"),
    _p("国防工业出版社", "CN", "7", "北京|118", 8, "V:2 TN:1 TP:1 E:1 O3:1"),
    _p("人民教育出版社", "CN", "7", "北京|107", 10, "G:2 H:1 O:1", "topic:0.9 yearbook:0.1"),
    _p("中国法制出版社", "CN", "7", ((0, "北京", "5093"), (2019, "北京", "5216")), 4, "D9:1", "topic:0.9 yearbook:0.1",
       years=(2000, 2024)),
    _p("中国政法大学出版社", "CN", "7", ((0, "北京", "5620"), (2021, "北京", "5764")), 2, "D9:3 D:1"),
    _p("中国农业出版社", "CN", "7", "北京|109", 8, "S:3 F3:1"),
    _p("花城出版社", "CN", "7", "广州|5360", 2, "I:1", "literature:0.7 classic:0.3"),
    _p("北岳文艺出版社", "CN", "7", "太原|5378", 2, "I:1", "literature:0.6 classic:0.4"),
    _p("湖南人民出版社", "CN", "7", "长沙|217", 6, "D:1 K:1 I:1 F:1", "topic:0.8 literature:0.2"),
    _p("西安交通大学出版社", "CN", "7", "西安|5605", 2, "TP:1 TM:1 O:1 R:0.5 F:0.5", textbooks=1),
    _p("哈尔滨工业大学出版社", "CN", "7", "哈尔滨|5603", 2, "TH:1 TP:1 O:1 V:0.5", textbooks=1),
    _p("上海科学技术出版社", "CN", "7", ((0, "上海", "5323"), (2012, "上海", "5478")), 4, "R:2 O:1 Q:1 S:1"),
    _p("中央文献出版社", "CN", "7", "北京|5073", 2, "A:3 D:2 K:1", "topic:0.7 canon:0.3"),
    _p("天津人民出版社", "CN", "7", "天津|201", 5, "D:1 K:1 F:1 C:1"),
    _p("四川大学出版社", "CN", "7", ((0, "成都", "5614"), (2016, "成都", "5690")), 2, "K:1 I:1 D:1 TP:0.5 R:0.5"),
    _p("科学技术文献出版社", "CN", "7", ((0, "北京", "5023"), (2016, "北京", "5189")), 2, "N:1 R:1 G3:1"),
    # -- Taiwan and Hong Kong: traditional script ------------------------------------------------------------
    _p("聯經出版事業公司", "TW", "957", "臺北|08", 4, "K:2 I:2 B:1 D:1 F:1", "topic:0.6 classic:0.25 literature:0.15",
       script="traditional", years=(1985, 2024)),
    _p("三民書局", "TW", "957", "臺北|14", 4, "B:1 D:1 K:1 H:1 I:1", "topic:0.7 classic:0.3", script="traditional",
       years=(1985, 2024)),
    _p("臺灣商務印書館", "TW", "957", "臺北|05", 3, "H:1 B:1 K:1 I:1", "topic:0.6 classic:0.4", script="traditional",
       years=(1985, 2024)),
    _p("五南圖書出版股份有限公司", "TW", "957", "臺北|11", 3, "D9:2 F:1 G:1 C:1", script="traditional", years=(1990, 2024)),
    _p("遠流出版事業股份有限公司", "TW", "957", "臺北|32", 2, "I:2 K:1", "topic:0.4 classic:0.3 literature:0.3",
       script="traditional", years=(1985, 2024)),
    _p("商務印書館(香港)有限公司", "HK", "962", "香港|07", 3, "H:1 K:1 I:1", "topic:0.6 classic:0.4", script="traditional",
       years=(1985, 2024)),
    _p("三聯書店(香港)有限公司", "HK", "962", "香港|04", 4, "K:1 I:1 J:1 C:1", "topic:0.5 classic:0.3 literature:0.2",
       script="traditional", years=(1985, 2024)),
    # -- English ------------------------------------------------------------------------------------------------
    _p("Springer", "DE", "3", ((0, "Berlin", "540"), (2009, "Berlin", "642"), (2014, "Cham", "319"), (2019, "Cham", "030")),
       32, "TP:3 O:3 Q:1 P:1 R:1 TB:1 F:1 TN:1", language="eng", script="latin", years=(1975, 2024), textbooks=1),
    _p("Wiley", "US", "0", ((0, "New York", "471"), (2000, "Hoboken, NJ", "470"), (2011, "Hoboken, NJ", "118"),
                             (2016, "Hoboken, NJ", "119")), 24, "TP:2 F:2 O:2 TN:1 R:1 B84:1 C:1", language="eng", script="latin",
       years=(1975, 2024), textbooks=1),
    _p("Oxford University Press", "GB", "0", "Oxford|19", 34, "B:2 D:2 F:1 I:2 K:2 H:1 C:1 O:1 R:0.5",
       "topic:0.9 classic:0.1", language="eng", script="latin", years=(1965, 2024)),
    _p("Cambridge University Press", "GB", "0", ((0, "Cambridge", "521"), (2011, "Cambridge", "107"),
                                                  (2017, "Cambridge", "108")), 34,
       "B:1 D:2 F:2 H:1.5 I:1.5 K:2 O:1 Q:0.5 C:1", language="eng", script="latin", years=(1965, 2024)),
    _p("Routledge", "GB", "0", ((0, "London", "415"), (2014, "London", "138")), 24, "C:2 D:2 G:1.5 F:1 H:1 B:1 J:0.5 K:1",
       language="eng", script="latin", years=(1975, 2024)),
    _p("Elsevier", "NL", "0", "Amsterdam|444", 7, "O6:1 Q:1 R:1 TB:1 X:1 P:1", language="eng", script="latin",
       years=(1975, 2024)),
    _p("Academic Press", "US", "0", "San Diego|12", 7, "Q:2 R:1 O:1 TP:1 B84:1", language="eng", script="latin",
       years=(1970, 2024)),
    _p("MIT Press", "US", "0", "Cambridge, Mass.|262", 14, "TP:3 F:1 B:1 D:0.5 TU:0.5 J:0.5 H:0.5", language="eng",
       script="latin", years=(1965, 2024)),
    _p("Princeton University Press", "US", "0", "Princeton|691", 11, "F:2 D:2 K:2 B:1 O:1 I:0.5", language="eng",
       script="latin", years=(1965, 2024)),
    _p("Harvard University Press", "US", "0", "Cambridge, Mass.|674", 11, "K:2 D:1.5 F:1 B:1 I:1", language="eng",
       script="latin", years=(1965, 2024)),
    _p("University of Chicago Press", "US", "0", "Chicago|226", 7, "C:1 F:1 K:1 B:1 D:1", language="eng", script="latin",
       years=(1965, 2024)),
    _p("Yale University Press", "US", "0", "New Haven|300", 7, "K:2 D:1 B:1 J:1", language="eng", script="latin",
       years=(1965, 2024)),
    _p("Stanford University Press", "US", "0", ((0, "Stanford, Calif.", "8047"), (2016, "Stanford, Calif.", "5036")), 2,
       "K2:2 D:1 C:1", language="eng", script="latin", years=(1965, 2024)),
    _p("Columbia University Press", "US", "0", "New York|231", 6, "K:1 D:1 B:1 I:1", language="eng", script="latin",
       years=(1965, 2024)),
    _p("University of California Press", "US", "0", "Berkeley|520", 6, "K:1 C:1 J:1 D:1", language="eng", script="latin",
       years=(1965, 2024)),
    _p("W. W. Norton", "US", "0", "New York|393", 6, "K:2 F:1 I:1", "topic:0.8 classic:0.2", language="eng",
       script="latin", years=(1965, 2024)),
    _p("Penguin", "GB", "0", "London|14", 10, "I:3 K:1 B:1", "topic:0.4 classic:0.6", language="eng", script="latin",
       years=(1960, 2024)),
    _p("Pearson", "US", "0", ((0, "Upper Saddle River, NJ", "13"), (2012, "Boston", "13")), 12, "TP:2 F:2 O:1 TN:1 TM:1",
       language="eng", script="latin", years=(1975, 2024), textbooks=2),
    _p("McGraw-Hill", "US", "0", "New York|07", 10, "F:2 TP:1 O:1 TH:1 R:1", language="eng", script="latin",
       years=(1965, 2024), textbooks=2),
    _p("Addison-Wesley", "US", "0", ((0, "Reading, Mass.", "201"), (2000, "Boston", "321")), 2, "TP:1", language="eng",
       script="latin", years=(1970, 2024), textbooks=1),
    _p("Sage", "US", "0", ((0, "Thousand Oaks, Calif.", "7619"), (2005, "Thousand Oaks, Calif.", "4129"),
                            (2012, "London", "4462")), 2, "C:2 G:1 B84:1 D:0.5", language="eng", script="latin",
       years=(1990, 2024)),
    _p("Palgrave Macmillan", "GB", "0", ((0, "Basingstoke", "333"), (2005, "Basingstoke", "230"),
                                          (2012, "New York", "137")), 8, "D:2 F:2 C:1 K:1 I:1", language="eng",
       script="latin", years=(1980, 2024)),
    _p("Brill", "NL", "90", "Leiden|04", 5, "K:2 B:1 H:1 I:1", language="eng", script="latin", years=(1975, 2024)),
    _p("World Scientific", "SG", "981", "Singapore|02", 4, "O:1 TP:1 F:1", language="eng", script="latin",
       years=(1985, 2024)),
    _p("Blackwell", "GB", "0", ((0, "Oxford", "631"), (2004, "Malden, MA", "4051")), 2, "B:1 C:1 F:1 H:1 I:1",
       language="eng", script="latin", years=(1975, 2012)),
    _p("Dover Publications", "US", "0", "Mineola, N.Y.|486", 3, "O:2 I:1", "topic:0.6 classic:0.4", language="eng",
       script="latin", years=(1965, 2024)),
    _p("CRC Press", "US", "1", ((0, "Boca Raton", "4200"), (2011, "Boca Raton", "4665"), (2016, "Boca Raton", "4987")), 2,
       "TP:2 O:1 TB:1 R:1 X:1", language="eng", script="latin", years=(2005, 2024)),
    # -- other Western languages -------------------------------------------------------------------------------
    _p("Suhrkamp", "DE", "3", "Frankfurt am Main|518", 3, "B:1", language="ger", script="latin", years=(1970, 2024)),
    _p("De Gruyter", "DE", "3", "Berlin|11", 3, "H:1", language="ger", script="latin", years=(1970, 2024)),
    _p("C.H. Beck", "DE", "3", "München|406", 2, "K:1", language="ger", script="latin", years=(1970, 2024)),
    _p("Mohr Siebeck", "DE", "3", "Tübingen|16", 2, "D:1", language="ger", script="latin", years=(1970, 2024)),
    _p("Gallimard", "FR", "2", "Paris|07", 4, "I:1", language="fre", script="latin", years=(1970, 2024)),
    _p("Presses universitaires de France", "FR", "2", "Paris|13", 3, "B:1", language="fre", script="latin",
       years=(1970, 2024)),
    _p("Éditions du Seuil", "FR", "2", "Paris|02", 3, "C:1", language="fre", script="latin", years=(1970, 2024)),
    _p("Наука", "RU", "5", "Москва|02", 4, "O:1", language="rus", script="cyrillic", years=(1992, 2024)),
    _p("Издательство Московского университета", "RU", "5", "Москва|211", 3, "K:1", language="rus", script="cyrillic",
       years=(1992, 2024)),
    _p("岩波書店", "JP", "4", "東京|00", 4, "K:1", language="jpn", script="japanese", years=(1970, 2024)),
    _p("東京大学出版会", "JP", "4", "東京|13", 4, "K:1", language="jpn", script="japanese", years=(1970, 2024)),
    _p("汲古書院", "JP", "4", "東京|7629", 2, "K:1", language="jpn", script="japanese", years=(1975, 2024)),
    _p("講談社", "JP", "4", "東京|06", 3, "K:1", language="jpn", script="japanese", years=(1970, 2024)),
)
ANCIENT_WEIGHT = 10  # slots (per ~1000) of the pseudo-publisher of 古籍 (rare books, no ISBN)

# MARC 21 008/15-17 place codes and CNMARC 102 region codes
PLACE_CODES = {
    "北京": ("cc ", "110000"), "上海": ("cc ", "310000"), "天津": ("cc ", "120000"), "杭州": ("cc ", "330000"),
    "成都": ("cc ", "510000"), "南京": ("cc ", "320000"), "武汉": ("cc ", "420000"), "广州": ("cc ", "440000"),
    "桂林": ("cc ", "450000"), "长沙": ("cc ", "430000"), "西安": ("cc ", "610000"), "太原": ("cc ", "140000"),
    "哈尔滨": ("cc ", "230000"), "臺北": ("ch ", "710000"), "香港": ("cc ", "810000"),
    "Berlin": ("gw ", ""), "Cham": ("sz ", ""), "New York": ("nyu", ""), "Hoboken, NJ": ("nju", ""), "Oxford": ("enk", ""),
    "Cambridge": ("enk", ""), "London": ("enk", ""), "Amsterdam": ("ne ", ""), "San Diego": ("cau", ""),
    "Cambridge, Mass.": ("mau", ""), "Princeton": ("nju", ""), "Chicago": ("ilu", ""), "New Haven": ("ctu", ""),
    "Stanford, Calif.": ("cau", ""), "Berkeley": ("cau", ""), "Upper Saddle River, NJ": ("nju", ""), "Boston": ("mau", ""),
    "Reading, Mass.": ("mau", ""), "Thousand Oaks, Calif.": ("cau", ""), "Basingstoke": ("enk", ""), "Leiden": ("ne ", ""),
    "Singapore": ("si ", ""), "Malden, MA": ("mau", ""), "Mineola, N.Y.": ("nyu", ""), "Boca Raton": ("flu", ""),
    "Frankfurt am Main": ("gw ", ""), "München": ("gw ", ""), "Tübingen": ("gw ", ""), "Paris": ("fr ", ""),
    "Москва": ("ru ", ""), "東京": ("ja ", ""),
}
PLACE_PINYIN = {"北京": "Beijing", "上海": "Shanghai", "天津": "Tianjin", "杭州": "Hangzhou", "成都": "Chengdu",
                "南京": "Nanjing", "武汉": "Wuhan", "广州": "Guangzhou", "桂林": "Guilin", "长沙": "Changsha",
                "西安": "Xi'an", "太原": "Taiyuan", "哈尔滨": "Harbin", "臺北": "Taibei", "香港": "Xianggang"}

# Ancient-book printers: (name, place, first year, last year)
ANCIENT_PRINTERS = (
    ("汲古閣", "常熟", 1600, 1660), ("武英殿", "京師", 1700, 1800), ("金陵書局", "金陵", 1864, 1908),
    ("浙江書局", "杭州", 1867, 1908), ("崇文書局", "武昌", 1867, 1908), ("江蘇書局", "蘇州", 1868, 1908),
    ("廣雅書局", "廣州", 1887, 1908), ("掃葉山房", "上海", 1880, 1935), ("點石齋", "上海", 1879, 1898),
    ("同文書局", "上海", 1882, 1898), ("商務印書館", "上海", 1912, 1949), ("中華書局", "上海", 1912, 1949),
    ("世界書局", "上海", 1921, 1949), ("文盛堂", "成都", 1820, 1900), ("富文堂", "京師", 1750, 1850),
)
# (dynasty, reign, first year, number of years)
REIGNS = (
    ("明", "萬曆", 1573, 48), ("明", "崇禎", 1628, 17), ("清", "康熙", 1662, 61), ("清", "雍正", 1723, 13),
    ("清", "乾隆", 1736, 60), ("清", "嘉慶", 1796, 25), ("清", "道光", 1821, 30), ("清", "咸豐", 1851, 11),
    ("清", "同治", 1862, 13), ("清", "光緒", 1875, 34), ("清", "宣統", 1909, 3), ("民國", "", 1912, 38),
)
ANCIENT_EDITIONS = ("刻本", "刻本", "刻本", "重刻本", "木活字本", "石印本", "鉛印本", "影印本", "抄本")

# ------------------------------------------------------------------------------------------- holdings

LOCATIONS_ZH = ("中文图书借阅区", "中文图书阅览室", "社科书库", "自然科学书库", "保存本库", "基藏书库", "流通书库",
                "教参书库", "新书阅览室", "分馆中文书库")
LOCATIONS_WESTERN = ("外文图书借阅区", "外文书库", "外文图书阅览室", "Stacks", "Main Stacks", "Reference", "保存本库")
LOCATIONS_ANCIENT = ("古籍部", "古籍特藏库", "善本书库", "古籍阅览室")
LOCATIONS_REFERENCE = ("工具书阅览室", "参考咨询区")

# Libraries whose exports use MARC 21 for Chinese books too (romanised 245 with 880 script fields), as Hong
# Kong, Macao, overseas and a few mainland libraries running Western systems do.
MARC21_FLAVOUR_CODES = frozenset({"HKU", "CUHK", "HKUST", "POLYU", "CITYU", "HKBU", "LU", "EDUHK", "UM", "NTU", "NCCU",
                                  "NTHU", "ASCC", "HYL", "LC", "UCB", "UW", "SJTU"})
BIG_LIBRARIES = frozenset({"PKU", "THU", "FDU", "NJU", "ZJU", "WHU", "SYSU", "SJTU", "RUC", "BNU", "SCU", "JLU", "SDU",
                           "HUST", "XJTU", "NKU"})
