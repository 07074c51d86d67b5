"""``qiaobot faq check | ask``: validate the admin YAML, try questions against it."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bot.cli.common import FAQ_DIR_HELP, group
from bot.config import Settings
from bot.directory.loader import check_directory
from bot.faq.loader import check_faq, load_faq
from bot.faq.matcher import FaqIndex
from bot.reports.loader import check_federation


def add_commands(sub: Any) -> None:
    faq = group(sub, "faq", "check the FAQ files or try questions against them")
    check = faq.add_parser("check", help="validate every YAML file in FAQ_DIR (exit 1 on errors)")
    check.add_argument("--faq-dir", type=Path, help=FAQ_DIR_HELP)
    check.set_defaults(handler=cmd_check)
    ask = faq.add_parser("ask", help="answer questions (arguments, or one per line on stdin)")
    ask.add_argument("--json", action="store_true", help="one JSON object per query per line")
    ask.add_argument("--faq-dir", type=Path, help=FAQ_DIR_HELP)
    ask.add_argument("query", nargs="*", help="questions; none: read lines from standard input")
    ask.set_defaults(handler=cmd_ask)


def cmd_check(settings: Settings, _args: argparse.Namespace) -> int:
    faq, problems = check_faq(settings.faq_dir)
    federation, fed_problems = check_federation(settings.faq_dir)
    directory, dir_problems = check_directory(settings.faq_dir)
    problems = sorted([*problems, *fed_problems, *dir_problems], key=lambda p: (str(p.path), p.line))
    for problem in problems:
        print(problem)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    if errors or faq is None or federation is None or directory is None:
        print(f"{errors} error(s), {warnings} warning(s) in {settings.faq_dir}: not valid")
        return 1
    print(
        f"OK: {len(faq.entries)} entries in {len(faq.categories)} categories, "
        f"{sum(len(q) for e in faq.entries for q in e.questions.values())} phrasings; "
        f"{len(federation.queues)} queues, {len(federation.places)} places; "
        f"{len(directory.associations)} associations in {len(directory.countries)} countries; {warnings} warning(s)"
    )
    return 0


def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    loaded = load_faq(settings.faq_dir)
    index = FaqIndex.build(loaded.faq.entries)
    from_stdin = not args.query
    queries = args.query or (line.rstrip("\n") for line in sys.stdin)
    for query in queries:
        if from_stdin and not query.strip():
            continue
        result = index.match(query)
        if args.json:
            print(json.dumps(result.as_json(), ensure_ascii=False), flush=True)
            continue
        if result.match:
            entry = loaded.faq.by_id[result.match.id]
            print(f"{query}\n  → {entry.id} ({result.match.score}) {entry.title('zh')} / {entry.title('en')}")
        elif result.suggestions:
            print(f"{query}\n  ? " + ", ".join(f"{s.id} ({s.score})" for s in result.suggestions))
        else:
            print(f"{query}\n  ✗ no answer")
    return 0
