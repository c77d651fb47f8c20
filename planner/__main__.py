"""Command line: `python -m planner <command>` for what staff and operators do without the UI."""

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from planner.errors import PlannerError
from planner.i18n import inside_quotes, t
from planner.logging_setup import configure_logging

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


def _cmd_create_admin(args: argparse.Namespace) -> int:
    """Create the first 管理员, after migrating; prompts for what the options leave out."""
    from planner.db import make_engine, migrate, session_scope
    from planner.errors import InvalidInput
    from planner.services import accounts, users

    engine = make_engine()
    migrate(engine)
    with session_scope(engine) as session:
        if users.active_admin_count(session) > 0:
            raise InvalidInput("accounts.admin_exists")

    username = args.username or _ask(t("accounts.cli.prompt_username"), "--username")
    display_name = args.display_name or _ask(t("accounts.cli.prompt_display_name"),
                                             "--display-name")
    password = _admin_password()
    unit_name = args.unit or accounts.DEFAULT_ADMIN_UNIT
    with session_scope(engine) as session:
        user = accounts.create_first_admin(session, username=username, display_name=display_name,
                                           password=password, unit_name=unit_name,
                                           email=args.email)
    print(t("accounts.cli.admin_created", display_name=inside_quotes(user.display_name),
            username=user.username, unit=unit_name))
    return 0


def _ask(prompt: str, option: str) -> str:
    if not sys.stdin.isatty():
        from planner.errors import InvalidInput
        raise InvalidInput("accounts.cli.missing_argument", option=option)
    return input(prompt).strip()


def _admin_password() -> str:
    """Return the password from PLANNER_ADMIN_PASSWORD, else stdin (one line), else typed twice."""
    import getpass
    import os

    from planner.errors import InvalidInput

    if os.environ.get("PLANNER_ADMIN_PASSWORD"):
        return os.environ["PLANNER_ADMIN_PASSWORD"]
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")

    password = getpass.getpass(t("accounts.cli.prompt_password"))
    if getpass.getpass(t("accounts.cli.prompt_password_again")) != password:
        raise InvalidInput("accounts.password_mismatch")
    return password


def _cmd_check_admin(_args: argparse.Namespace) -> int:
    """Print how to create the first administrator when there is none; exit 0 either way.

    `make run` runs this with its status ignored, so a database error does not stop it.
    """
    from planner.db import make_engine, migrate, session_scope
    from planner.services import accounts, users

    engine = make_engine()
    migrate(engine)
    with session_scope(engine) as session:
        count = users.active_admin_count(session)
    if count == 0:
        print(t("accounts.cli.no_admin_hint", command=accounts.CREATE_ADMIN_COMMAND))
    else:
        print(t("accounts.cli.admin_present", count=count))
    return 0


def _cmd_audit_verify(_args: argparse.Namespace) -> int:
    """Walk the audit chain; exit 1 and name the first broken row if it does not hold."""
    from planner.db import make_engine, session_scope
    from planner.services import audit

    engine = make_engine()
    with session_scope(engine) as session:
        result = audit.verify_chain(session)
    engine.dispose()

    print(audit.describe(result), file=sys.stdout if result.ok else sys.stderr)
    return 0 if result.ok else 1


def _cmd_remind(args: argparse.Namespace) -> int:
    """督办 digests: mail each person what is overdue and due soon; print what is not mailed."""
    from planner.config import get_mail_settings, get_settings
    from planner.db import make_engine, migrate, session_scope
    from planner.services import deadlines

    now = _parse_now(args.now)
    mail_settings = get_mail_settings()
    engine = make_engine()
    migrate(engine)
    with session_scope(engine) as session:
        reminders = deadlines.remind(session, now=now, mail_settings=mail_settings,
                                     org_name=get_settings().org_name,
                                     window_days=args.window_days)
    engine.dispose()

    _print_reminders(reminders, mail_settings.configured)
    return 0


def _parse_now(text: str | None):
    from datetime import datetime

    from planner.errors import InvalidInput
    from planner.timeutil import now_utc, to_utc

    if not text:
        return now_utc()
    try:
        return to_utc(datetime.fromisoformat(text))
    except ValueError as exc:
        raise InvalidInput("remind.now_invalid", value=text) from exc


