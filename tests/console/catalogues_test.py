#!/usr/bin/env python3
"""The console's Qt Linguist catalogues are complete: every source text of the zh_CN and en
.ts files has a finished, non-empty translation (plural forms included), and both files hold the
same source texts. lupdate adds a new text as unfinished: this test then names it.

usage: catalogues_test.py TRANSLATIONS_DIR
"""
import sys
import xml.etree.ElementTree as ET


def texts(path):
    out = {}
    problems = []
    for ctx in ET.parse(path).getroot().iter("context"):
        name = ctx.findtext("name")
        for m in ctx.iter("message"):
            src = m.findtext("source")
            tr = m.find("translation")
            forms = [f.text for f in tr.iter("numerusform")] if m.get("numerus") == "yes" else [tr.text]
            if tr.get("type") in ("unfinished", "vanished", "obsolete") or not all(f and f.strip() for f in forms):
                problems.append(f"{path}: {name}: {src!r} has no finished translation")
            out[(name, src)] = forms
    return out, problems


zh, p1 = texts(sys.argv[1] + "/console_zh_CN.ts")
en, p2 = texts(sys.argv[1] + "/console_en.ts")
problems = p1 + p2
for key in sorted(set(zh) ^ set(en)):
    problems.append(f"{key} is in one catalogue only; run lupdate over both")
if len(zh) < 100:
    problems.append(f"only {len(zh)} texts in console_zh_CN.ts: is it the right file?")
for p in problems:
    print("FAIL: " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
