"""`frontdoor kb`: import, export, search, gaps, evaluation, reviews, drafts from tickets and publishing of articles.

Works on the local desk and, with `servicedesk.backend: http`, on a remote desk's REST API (an admin token).
"""
from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Awaitable, Callable, Protocol, cast
from zoneinfo import ZoneInfo

from backend_client import Actor, KnowledgeAdmin, Role, ServiceDesk
from servicedesk.kb import KbFormatError, Scope, SearchIndex, load_path, to_csv, to_yaml
from backend_client.kb import KbGap, Thresholds
from servicedesk.kb.evaluate import evaluate, load_cases
from servicedesk.kb.gap_review import apply_review, dump_review, load_review, review_rows
from bot.components import kb_settings, open_desk
from bot.config import Config
from channels.render import printable

OPERATOR = Actor(Role.ADMIN, "cli", "cli")
_RANK_ONLY = Thresholds(answer=1.0, suggest=0.0)


class KbDesk(ServiceDesk, KnowledgeAdmin, Protocol):
    """What `frontdoor kb` needs of a desk: the customer-facing search and knowledge management."""


Action = Callable[[KbDesk, argparse.Namespace, Config], Awaitable[None]]


async def _import(desk: KbDesk, args: argparse.Namespace, config: Config) -> None:
    report = await desk.import_articles(load_path(args.path), OPERATOR, retire_missing=args.retire_missing)
    retired = f"，退役 {report.retired}" if args.retire_missing else ""
    print(f"导入完成：新增 {report.added}，更新 {report.updated}，未变 {report.unchanged}{retired}")


async def _export(desk: KbDesk, args: argparse.Namespace, config: Config) -> None:
    articles = await desk.export_articles(OPERATOR, args.status)
    sys.stdout.write(to_csv(articles) if args.format == "csv" else to_yaml(articles))


async def _search(desk: KbDesk, args: argparse.Namespace, config: Config) -> None:
    result = await desk.search_kb(args.text, OPERATOR, limit=args.limit)
    print(f"决定：{result.decision.value}  分数：{result.score:.3f}")
    for hit in result.hits:
        print(f"  {hit.score:.3f}  {hit.article.key:<36} {printable(hit.article.title)}")


async def _gaps(desk: KbDesk, args: argparse.Namespace, config: Config) -> None:
    if args.import_file:
        await _import_review(desk, Path(args.import_file))
        return
    gaps = await desk.kb_gaps(OPERATOR, args.limit, args.days)
    if args.export:
        await _export_review(desk, gaps, Path(args.export), config)
        return
    for gap in gaps:
        print(printable(f"{gap.count:>5}  {gap.query}  （{' / '.join(gap.examples)}）"))


async def _export_review(desk: KbDesk, gaps: list[KbGap], path: Path, config: Config) -> None:
    """The gap list as a review file, each row with the article search ranks first (searched here, so the export
    records no new gaps)."""
    index = SearchIndex(await desk.export_articles(OPERATOR, "published"), kb_settings(config).user_dict)
    suggested = {g.query: next(iter(index.search(g.query, _RANK_ONLY).keys), "") for g in gaps}
    path.write_text(dump_review(review_rows(gaps, suggested), path), encoding="utf-8")
    print(f"已导出 {len(gaps)} 条未解答问题到 {path}：在 article 列填文章 key（加为该文章的问法）或 new（新建草稿）")


async def _import_review(desk: KbDesk, path: Path) -> None:
    reviewed = load_review(path)
    current = {a.key: a for a in await desk.export_articles(OPERATOR)}
    changed = apply_review(path, reviewed, current, OPERATOR.id)
    await desk.import_articles(changed, OPERATOR)
    drafts = [a.key for a in changed if a.key not in current]
    print(f"已处理 {len(reviewed)} 条：{len(changed) - len(drafts)} 篇文章新增问法，新建草稿 {len(drafts)} 篇"
          + (f"（{', '.join(drafts)}，写好后 frontdoor kb publish KEY）" if drafts else ""))


async def _eval(desk: KbDesk, args: argparse.Namespace, config: Config) -> None:
    settings = kb_settings(config)
    index = SearchIndex(await desk.export_articles(OPERATOR, "published"), settings.user_dict)
    report = evaluate(index, load_cases(args.file), settings.thresholds, Scope(tier=args.tier, region=args.region))
    print("\n".join(report.lines()))