def _print_reminders(reminders: list, smtp_configured: bool) -> None:
    if not reminders:
        print(t("remind.nothing"))
        return
    if not smtp_configured:
        print(t("remind.not_configured"))
    for reminder in reminders:
        digest = reminder.digest
        if reminder.sent:
            print(t("remind.sent", name=digest.name, email=digest.email,
                    overdue=len(digest.overdue), soon=len(digest.soon)))
            continue
        if digest.user_id is None:
            print(t("remind.unassigned"))
        elif smtp_configured:
            print(t("remind.no_email", name=digest.name))
        print(t("remind.subject_line", subject=reminder.subject))
        print(reminder.body)
    print(t("remind.summary", people=len(reminders),
            sent=sum(reminder.sent for reminder in reminders)))


def _cmd_backup(args: argparse.Namespace) -> int:
    """Back up the database and uploaded files into one file, while the app runs."""
    from planner.operations import backup, kind_label

    report = backup(Path(args.file))
    print(t("operations.backup_done", path=str(report.path), database=kind_label(report.database),
            revision=report.schema_revision, rows=sum(report.row_counts.values()),
            files=report.files, size=_size_text(report.size_bytes)))
    return 0


def _cmd_restore(args: argparse.Namespace) -> int:
    """Restore a backup into an empty database (any database with --force)."""
    from planner.operations import kind_label, restore

    report = restore(Path(args.file), force=args.force)
    print(t("operations.restore_done", database=kind_label(report.database),
            revision=report.schema_revision, rows=sum(report.row_counts.values()),
            files=report.files, audit=report.audit_rows))
    return 0


def _cmd_copy_data(args: argparse.Namespace) -> int:
    """Copy every row into another database and verify counts, content and audit chain."""
    from planner.datacopy import copy_data

    report = copy_data(args.to)
    print(t("operations.copy_done", rows=sum(report.row_counts.values()), source=report.source,
            target=report.target, audit=report.audit_rows))
    return 0


def _cmd_calendar_feeds(args: argparse.Namespace) -> int:
    """Write each active user's calendar feed (<username>.ics) into a folder to publish."""
    from planner.db import make_engine, migrate, session_scope
    from planner.services import schedule

    engine = make_engine()
    migrate(engine)
    # An operator command with no app account behind it: write_feeds audits the run with
    # actor None, so the trail shows the feeds were published without naming a person.
    with session_scope(engine) as session:
        written = schedule.write_feeds(session, folder=Path(args.dir))
    engine.dispose()

    print(t("calendar.feeds_written", count=len(written), folder=args.dir))
    return 0


def _size_text(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.1f} KB"


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

    create_admin = commands.add_parser("create-admin", help=t("accounts.cli.create_admin_help"))
    create_admin.add_argument("--username", help=t("accounts.cli.username_help"))
    create_admin.add_argument("--display-name", help=t("accounts.cli.display_name_help"))
    create_admin.add_argument("--email", help=t("accounts.cli.email_help"))
    create_admin.add_argument("--unit", help=t("accounts.cli.unit_help"))
    create_admin.set_defaults(handler=_cmd_create_admin)

    check_admin = commands.add_parser("check-admin", help=t("accounts.cli.check_admin_help"))
    check_admin.set_defaults(handler=_cmd_check_admin)

    audit = commands.add_parser("audit", help=t("audit.cli_help"))
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_commands.add_parser("verify", help=t("audit.cli_verify_help"))
    verify.set_defaults(handler=_cmd_audit_verify)

    feeds = commands.add_parser("calendar-feeds", help=t("calendar.feeds_help"))
    feeds.add_argument("--dir", required=True, help=t("calendar.feeds_dir_help"))
    feeds.set_defaults(handler=_cmd_calendar_feeds)

    remind = commands.add_parser("remind", help=t("remind.help"))
    remind.add_argument("--now", help=t("remind.now_help"))
    remind.add_argument("--window-days", type=int, help=t("remind.window_help"))
    remind.set_defaults(handler=_cmd_remind)

    backup = commands.add_parser("backup", help=t("operations.backup_help"))
    backup.add_argument("file", help=t("operations.backup_file_help"))
    backup.set_defaults(handler=_cmd_backup)

    restore = commands.add_parser("restore", help=t("operations.restore_help"))
    restore.add_argument("file", help=t("operations.restore_file_help"))
    restore.add_argument("--force", action="store_true", help=t("operations.force_help"))
    restore.set_defaults(handler=_cmd_restore)

    copy_data = commands.add_parser("copy-data", help=t("operations.copy_help"))
    copy_data.add_argument("--to", required=True, metavar="URL", help=t("operations.to_help"))
    copy_data.set_defaults(handler=_cmd_copy_data)
    return parser


def main(argv: list[str] | None = None) -> int:
    configure_logging(default_level="WARNING")
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except PlannerError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(t("cli.file_not_found", path=exc.filename), file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (`... | head`): stop quietly, as other command-line tools do.
        # Point stdout at devnull so the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
