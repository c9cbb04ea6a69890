"""Micro-benchmark of yidu.textzh, and the jieba vs rjieba comparison behind its choices.

    .venv/bin/python -m benchmarks.textzh [--json] [--chart PATH] [--n 600] [--repeat 5]

Prints one JSON object on stdout (indented; compact with --json, which also silences the
human-readable table that otherwise goes to stderr) and writes a PNG bar chart to --chart
(default artifacts/bench-textzh.png). Inputs are generated here: a few hundred distinct,
catalogue-like strings (titles, names, subject headings, publishers, some in traditional
characters or with full-width forms and stray spaces, some Western).

Timings are microseconds per call, best of --repeat passes over all inputs (min is the least
noisy estimate of the cost itself). "cold" figures are first-call costs in this process.
"analyze_uncached" bypasses analyze()'s LRU cache (its per-word memos are warm, as in a long
indexing run); "analyze_uncached_cold_memos" empties those memos before each pass too.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import sys
import time

TOPICS = [
    "经济发展", "人工智能", "机器学习", "数据结构", "中国近代史", "量子力学", "现代汉语", "古代文学",
    "城市规划", "环境保护", "国际关系", "计算机网络", "民法典", "刑法学", "心理学", "社会学", "教育学",
    "马克思主义哲学", "高等数学", "线性代数", "有机化学", "分子生物学", "中医药", "建筑设计", "红楼梦",
    "唐诗宋词", "明清小说", "区域经济", "金融市场", "货币银行学", "图书馆学", "信息检索", "语言学",
    "考古学", "敦煌学", "中华人民共和国宪法", "农村土地制度", "长江流域生态", "音乐理论", "银行管理",
]
FORMS = [
    "研究", "导论", "概论", "教程", "论文集", "史", "词典", "手册", "报告", "释义", "选集", "评论",
    "案例分析", "年鉴", "发展报告", "基础", "原理与应用", "新论", "丛书", "资料汇编",
]
PLACES = [
    "中国", "北京", "上海", "重庆", "西安", "广东", "台湾", "香港", "江苏", "浙江", "长江三角洲",
    "丝绸之路", "东北", "西藏", "新疆", "云南", "长安", "中华",
]
NAMES = [
    "鲁迅", "沈从文", "钱钟书", "张爱玲", "老舍", "巴金", "茅盾", "郭沫若", "胡适", "梁启超", "王国维",
    "陈寅恪", "费孝通", "季羡林", "朱自清", "曾国藩", "单田芳", "乐黛云", "解缙", "查良镛",
]
PUBLISHER_KINDS = [
    "出版社", "大学出版社", "人民出版社", "教育出版社", "科学出版社", "文艺出版社", "统计出版社",
    "书局", "古籍出版社", "社会科学文献出版社",
]
HEADING_FORMS = ["概况", "研究", "历史", "统计资料", "教材", "文集", "中国", "现代", "古代"]
LANGS = ["Python", "Java", "C++", "Go", "Rust", "JavaScript", "R语言", "MATLAB"]
WESTERN = [
    "Introduction to Algorithms", "Études sur le XVIIIe siècle", "Geschichte der Philosophie",
    "The Art of Computer Programming", "Økonomisk historie", "A Brief History of Time",
    "Über die Natur der Dinge", "Les Misérables", "Economic Development in East Asia",
    "Handbook of Chinese Linguistics", "Sinica Leidensia", "The Cambridge History of China",
]


def make_corpus(n: int, seed: int = 20240601) -> list[str]:
    """n distinct catalogue-like strings, deterministic for a seed."""
    import opencc

    s2t = opencc.OpenCC("s2t")
    rnd = random.Random(seed)
    c = rnd.choice

    def fullwidth(s: str) -> str:
        return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in s)

    templates = [
        lambda: f"'{rnd.randint(80, 99)}{c(PLACES)}{c(TOPICS)}报告",
        lambda: f"{c(TOPICS)}{c(FORMS)}（第{rnd.randint(2, 9)}版）",
        lambda: f"{c(PLACES)}{c(TOPICS)}{c(FORMS)}",
        lambda: f"{c(NAMES)}全集",
        lambda: f"{c(NAMES)}{c(FORMS)}",
        lambda: f"{c(NAMES)}与{c(TOPICS)}",
        lambda: c(NAMES),
        lambda: f"{c(TOPICS)}－{c(HEADING_FORMS)}－{c(PLACES)}－{rnd.randint(1949, 2024)}",
        lambda: f"{c(PLACES)}{c(PUBLISHER_KINDS)}",
        lambda: f"{c(LANGS)}编程：从入门到实践",
        lambda: f"{c(TOPICS)}：{c(TOPICS)}的视角",
        lambda: f"{c(WESTERN)}: {c(TOPICS)}",
        lambda: c(WESTERN) + f", {rnd.randint(1, 12)}th ed.",
        lambda: f"{rnd.randint(1990, 2024)}年{c(PLACES)}{c(TOPICS)}{c(FORMS)}",
    ]
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        s = c(templates)()
        r = rnd.random()
        if r < 0.2:
            s = s2t.convert(s)  # traditional
        elif r < 0.25:
            s = fullwidth(s)
        elif r < 0.3 and len(s) > 2:
            k = rnd.randint(1, len(s) - 1)
            s = s[:k] + "  " + s[k:]  # a cataloger's stray spaces
        if s not in seen:
            seen.add(s)
            out.append(s)
    return out


def per_call_us(f, xs, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for x in xs:
            f(x)
        best = min(best, time.perf_counter() - t0)
    return best / len(xs) * 1e6


def cold_memo_us(f, xs, repeat: int) -> float:
    """Like per_call_us, with textzh's per-word memos emptied before each pass (within a pass,
    words still repeat across inputs, as they do in a catalogue)."""
    from yidu.textzh import romanize, segmentation

    best = float("inf")
    for _ in range(repeat):
        romanize._memo.clear()
        segmentation._subwords.clear()
        t0 = time.perf_counter()
        for x in xs:
            f(x)
        best = min(best, time.perf_counter() - t0)
    return best / len(xs) * 1e6


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.textzh", description=__doc__.split("\n")[0])
    ap.add_argument("--json", action="store_true", help="compact JSON only on stdout, no table")
    ap.add_argument("--chart", default=os.path.join("artifacts", "bench-textzh.png"))
    ap.add_argument("--n", type=int, default=600, help="distinct input strings")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--random", type=int, default=3000, help="random Han strings for the token comparison")
    args = ap.parse_args(argv)

    result: dict = {"inputs": args.n, "repeat": args.repeat, "python": sys.version.split()[0]}
    cold: dict[str, float] = {}

    # --- cold costs (first in this process) -----------------------------------------------------
    t0 = time.perf_counter()
    from yidu import textzh
    from yidu.textzh import analysis, folding, romanize, segmentation

    cold["import_textzh_ms"] = (time.perf_counter() - t0) * 1e3
    for name, mod in (("opencc", folding), ("rjieba", segmentation), ("pinyin_tables", romanize)):
        t0 = time.perf_counter()
        mod.warm_up()
        cold[f"load_{name}_ms"] = (time.perf_counter() - t0) * 1e3
    t0 = time.perf_counter()
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    cold["load_jieba_python_ms"] = (time.perf_counter() - t0) * 1e3
    t0 = time.perf_counter()
    import pypinyin

    pypinyin.lazy_pinyin("中")
    cold["load_pypinyin_ms"] = (time.perf_counter() - t0) * 1e3
    import rjieba

    result["cold"] = {k: round(v, 1) for k, v in cold.items()}

    corpus = make_corpus(args.n)
    folded = [textzh.fold(s) for s in corpus]
    han_only = [f for f in folded if f and all(folding.HAN_CHAR.match(ch) for ch in f)]
    R = args.repeat
    t = lambda f, xs=corpus: round(per_call_us(f, xs, R), 2)  # noqa: E731

    # --- yidu.textzh, per function ----------------------------------------------------------------
    textzh.cache_clear()
    fns = {
        "has_cjk": t(textzh.has_cjk),
        "fold": t(textzh.fold),
        "fold_already_folded": t(textzh.fold, folded),
        "t2s_opencc": t(folding.t2s, folded),
        "segment": t(textzh.segment),
        "segment_for_index": t(lambda s: textzh.segment(s, for_index=True)),
        "pinyin": t(textzh.pinyin),
        "initials": t(textzh.initials),
        "analyze_uncached": t(analysis._analyze),
        "analyze_uncached_cold_memos": round(cold_memo_us(analysis._analyze, corpus, R), 2),
        "split_pinyin": t(textzh.split_pinyin, [" ".join(textzh.pinyin(s)) for s in corpus[:200]]),
        "looks_like_initials": t(textzh.looks_like_initials, [textzh.initials(s) for s in corpus[:200]]),
    }
    textzh.cache_clear()
    for s in corpus:
        textzh.analyze(s)
    fns["analyze_cached"] = t(textzh.analyze)
    result["us_per_call"] = fns
    result["mean_chars_per_input"] = round(sum(map(len, corpus)) / len(corpus), 1)

    # --- jieba vs rjieba on the folded strings ---------------------------------------------------
    def cmp(a_fn, b_fn, xs):
        diffs = [(x, a_fn(x), b_fn(x)) for x in xs]
        diffs = [d for d in diffs if d[1] != d[2]]
        return len(diffs), [{"input": x, "a": a, "b": b} for x, a, b in diffs[:5]]

    emulated = lambda s: segmentation.index_tokens(segmentation.words(s))  # noqa: E731
    jb = {
        "jieba_cut": t(jieba.lcut, folded),
        "rjieba_cut": t(rjieba.cut, folded),
        "jieba_cut_for_search": t(jieba.lcut_for_search, folded),
        "rjieba_cut_for_search": t(rjieba.cut_for_search, folded),
        "textzh_for_index_emulation": t(emulated, folded),
    }
    out_jb: dict = {k + "_us": v for k, v in jb.items()}
    for k, v in jb.items():
        out_jb[k + "_calls_per_s"] = round(1e6 / v)
    out_jb["ratio_cut"] = round(jb["jieba_cut"] / jb["rjieba_cut"], 1)
    out_jb["ratio_cut_for_search"] = round(jb["jieba_cut_for_search"] / jb["rjieba_cut_for_search"], 1)
    n, ex = cmp(jieba.lcut, rjieba.cut, folded)
    out_jb["cut_differences"] = {"count": n, "of": len(folded), "examples(a=jieba,b=rjieba)": ex}
    n, ex = cmp(jieba.lcut_for_search, rjieba.cut_for_search, folded)
    out_jb["cut_for_search_differences"] = {"count": n, "of": len(folded), "examples(a=jieba,b=rjieba)": ex}
    n, ex = cmp(jieba.lcut_for_search, emulated, han_only)
    out_jb["han_only_for_search_vs_emulation"] = {
        "count": n, "of": len(han_only), "examples(a=jieba,b=textzh)": ex,
    }
    # random Han strings made of jieba dictionary words and single characters: a wider net
    rnd = random.Random(7)
    with open(os.path.join(os.path.dirname(jieba.__file__), "dict.txt"), encoding="utf-8") as f:
        vocab = [w for w in (line.split(" ", 1)[0] for line in f) if all("\u4e00" <= ch <= "\u9fa5" for ch in w)]
    singles = [chr(cp) for cp in range(0x4E00, 0x9FA6)]
    rand = [
        "".join(rnd.choice(vocab) if rnd.random() < 0.8 else rnd.choice(singles) for _ in range(rnd.randint(1, 6)))
        for _ in range(args.random)
    ]
    out_jb["random_han_strings"] = {
        "count": len(rand),
        "cut_differences": cmp(jieba.lcut, rjieba.cut, rand)[0],
        "cut_for_search_differences": cmp(jieba.lcut_for_search, rjieba.cut_for_search, rand)[0],
        "for_search_vs_textzh_emulation_differences": cmp(jieba.lcut_for_search, emulated, rand)[0],
    }
    result["jieba_vs_rjieba"] = out_jb

    # --- pinyin: pypinyin.lazy_pinyin vs the tables ----------------------------------------------
    lp = lambda s: pypinyin.lazy_pinyin(s, errors="ignore")  # noqa: E731
    ours = lambda s: romanize.romanize_tokens(segmentation.words(s))[0]  # noqa: E731
    agree = sum(lp(s) == ours(s) for s in han_only)
    disagreements = [{"input": s, "pypinyin": lp(s), "textzh": ours(s)} for s in han_only if lp(s) != ours(s)]
    result["pinyin"] = {
        "pypinyin_lazy_pinyin_us": t(lp, han_only),
        "textzh_tables_us": t(ours, han_only),
        "agreement_with_lazy_pinyin": f"{agree}/{len(han_only)}",
        "disagreements": disagreements[:5],
    }
    result["pinyin"]["ratio"] = round(result["pinyin"]["pypinyin_lazy_pinyin_us"] / result["pinyin"]["textzh_tables_us"], 1)

    # --- chart -------------------------------------------------------------------------------------
    try:
        chart = write_chart(args.chart, fns, jb, result["pinyin"])
        result["chart"] = chart
    except ImportError as exc:  # pragma: no cover - matplotlib is a project dependency
        result["chart_error"] = str(exc)

    if args.json:
        print(json.dumps(result, ensure_ascii=False, separators=(",", ":")))
    else:
        print_table(result, file=sys.stderr)
        print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


def write_chart(path: str, fns: dict, jb: dict, py: dict) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(13, 5.5))
    names = list(fns)
    a1.barh(names, [fns[k] for k in names], color="#4477aa")
    a1.invert_yaxis()
    a1.set_xlim(0, max(fns.values()) * 1.15)
    a1.set_xlabel("µs per call (best of passes)")
    a1.set_title("yidu.textzh per function")
    for i, k in enumerate(names):
        a1.text(fns[k], i, f" {fns[k]:.2f}", va="center", fontsize=8)
    labels = list(jb) + ["pypinyin.lazy_pinyin", "textzh pinyin tables"]
    vals = list(jb.values()) + [py["pypinyin_lazy_pinyin_us"], py["textzh_tables_us"]]
    colors = ["#cc6677" if k.startswith("jieba") or k.startswith("pypinyin") else "#117733" for k in labels]
    a2.barh(labels, vals, color=colors)
    a2.invert_yaxis()
    a2.set_xscale("log")
    ticks = [t for t in (0.3, 1, 3, 10, 30, 100, 300) if t <= max(vals) * 3]
    a2.set_xticks(ticks, [f"{t:g}" for t in ticks])
    a2.minorticks_off()
    a2.set_xlim(min(vals) / 2, max(vals) * 3)
    a2.set_xlabel("µs per call, log scale")
    a2.set_title("pure Python (red) vs chosen (green)")
    for i, v in enumerate(vals):
        a2.text(v, i, f" {v:.2f}", va="center", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def print_table(result: dict, file) -> None:
    print(f"{result['inputs']} inputs, mean {result['mean_chars_per_input']} chars", file=file)
    print("cold: " + ", ".join(f"{k}={v}" for k, v in result["cold"].items()), file=file)
    for k, v in result["us_per_call"].items():
        print(f"  {k:<24} {v:>8.2f} us", file=file)
    j = result["jieba_vs_rjieba"]
    print(
        f"jieba/rjieba: cut x{j['ratio_cut']}, cut_for_search x{j['ratio_cut_for_search']}; "
        f"token differences: cut {j['cut_differences']['count']}/{j['cut_differences']['of']}, "
        f"search {j['cut_for_search_differences']['count']}/{j['cut_for_search_differences']['of']}; "
        f"random Han strings: {j['random_han_strings']}",
        file=file,
    )
    p = result["pinyin"]
    print(
        f"pinyin: lazy_pinyin {p['pypinyin_lazy_pinyin_us']} us vs tables {p['textzh_tables_us']} us "
        f"(x{p['ratio']}), agreement {p['agreement_with_lazy_pinyin']}",
        file=file,
    )


if __name__ == "__main__":
    sys.exit(main())