async def _review(desk: KbDesk, args: argparse.Namespace, config: Config) -> None:
    today = datetime.now(ZoneInfo(config.timezone)).date()
    articles = await desk.export_articles(OPERATOR, "published")
    due = sorted((a for a in articles if a.review_date and a.review_date <= today + timedelta(days=args.days)),
                 key=lambda a: (a.review_date, a.key))
    for article in due:
        print(f"{article.review_date}  {article.key:<36} {printable(article.owner) or '—'}  {printable(article.title)}")
    undated = sum(1 for a in articles if a.review_date is None)
    print(f"共 {len(due)} 篇已到或将到复审日期（{args.days} 天内），{undated} 篇未设复审日期")


async def _draft(desk: KbDesk, args: argparse.Namespace, config: Config) -> None:
    article = await desk.draft_from_ticket(args.number, OPERATOR)
    print(f"已从工单 {args.number} 生成草稿文章 {article.key}，发布：frontdoor kb publish {article.key}")


async def _history(desk: KbDesk, args: argparse.Namespace, config: Config) -> None:
    zone = ZoneInfo(config.timezone)
    for saved in await desk.article_versions(args.key, OPERATOR):
        article = saved.article
        print(printable(f"v{saved.version}  {saved.at.astimezone(zone):%Y-%m-%d %H:%M}  {saved.by}  "
                        f"{article.status}  {article.title}：{article.short_answer}"))


async def _publish(desk: KbDesk, args: argparse.Namespace, config: Config) -> None:
    print(f"文章 {(await desk.publish_article(args.key, OPERATOR)).key} 已发布")


def _run(action: Action) -> Callable[[argparse.Namespace, Config], int]:
    """A sub-command's `func`: open the configured desk, run the action; a malformed file names its line (exit 2)."""
    def run(args: argparse.Namespace, config: Config) -> int:
        async def main() -> None:
            async with open_desk(config) as (_, desk):
                await action(cast(KbDesk, desk), args, config)
        try:
            asyncio.run(main())
        except KbFormatError as exc:
            print(f"错误：{exc}", file=sys.stderr)
            return 2
        return 0
    return run


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add `kb` and its sub-commands."""
    kb = commands.add_parser("kb", help="knowledge base").add_subparsers(dest="kb", required=True)
    imp = kb.add_parser("import", help="import or update articles (Markdown with front matter, YAML, CSV)")
    imp.add_argument("path", help="a file or a folder of them")
    imp.add_argument("--retire-missing", action="store_true",
                     help="retire every article PATH does not contain (PATH is the whole knowledge base)")
    imp.set_defaults(func=_run(_import))
    export = kb.add_parser("export", help="print every article")
    export.add_argument("--format", choices=["yaml", "csv"], default="yaml")
    export.add_argument("--status", choices=["draft", "published", "retired"])
    export.set_defaults(func=_run(_export))
    search = kb.add_parser("search", help="search as an unbound customer would")
    search.add_argument("text")
    search.add_argument("--limit", type=int, default=3)
    search.set_defaults(func=_run(_search))
    gaps = kb.add_parser("gaps", help="unanswered questions, most frequent first")
    gaps.add_argument("--limit", type=int, default=20)
    gaps.add_argument("--days", type=int, default=30, help="questions of the last DAYS days (default 30)")
    review = gaps.add_mutually_exclusive_group()
    review.add_argument("--export", metavar="FILE", help="write them for review (CSV, or YAML for .yml/.yaml): "
                        "fill the article column with an article key or 'new'")
    review.add_argument("--import", dest="import_file", metavar="FILE",
                        help="apply a reviewed file: questions added to articles (a new version), drafts for 'new'")
    gaps.set_defaults(func=_run(_gaps))
    ev = kb.add_parser("eval", help="hit@1, hit@3, MRR, answer/abstain rates and latency on (question, key) pairs")
    ev.add_argument("file")
    ev.add_argument("--tier", default="industry")
    ev.add_argument("--region", default="广东/深圳")
    ev.set_defaults(func=_run(_eval))
    review = kb.add_parser("review", help="published articles whose review date has come (or comes within --days)")
    review.add_argument("--days", type=int, default=30)
    review.set_defaults(func=_run(_review))
    draft = kb.add_parser("draft-from-ticket", help="a draft article from a resolved ticket's resolution note")
    draft.add_argument("number")
    draft.set_defaults(func=_run(_draft))
    history = kb.add_parser("history", help="every saved version of an article: when, who, status, answer")
    history.add_argument("key")
    history.set_defaults(func=_run(_history))
    publish = kb.add_parser("publish", help="publish a draft so the bot uses it")
    publish.add_argument("key")
    publish.set_defaults(func=_run(_publish))
