"""Command line: `python -m planner <command>` for what staff and operators do without the UI."""

import argparse
import json
import logging
import sys
from pathlib import Path

from planner.errors import PlannerError
from planner.i18n import t

logger = logging.getLogger("planner.cli")


def _cmd_parse(args: argparse.Namespace) -> int:
    from planner.documents.parsing import parse_policy_file, policy_to_dict

    path = Path(args.file)
    parsed = parse_policy_file(path.name, path.read_bytes())
    json.dump(policy_to_dict(parsed), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def _cmd_draft(args: argparse.Namespace) -> int:
    from planner.documents.parsing import parse_policy_file
    from planner.documents.prefill import build_interpretation, build_qa
    from planner.documents.word import render_docx

    path = Path(args.file)
    parsed = parse_policy_file(path.name, path.read_bytes())
    builder = build_interpretation if args.kind == "interpretation" else build_qa
    output = Path(args.output)
    output.write_bytes(render_docx(builder(parsed)))
    print(t("cli.draft_written", path=str(output)))
    return 0


def _cmd_migrate(_args: argparse.Namespace) -> int:
    from planner.db import make_engine, migrate

    migrate(make_engine())
    print(t("cli.migrated"))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m planner", description=t("cli.description"))
    commands = parser.add_subparsers(dest="command", required=True)

    parse = commands.add_parser("parse", help=t("cli.parse_help"))
    parse.add_argument("file", help=t("cli.file_help"))
    parse.set_defaults(handler=_cmd_parse)

    draft = commands.add_parser("draft", help=t("cli.draft_help"))
    draft.add_argument("kind", choices=["interpretation", "qa"], help=t("cli.kind_help"))
    draft.add_argument("file", help=t("cli.file_help"))
    draft.add_argument("-o", "--output", required=True, help=t("cli.output_help"))
    draft.set_defaults(handler=_cmd_draft)

    migrate = commands.add_parser("migrate", help=t("cli.migrate_help"))
    migrate.set_defaults(handler=_cmd_migrate)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except PlannerError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(t("cli.file_not_found", path=exc.filename), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
