"""`frontdoor nlu train|test|parse|review`: train the built-in engine, score it like `rasa test nlu`, parse one text."""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import datetime
from pathlib import Path

from bot import cli_nlu_review
from bot.config import Config
from nlu import report
from nlu.builtin import BuiltinInterpreter, train_model
from nlu.evaluation import Evaluation, evaluate, folds
from nlu.rasa_http import RasaHttpInterpreter
from nlu.training_data import NluDataError, TrainingData, load_path

DEFAULT_OUT = Path("reports/nlu")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the `nlu` command and its sub-commands."""
    nlu = subparsers.add_parser("nlu", help="train, test and try the NLU engine")
    commands = nlu.add_subparsers(dest="nlu_command", required=True)
    train = commands.add_parser("train", help="train the built-in engine now (normally done at start-up)")
    train.set_defaults(func=run_train)
    test = commands.add_parser("test", help="score the engine on labelled data and write a report")
    test.add_argument("--data", type=Path, help="Rasa YAML file/dir or text<TAB>intent TSV "
                                                "(default: the held-back split in <data_dir>/test)")
    test.add_argument("--cross-validation", type=int, metavar="K", help="K-fold cross-validation instead")
    test.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"report directory (default {DEFAULT_OUT})")
    test.set_defaults(func=run_test)
    parse = commands.add_parser("parse", help="print the Parse of TEXT as JSON")
    parse.add_argument("text")
    parse.add_argument("--now", type=datetime.fromisoformat, help="anchor for relative dates (ISO 8601)")
    parse.set_defaults(func=run_parse)
    cli_nlu_review.add_parser(commands)


def _builtin(config: Config) -> BuiltinInterpreter:
    nlu = config.nlu
    return BuiltinInterpreter.load_or_train(nlu.data_dir, nlu.model_dir, threshold=nlu.threshold,
                                            ambiguity_margin=nlu.ambiguity_margin, timezone=config.timezone,
                                            seed=nlu.seed)


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def run_train(args: argparse.Namespace, config: Config) -> int:
    """Train (or find up to date) the built-in model for the configured data."""
    started = time.perf_counter()
    try:
        interpreter = _builtin(config)
    except (NluDataError, ValueError, OSError) as exc:
        return _fail(str(exc))
    model = interpreter.model
    print(f"model ready in {time.perf_counter() - started:.2f}s: {len(model.classifier.classes)} intents, "
          f"{model.featurizer.size} features, in {config.nlu.model_dir}")
    return 0


def run_test(args: argparse.Namespace, config: Config) -> int:
    """Evaluate on the held-back split, any data file, or by cross-validation; write the report."""
    try:
        evaluation = _cross_validate(args, config) if args.cross_validation else _test_split(args, config)
    except (NluDataError, ValueError, OSError) as exc:
        return _fail(str(exc))
    print(report.summary(evaluation))
    print(report.table(evaluation.intent_report()))
    for message in report.write(evaluation, args.out):
        print(message)
    return 0


def _test_split(args: argparse.Namespace, config: Config) -> Evaluation:
    path = args.data or config.nlu.data_dir / "test"
    data = load_path(path)
    if not data.examples:
        raise ValueError(f"{path}: no labelled examples")
    return asyncio.run(_evaluate_configured(config, data))


async def _evaluate_configured(config: Config, data: TrainingData) -> Evaluation:
    if config.nlu.backend == "rasa":
        interpreter = _rasa(config)
        try:
            return await evaluate(interpreter.parse, data.examples)
        finally:
            await interpreter.close()
    interpreter = _builtin(config)
    return await evaluate(interpreter.parse, data.examples, interpreter.model.extractor.value_of)


def _cross_validate(args: argparse.Namespace, config: Config) -> Evaluation:
    data = load_path(args.data or config.nlu.data_dir)
    nlu, total = config.nlu, Evaluation()
    for number, (train, held_out) in enumerate(folds(data, args.cross_validation, nlu.seed), start=1):
        model = train_model(train, nlu.data_dir, nlu.seed)
        interpreter = BuiltinInterpreter(model, threshold=nlu.threshold, ambiguity_margin=nlu.ambiguity_margin,
                                         timezone=config.timezone)
        fold = asyncio.run(evaluate(interpreter.parse, held_out))
        print(f"fold {number}: accuracy {fold.accuracy:.4f} on {len(held_out)} examples")
        total.predictions.extend(fold.predictions)
        total.canonical = model.extractor.value_of
    return total


def _rasa(config: Config) -> RasaHttpInterpreter:
    nlu = config.nlu
    if not nlu.rasa.url:
        raise ValueError("nlu.backend is rasa but nlu.rasa.url is not set")
    return RasaHttpInterpreter(nlu.rasa.url, timeout_s=nlu.rasa.timeout_s, threshold=nlu.threshold,
                               ambiguity_margin=nlu.ambiguity_margin)


def run_parse(args: argparse.Namespace, config: Config) -> int:
    """Print the Parse of one text as JSON, from the configured backend."""
    try:
        parse = asyncio.run(_parse_one(config, args.text, args.now))
    except (NluDataError, ValueError, OSError) as exc:
        return _fail(str(exc))
    print(json.dumps(parse.to_dict(), ensure_ascii=False, indent=2))
    return 0


async def _parse_one(config: Config, text: str, now: datetime | None):
    if config.nlu.backend == "rasa":
        interpreter = _rasa(config)
        try:
            return await interpreter.parse(text)
        finally:
            await interpreter.close()
    return _builtin(config).parse_sync(text, now=now)
