#!/usr/bin/env python3
"""Regenerates the front end's Chinese font: one WOFF2 subset per weight of the bundled Noto Sans SC.

    python3 -m venv /tmp/fontvenv && /tmp/fontvenv/bin/pip install fonttools brotli
    /tmp/fontvenv/bin/python scripts/subset-ui-font.py [--extra DIR ...]

Reads assets/fonts/NotoSansSC-{Regular,Bold}.ttf and writes
ui/src/assets/fonts/NotoSansSC-{Regular,Bold}.subset.woff2, covering:
  - all of GB2312 (every character its double-byte table decodes to),
  - ASCII, Latin-1 and the punctuation / symbol blocks CJK text uses (general punctuation, CJK symbols,
    fullwidth forms, letterlike symbols such as ℃ №, arrows, math operators, enclosed numbers),
  - every character in the repository's text files that can reach the screen: ui/src, ui/index.html,
    assets/ (demo towns, geo names, index and town-code data), the Rust sources (messages and labels the
    commands return), migrations; plus the files under each --extra DIR (the shipped subset was made
    with --extra /work/shared/data, the real town lists).
Characters the font lacks are skipped; a character outside the subset is drawn with the system's
fallback font. Not run by CI or the build: run it by hand when new text adds characters outside GB2312
(the report at the end lists the non-GB2312 characters it kept).
"""

import argparse
import pathlib
import sys

from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCES = ["ui/src", "ui/index.html", "assets", "src", "src-tauri/src", "migrations"]
TEXT_SUFFIXES = {
    ".vue", ".ts", ".js", ".mjs", ".css", ".html", ".json", ".geojson", ".tsv", ".csv", ".md", ".txt",
    ".toml", ".svg", ".rs", ".sql", ".yaml", ".yml",
}
RANGES = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1 (· × ÷ ± ° ¥ …)
    (0x02C6, 0x02DD),  # spacing modifiers (ˇ ˉ ˊ ˋ ˙)
    (0x2000, 0x206F),  # general punctuation (— … “ ” ‘ ’ ‰ ※)
    (0x20A0, 0x20BF),  # currency (€)
    (0x2100, 0x215F),  # letterlike (℃ № ™ ℉)
    (0x2160, 0x217F),  # Roman numerals
    (0x2190, 0x21FF),  # arrows
    (0x2200, 0x22FF),  # math operators (≤ ≥ ≈ ≠ ∑ √)
    (0x2460, 0x24FF),  # enclosed alphanumerics (① ⑴ ⒈)
    (0x2500, 0x257F),  # box drawing
    (0x25A0, 0x25FF),  # geometric shapes (■ □ ▲ △ ● ○ ◆)
    (0x2600, 0x26FF),  # misc symbols (★ ☆)
    (0x3000, 0x303F),  # CJK symbols and punctuation (、 。 《 》 「 」 【 】 〇)
    (0x3200, 0x32FF),  # enclosed CJK (㈠ ㊣)
    (0x3300, 0x33FF),  # CJK compatibility (㎡ ㎞)
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # fullwidth forms (（ ） ， ： ； ！ ？ ％ ＋ －)
]


def gb2312() -> set[str]:
    chars = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def text_of(paths: list[pathlib.Path]) -> set[str]:
    chars = set()
    for base in paths:
        files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
        for f in files:
            if f.suffix.lower() in TEXT_SUFFIXES:
                chars.update(f.read_text(encoding="utf-8", errors="ignore"))
    return {c for c in chars if c.isprintable() and ord(c) >= 0x20}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--extra", action="append", default=[], type=pathlib.Path, help="more text to cover")
    args = ap.parse_args()

    gb = gb2312()
    wanted = set(gb)
    for lo, hi in RANGES:
        wanted.update(chr(c) for c in range(lo, hi + 1))
    found = text_of([ROOT / s for s in SOURCES] + args.extra)
    wanted |= found

    out_dir = ROOT / "ui/src/assets/fonts"
    out_dir.mkdir(parents=True, exist_ok=True)
    for weight in ("Regular", "Bold"):
        src = ROOT / f"assets/fonts/NotoSansSC-{weight}.ttf"
        font = TTFont(src)
        cmap = font.getBestCmap()
        unicodes = sorted(ord(c) for c in wanted if ord(c) in cmap)
        opts = subset.Options()
        opts.flavor = "woff2"
        opts.layout_features = ["*"]  # vertical forms, kerning, palt/halt, locl: small next to the glyphs
        opts.name_IDs = ["*"]
        opts.name_languages = ["*"]
        opts.notdef_outline = True
        sub = subset.Subsetter(opts)
        sub.populate(unicodes=unicodes)
        sub.subset(font)
        dest = out_dir / f"NotoSansSC-{weight}.subset.woff2"
        font.flavor = "woff2"
        font.save(dest)
        missing = sorted(c for c in found if ord(c) not in cmap and ord(c) > 0x7F)
        print(f"{dest.relative_to(ROOT)}: {len(unicodes)} characters, {dest.stat().st_size / 1e6:.2f} MB;"
              f" not in the font: {''.join(missing) or '-'}")
    extra_cjk = sorted(c for c in found if c not in gb and ord(c) >= 0x3400)
    print(f"{len(gb)} GB2312 characters; {len(extra_cjk)} CJK characters from the text outside GB2312: "
          + "".join(extra_cjk))
    return 0


if __name__ == "__main__":
    sys.exit(main())
