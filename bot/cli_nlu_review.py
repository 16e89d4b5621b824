"""`frontdoor nlu review`: export the turns the bot misread for labelling, import the labels, retrain, compare."""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any, AsyncIterator

from bot.config import Config
from nlu.builtin import BuiltinInterpreter
from nlu.evaluation import evaluate, load_posts, score_posts
from nlu.review import merge_into, read_labels, review_items, write_csv
from nlu.training_data import NluDataError, load_path

DEFAULT_OUT = Path("reports/nlu/review.csv")
REVIEW_FILE = "review.yml"


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add `nlu review` to the `nlu` sub-commands."""
    review = commands.add_parser("review", help="export misread messages for labelling, or --import the labels")
    review.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"labelling file to write (default {DEFAULT_OUT})")
    review.add_argument("--from", dest="source", type=Path,
                        help="conversations as JSON lines (default: the Redis conversation store)")
    review.add_argument("--import", dest="labels", type=Path, help="merge the labelled rows of this file and retrain")
    review.add_argument("--into", type=Path, help=f"training file the labels go to (default <data_dir>/{REVIEW_FILE})")
    review.add_argument("--dev", type=Path, help="also score text<TAB>primary<TAB>acceptable posts before/after")
    review.set_defaults(func=run_review)


def run_review(args: argparse.Namespace, config: Config) -> int:
    """Export or import, by the flags given."""
    try:
        return _import(args, config) if args.labels else asyncio.run(_export(args, config))
    except (NluDataError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _interpreter(config: Config) -> BuiltinInterpreter:
    nlu = config.nlu
    return BuiltinInterpreter.load_or_train(nlu.data_dir, nlu.model_dir, threshold=nlu.threshold,
                                            ambiguity_margin=nlu.ambiguity_margin, timezone=config.timezone,
                                            seed=nlu.seed)


async def _export(args: argparse.Namespace, config: Config) -> int:
    interpreter = _interpreter(config)
    items, seen = [], 0
    async for conversation in _conversations(args.source, config):
        seen += 1
        items += review_items(conversation, interpreter.parse_sync, threshold=config.nlu.threshold,
                              margin=config.nlu.ambiguity_margin)
    rows = write_csv(items, args.out)
    print(f"{rows} messages to review from {seen} conversations written to {args.out}")
    print("fill the 'label' column with the right intent (blank or 'skip' to leave a row out), then run "
          f"`frontdoor nlu review --import {args.out}`")
    return 0


async def _conversations(source: Path | None, config: Config) -> AsyncIterator[dict[str, Any]]:
    """Saved conversations from a JSON-lines file, or from the Redis store the service writes."""
    if source is not None:
        for line in source.read_text(encoding="utf-8").splitlines():
            if line.strip():
                state = json.loads(line)
                if isinstance(state, dict):
                    yield state
        return
    if config.conversations.backend != "redis" or not config.redis.url:
        raise ValueError("conversations are kept in process memory (conversations.backend: memory): "
                         "nothing to read; use the redis backend or pass --from FILE")
    from redis.asyncio import Redis

    from bot.redis_store import RedisConversationStore

    client = Redis.from_url(config.redis.url, **config.redis.client_options())
    store = RedisConversationStore(client, prefix=config.redis.key_prefix, ttl_s=config.conversations.ttl_s,
                                   lock_timeout_s=config.conversations.lock_timeout_s)
    try:
        async for state in store.saved():
            yield state
    finally:
        await client.aclose()


def _import(args: argparse.Namespace, config: Config) -> int:
    data_dir = config.nlu.data_dir
    before = _interpreter(config)
    test_dir = data_dir / "test"
    known = load_path(data_dir)
    if test_dir.is_dir():
        known.merge(load_path(test_dir))
    labelled = read_labels(args.labels, before.intents)
    target = args.into or data_dir / REVIEW_FILE
    added = merge_into(target, labelled, known)
    print(f"{len(labelled)} labelled rows, {len(added)} new examples added to {target}")
    if not added:
        return 0
    if target.resolve().parent != data_dir.resolve():
        print(f"note: {target} is not in {data_dir}: the model trains on {data_dir} only")
    after = _interpreter(config)  # the data changed: trains and saves the new artefact
    _compare(before, after, test_dir, args.dev)
    return 0


def _compare(before: BuiltinInterpreter, after: BuiltinInterpreter, test_dir: Path, dev: Path | None) -> None:
    """Print the before/after figures on the test split and the development posts."""
    if test_dir.is_dir():
        examples = load_path(test_dir).examples
        old, new = (asyncio.run(evaluate(i.parse, examples)) for i in (before, after))
        print(f"test split ({len(examples)}): accuracy {old.accuracy:.4f} -> {new.accuracy:.4f}, "
              f"macro_f1 {old.macro_f1:.4f} -> {new.macro_f1:.4f}")
    if dev is not None:
        posts = load_posts(dev)
        old, new = (score_posts([i.parse_sync(p.text).intent for p in posts], posts) for i in (before, after))
        print(f"dev posts ({len(posts)}): " + ", ".join(f"{k} {old[k]:.4f} -> {new[k]:.4f}" for k in old))
