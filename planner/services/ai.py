"""AI assistance (optional): prompts, the 不公开 rule, suggestions and what becomes of them.

The flow is prepare → stream → record_suggestion → accept or discard:

- `prepare` checks the configuration, the actor's right to edit the section (or see the
  opinion item) and the 公开属性, and builds the messages. Nothing is sent yet. A draft
  whose 公开属性 is 不公开 is refused unless the endpoint is marked internal (llm_internal).
- `stream` sends them through planner.assist and yields the text as it arrives. It needs
  no database session, so none is held open while the model writes.
- `record_suggestion` stores the text (complete, or stopped part-way) as an AiSuggestion
  with its citations checked against the policy. The section is not touched.
- `accept` puts the text, possibly edited, into the section as a version of origin ai
  (shown as AI-drafted in the version history), through planner.services.coedit. For the
  questions action on a 答问 draft it appends one section per question. A text that cites
  clauses the policy does not have is accepted only with `confirm_unverified`, and the
  version note lists those clauses. `discard` closes the suggestion.

Audit rows and logs carry ids, sizes and the model, never the text: draft text of a
不公开 draft must not leave the database through them.
"""

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

from sqlmodel import Session, select

from planner import assist
from planner.config import LlmSettings, get_llm_settings, get_settings
from planner.documents.citations import find_citations, standard_path
from planner.documents.structure import DraftSectionContent
from planner.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from planner.i18n import inside_book_marks, inside_quotes, t
from planner.models import (AiAction, AiSuggestion, Disclosure, Draft, DraftKind, DraftSection,
                            DraftSectionVersion, Policy, PolicySection, SectionKind,
                            SuggestionStatus, User, VersionOrigin)
from planner.services import audit, coedit, drafts, opinions
from planner.timeutil import now_utc

logger = logging.getLogger(__name__)

QA_KINDS = {DraftKind.QA, DraftKind.ANSWER_BRIEF}
OPEN_STATUSES = (SuggestionStatus.PENDING, SuggestionStatus.STOPPED)
QUESTION_COUNT = 5
# The policy text in a prompt is cut at this many characters. Estimate: Chinese text takes
# roughly one token per character, which leaves room for the reply in a 32k-token context.
MAX_POLICY_CHARS = 24000
MAX_ANSWER_CHARS = 20000      # a longer reply is cut off while streaming
QUESTION_KEY = "question"     # DraftSection.key of a question added from a suggestion

_BLOCK_LINE_RE = re.compile(r"^[\s*#>]*(?:\d{1,2}[.、．]\s*)?\**\s*(问|答|依据)\s*\**\s*[：:]\s*"
                            r"\**\s*(.*)$")


@dataclass(frozen=True)
class AiRequest:
    """The messages for one action and what is needed to record the reply."""

    action: AiAction
    messages: list[dict[str, str]] = field(repr=False)
    settings: LlmSettings
    actor_id: int
    draft_id: int | None = None
    section_id: int | None = None
    opinion_id: int | None = None
    policy_id: int | None = None
    base_number: int | None = None   # the section's version when the request was prepared


@dataclass(frozen=True)
class CitationCheck:
    """One clause the text cites, and whether the policy has it."""

    cited: str                 # as written in the text
    path: str                  # standard citation path, e.g. 二、（三）
    found: bool
    matches: tuple[str, ...] = ()   # the policy's paths it points at (several for （三） alone)
    heading: str = ""          # heading of the first match, to show next to it


@dataclass(frozen=True)
class QuestionBlock:
    question: str
    answer: str
    basis: str = ""            # 依据: the cited clauses as written


@dataclass
class AcceptOutcome:
    """The result of accepting: the new version (or kept conflict) of a section, the
    sections added to a 答问 draft, or, for an opinion summary, only the accepted text."""

    suggestion: AiSuggestion
    text: str
    saved: coedit.SaveOutcome | None = None
    added: list[DraftSection] = field(default_factory=list)


# --- Availability ---------------------------------------------------------------------------

def configured_settings() -> LlmSettings:
    """Return the endpoint settings; raise InvalidInput saying how to configure it."""
    settings = get_llm_settings()
    if not settings.configured:
        raise InvalidInput("ai.not_configured")
    if not settings.model:
        raise InvalidInput("ai.model_missing", url=settings.base_url)
    return settings


def refusal_for(draft: Draft) -> InvalidInput | PermissionDenied | None:
    """Return the error that `prepare` raises for any action on `draft` (configuration,
    公开属性), or None. Pages show it next to disabled buttons."""
    try:
        _check_disclosure(draft, configured_settings())
    except (InvalidInput, PermissionDenied) as exc:
        return exc
    return None


def _check_disclosure(draft: Draft, settings: LlmSettings) -> None:
    # 不公开 text never goes to an endpoint outside the office network.
    if draft.disclosure == Disclosure.NOT_PUBLIC and not settings.internal:
        raise PermissionDenied("ai.not_public_external", title=inside_book_marks(draft.title),
                               url=settings.base_url)


# --- Prepare --------------------------------------------------------------------------------

def prepare(session: Session, *, actor: User, action: AiAction | str,
            draft_id: int | None = None, section_id: int | None = None,
            opinion_id: int | None = None) -> AiRequest:
    """Check everything and build the messages for `action`; sends nothing.

    Draft actions need the section (draft, polish) or the draft (questions); summarise
    needs the opinion item. Raises InvalidInput when AI is not configured or the input is
    unusable, PermissionDenied when the actor may not edit or see it, or when the draft
    is 不公开 and the endpoint is not internal.
    """
    action = _check_action(action)
    settings = configured_settings()
    if action == AiAction.SUMMARISE:
        return _prepare_summary(session, actor=actor, settings=settings, opinion_id=opinion_id)

    draft, section = _target(session, action, draft_id=draft_id, section_id=section_id)
    _require_editor(session, actor, action, draft, section)
    _check_disclosure(draft, settings)

    messages = _draft_messages(session, action, draft, section)
    logger.info("AI %s prepared for draft %s section %s by user %s (endpoint internal: %s)",
                action, draft.id, section.id if section else None, actor.id, settings.internal)
    return AiRequest(action=action, messages=messages, settings=settings, actor_id=actor.id,
                     draft_id=draft.id, section_id=section.id if section else None,
                     policy_id=draft.policy_id,
                     base_number=section.version if section else None)


def _check_action(action: AiAction | str) -> AiAction:
    if action not in {item.value for item in AiAction}:
        raise InvalidInput("ai.action_invalid", action=action)
    return AiAction(action)


def _target(session: Session, action: AiAction, *, draft_id: int | None,
            section_id: int | None) -> tuple[Draft, DraftSection | None]:
    section = None
    if section_id is not None:
        section = session.get(DraftSection, section_id)
        if section is None:
            raise NotFound("draft.section_not_found", id=section_id)
        draft_id = section.draft_id
    elif action != AiAction.QUESTIONS:
        raise InvalidInput("ai.section_missing", action=t(f"ai.action.{action}"))
    if draft_id is None:
        raise InvalidInput("ai.draft_missing")

    draft = drafts.get_draft(session, draft_id)
    if action in (AiAction.DRAFT, AiAction.QUESTIONS) and draft.policy_id is None:
        raise InvalidInput("ai.policy_missing", title=inside_book_marks(draft.title),
                           action=t(f"ai.action.{action}"))
    if action == AiAction.QUESTIONS and draft.kind not in QA_KINDS:
        raise InvalidInput("ai.questions_not_qa", title=inside_book_marks(draft.title))
    if action == AiAction.POLISH and not section.body.strip():
        raise InvalidInput("ai.polish_empty", title=inside_quotes(section.title))
    return draft, section


def _draft_messages(session: Session, action: AiAction, draft: Draft,
                    section: DraftSection | None) -> list[dict[str, str]]:
    draft_title = inside_book_marks(draft.title)   # the prompts set it in 《》
    if action == AiAction.POLISH:
        prompt = t("ai.prompt.polish", draft_title=draft_title,
                   section_title=inside_quotes(section.title),
                   body=section.body)
    elif action == AiAction.DRAFT:
        prompt = t("ai.prompt.draft", draft_title=draft_title,
                   section_title=inside_quotes(section.title),
                   current=section.body.strip() or t("ai.prompt.nothing_yet"),
                   policy=policy_text(session, draft.policy_id))
    else:
        existing = [s.title for s in drafts.list_sections(session, draft.id) if s.title]
        prompt = t("ai.prompt.questions", draft_title=draft_title, count=QUESTION_COUNT,
                   existing="\n".join(f"- {title}" for title in existing)
                   or t("ai.prompt.nothing_yet"),
                   policy=policy_text(session, draft.policy_id))
    return _messages(prompt)


def _prepare_summary(session: Session, *, actor: User, settings: LlmSettings,
                     opinion_id: int | None) -> AiRequest:
    if opinion_id is None:
        raise InvalidInput("ai.opinion_missing")
    item = opinions.get_visible(session, actor=actor, opinion_id=opinion_id)

    # The summary describes public posts. The office's own 研判 goes only to an internal
    # endpoint, under the same rule as 不公开 drafts.
    assessment = ""
    if item.assessment.strip() and settings.internal:
        assessment = t("ai.prompt.assessment_part", assessment=item.assessment.strip())
    prompt = t("ai.prompt.summarise", summary=item.summary, assessment=assessment)
    logger.info("AI summarise prepared for opinion item %s by user %s", item.id, actor.id)
    return AiRequest(action=AiAction.SUMMARISE, messages=_messages(prompt), settings=settings,
                     actor_id=actor.id, opinion_id=item.id, policy_id=item.policy_id)


def _messages(prompt: str) -> list[dict[str, str]]:
    system = t("ai.prompt.system", org=get_settings().org_name)
    return [{"role": "system", "content": system}, {"role": "user", "content": prompt}]


def policy_text(session: Session, policy_id: int) -> str:
    """Write the policy for a prompt: header fields, then each clause with its citation
    path in brackets ([二、（三）] heading and text), cut at MAX_POLICY_CHARS."""
    policy = session.get(Policy, policy_id)
    if policy is None:
        raise NotFound("policy.not_found", id=policy_id)
    lines = [t("ai.prompt.policy_header", title=policy.title or "—",
               doc_number=policy.doc_number or "—", issuer=policy.issuer or "—")]
    for row in _policy_rows(session, policy_id):
        lines.append(_clause_text(row))

    text = "\n".join(line for line in lines if line)
    if len(text) > MAX_POLICY_CHARS:
        logger.warning("policy %s is %s characters; the prompt carries the first %s",
                       policy_id, len(text), MAX_POLICY_CHARS)
        text = text[:MAX_POLICY_CHARS] + "\n" + t("ai.prompt.policy_cut")
    return text


def _clause_text(row: PolicySection) -> str:
    body = row.text.strip()
    if row.kind == SectionKind.TABLE and row.table_json:
        body = "\n".join(" | ".join(cells) for cells in json.loads(row.table_json))
    head = f"[{row.path}] {row.heading}".strip() if row.path else row.heading.strip()
    return "\n".join(part for part in (head, body) if part)


def _policy_rows(session: Session, policy_id: int) -> list[PolicySection]:
    return list(session.exec(select(PolicySection).where(PolicySection.policy_id == policy_id)
                             .order_by(PolicySection.position)))


# --- Stream and record ----------------------------------------------------------------------

def stream(request: AiRequest) -> Iterator[str]:
    """Yield the model's text for a prepared request (see planner.assist.stream_chat).

    Raises AssistError on any failure. Stops quietly after MAX_ANSWER_CHARS.
    """
    received = 0
    pieces = assist.stream_chat(request.settings, request.messages)
    try:
        for text in pieces:
            if received + len(text) > MAX_ANSWER_CHARS:
                logger.warning("AI %s reply cut at %s characters", request.action,
                               MAX_ANSWER_CHARS)
                yield text[:MAX_ANSWER_CHARS - received]
                return
            received += len(text)
            yield text
    finally:
        pieces.close()   # closes the connection at once when the caller stops early


def record_suggestion(session: Session, *, actor: User, request: AiRequest, text: str,
                      stopped: bool) -> AiSuggestion:
    """Store the model's text as a suggestion, pending (or stopped: the stream was cut
    short on purpose), with its citations checked. The section stays as it is."""
    text = text.strip()
    if not text:
        raise InvalidInput("ai.nothing_received")
    _require_access(session, actor, request)
    checks = (check_citations(session, request.policy_id, text)
              if request.policy_id is not None and request.action != AiAction.SUMMARISE
              else [])

    suggestion = AiSuggestion(
        draft_id=request.draft_id, section_id=request.section_id,
        opinion_id=request.opinion_id, action=request.action, model=request.settings.model,
        endpoint_internal=request.settings.internal, text=text,
        citations_json=json.dumps([asdict(check) for check in checks], ensure_ascii=False),
        status=SuggestionStatus.STOPPED if stopped else SuggestionStatus.PENDING,
        base_number=request.base_number, created_by=actor.id)
    session.add(suggestion)
    session.flush()

    entity, entity_id = _entity(suggestion)
    audit.record(session, actor=actor, action="ai.suggest", entity=entity, entity_id=entity_id,
                 detail={"suggestion_id": suggestion.id, "action": request.action,
                         "section_id": request.section_id, "model": suggestion.model,
                         "internal": suggestion.endpoint_internal, "chars": len(text),
                         "stopped": stopped,
                         "unknown_citations": sum(not check.found for check in checks)})
    logger.info("AI suggestion %s (%s, %s characters, stopped: %s) for %s %s by user %s",
                suggestion.id, request.action, len(text), stopped, entity, entity_id, actor.id)
    return suggestion


def _require_access(session: Session, actor: User, request: AiRequest) -> None:
    # Checked again when recording: minutes may pass while the model writes.
    if request.opinion_id is not None:
        opinions.get_visible(session, actor=actor, opinion_id=request.opinion_id)
        return
    draft = drafts.get_draft(session, request.draft_id)
    section = session.get(DraftSection, request.section_id) if request.section_id else None
    _require_editor(session, actor, request.action, draft, section)


def _require_editor(session: Session, actor: User, action: AiAction, draft: Draft,
                    section: DraftSection | None) -> None:
    # Questions add sections, so they need the right to edit the draft; the section they
    # were asked from only anchors them. Draft and polish change that section.
    if action == AiAction.QUESTIONS or section is None:
        drafts.require_editor(session, actor, draft)
    else:
        coedit.require_section_editor(session, actor, draft, section)


def _entity(suggestion: AiSuggestion) -> tuple[str, int | None]:
    if suggestion.opinion_id is not None:
        return "opinion_item", suggestion.opinion_id
    return "draft", suggestion.draft_id


# --- Citations ------------------------------------------------------------------------------

def check_citations(session: Session, policy_id: int, text: str) -> list[CitationCheck]:
    """Find the clauses `text` cites and check each against the policy's citation paths.

    A lone （三） is found if any part of the policy has it, and all such parts are listed.
    An article cited with its chapter (第二章第五条) must sit in that chapter.
    """
    rows = _policy_rows(session, policy_id)
    by_id = {row.id: row for row in rows}
    checks = []
    for citation in find_citations(text):
        if citation.bare:
            matches = [row for row in rows if standard_path(row.label) == citation.path]
        else:
            matches = [row for row in rows if _path_matches(row.path, citation.path)]
        if citation.chapter:
            matches = [row for row in matches
                       if citation.chapter in _ancestor_paths(row, by_id)]
        checks.append(CitationCheck(
            cited=citation.cited, path=citation.chapter + citation.path, found=bool(matches),
            matches=tuple(row.path for row in matches),
            heading=matches[0].heading if matches else ""))
    return checks


def checks_for_text(session: Session, suggestion: AiSuggestion,
                    text: str) -> list[CitationCheck]:
    """Check the citations of the text about to be accepted: the checks stored with the
    suggestion while it is the model's text, checked again once someone edited it."""
    if suggestion.action == AiAction.SUMMARISE:
        return []
    if text.strip() == suggestion.text.strip():
        return stored_checks(suggestion)
    draft = session.get(Draft, suggestion.draft_id) if suggestion.draft_id else None
    if draft is None or draft.policy_id is None:
        return []
    return check_citations(session, draft.policy_id, text)


def unverified_clauses(checks: list[CitationCheck]) -> list[str]:
    """Return the cited clauses the policy does not have, each once, as written."""
    return list(dict.fromkeys(check.cited for check in checks if not check.found))


def stored_checks(suggestion: AiSuggestion) -> list[CitationCheck]:
    """Return the citation checks saved with a suggestion."""
    if not suggestion.citations_json:
        return []
    return [CitationCheck(**{**item, "matches": tuple(item.get("matches", ()))})
            for item in json.loads(suggestion.citations_json)]


def _path_matches(stored: str, cited: str) -> bool:
    # A policy in chapters stores 第一章一、（二）; "一、（二）" cited alone still names it.
    stored = standard_path(stored)
    if stored == cited:
        return True
    prefix = stored[:-len(cited)] if stored.endswith(cited) else None
    return bool(prefix) and re.fullmatch(r"(第[^第]+?[章节])+", prefix) is not None


def _ancestor_paths(row: PolicySection, by_id: dict[int, PolicySection]) -> set[str]:
    paths = set()
    parent = by_id.get(row.parent_id)
    while parent is not None:
        paths.add(standard_path(parent.path))
        parent = by_id.get(parent.parent_id)
    return paths


# --- Questions ------------------------------------------------------------------------------

def parse_questions(text: str) -> list[QuestionBlock]:
    """Read the 问：/答：/依据： blocks that the questions prompt requests.

    An answer may run over several lines; a block without a question or an answer is left
    out. Numbering ("1.") and Markdown bold around the labels are tolerated.
    """
    blocks: list[dict[str, list[str]]] = []
    current: dict[str, list[str]] | None = None
    label = None
    for line in text.splitlines():
        match = _BLOCK_LINE_RE.match(line)
        if match:
            label = match[1]
            if label == "问":
                current = {"问": [], "答": [], "依据": []}
                blocks.append(current)
            if current is not None:
                current[label].append(match[2].strip().strip("*").strip())
        elif current is not None and label and line.strip():
            current[label].append(line.strip())

    found = []
    for block in blocks:
        question, answer = "".join(block["问"]), "\n".join(block["答"])
        if question and answer:
            found.append(QuestionBlock(question, answer, "；".join(block["依据"])))
    return found


# --- Accept and discard ---------------------------------------------------------------------

def accept(session: Session, *, actor: User, suggestion_id: int, text: str | None = None,
           confirm_reset: bool = False, confirm_unverified: bool = False) -> AcceptOutcome:
    """Take a suggestion, as the model wrote it or as edited (`text`).

    Draft and polish: the text becomes a new version of the section, origin ai, based on
    the version the suggestion was made on, so a section changed since then gets an open
    conflict instead of being overwritten. Questions on a 答问 draft: one new section per
    question. Summarise: the suggestion is marked accepted and the text returned for the
    研判 form; the item itself changes only when the office saves its 研判.

    A text citing clauses that the policy does not have raises InvalidInput naming them,
    unless `confirm_unverified` is set. The note of each version written then lists them.
    """
    suggestion = _open_suggestion(session, suggestion_id)
    text = (suggestion.text if text is None else text).strip()
    if not text:
        raise InvalidInput("ai.accept_empty")
    unverified = _check_unverified(session, actor, suggestion, text, confirm_unverified)

    outcome = AcceptOutcome(suggestion=suggestion, text=text)
    if suggestion.action == AiAction.SUMMARISE:
        opinions.get_visible(session, actor=actor, opinion_id=suggestion.opinion_id)
    elif suggestion.action == AiAction.QUESTIONS:
        outcome.added = _accept_questions(session, actor, suggestion, text, confirm_reset)
    else:
        outcome.saved = _accept_into_section(session, actor, suggestion, text, confirm_reset,
                                             unverified)

    _decide(suggestion, actor, SuggestionStatus.ACCEPTED)
    session.add(suggestion)
    entity, entity_id = _entity(suggestion)
    audit.record(session, actor=actor, action="ai.accept", entity=entity, entity_id=entity_id,
                 detail={"suggestion_id": suggestion.id, "action": suggestion.action,
                         "edited": text != suggestion.text.strip(),
                         "version_id": outcome.saved.version.id if outcome.saved else None,
                         "conflict": bool(outcome.saved and outcome.saved.conflict),
                         "added_sections": [section.id for section in outcome.added],
                         "unverified_citations": len(unverified)})
    return outcome


def _check_unverified(session: Session, actor: User, suggestion: AiSuggestion, text: str,
                      confirmed: bool) -> list[str]:
    """Return the clauses `text` cites that the policy does not have. Unless the actor
    confirmed them, raise InvalidInput naming them. The edit right is checked first, so
    someone without it learns nothing about the text."""
    if suggestion.action == AiAction.SUMMARISE:
        return []
    draft = drafts.get_draft(session, suggestion.draft_id)
    section = (session.get(DraftSection, suggestion.section_id) if suggestion.section_id
               else None)
    _require_editor(session, actor, AiAction(suggestion.action), draft, section)

    unverified = unverified_clauses(checks_for_text(session, suggestion, text))
    if unverified and not confirmed:
        raise InvalidInput("ai.unverified_citations", clauses="、".join(unverified))
    if unverified:
        logger.info("AI suggestion %s accepted by user %s with %s unverified citations",
                    suggestion.id, actor.id, len(unverified))
    return unverified


def _version_note(suggestion: AiSuggestion, unverified: list[str]) -> str:
    note = t("ai.version_note", model=suggestion.model)
    if unverified:
        note += t("ai.version_note_unverified", clauses="、".join(unverified))
    return note


def discard(session: Session, *, actor: User, suggestion_id: int) -> AiSuggestion:
    """Close a suggestion without using it; the section stays as it is."""
    suggestion = _open_suggestion(session, suggestion_id)
    _require_decider(session, actor, suggestion)

    _decide(suggestion, actor, SuggestionStatus.DISCARDED)
    session.add(suggestion)
    entity, entity_id = _entity(suggestion)
    audit.record(session, actor=actor, action="ai.discard", entity=entity, entity_id=entity_id,
                 detail={"suggestion_id": suggestion.id, "action": suggestion.action})
    return suggestion


def open_suggestions(session: Session, *, actor: User, section_id: int | None = None,
                     opinion_id: int | None = None, limit: int = 3) -> list[AiSuggestion]:
    """Return the actor's undecided suggestions for a section or an opinion item, newest
    first."""
    query = select(AiSuggestion).where(AiSuggestion.created_by == actor.id,
                                       AiSuggestion.status.in_(OPEN_STATUSES))
    if section_id is not None:
        query = query.where(AiSuggestion.section_id == section_id)
    elif opinion_id is not None:
        query = query.where(AiSuggestion.opinion_id == opinion_id)
    else:
        return []
    return list(session.exec(query.order_by(AiSuggestion.id.desc()).limit(limit)))


def _open_suggestion(session: Session, suggestion_id: int) -> AiSuggestion:
    suggestion = session.get(AiSuggestion, suggestion_id)
    if suggestion is None:
        raise NotFound("ai.suggestion_not_found", id=suggestion_id)
    if suggestion.status not in OPEN_STATUSES:
        raise Conflict("ai.suggestion_decided",
                       status=t(f"ai.status.{suggestion.status}"))
    return suggestion


def _accept_into_section(session: Session, actor: User, suggestion: AiSuggestion, text: str,
                         confirm_reset: bool, unverified: list[str]) -> coedit.SaveOutcome:
    section = session.get(DraftSection, suggestion.section_id)
    if section is None:
        raise NotFound("draft.section_not_found", id=suggestion.section_id)
    base = suggestion.base_number if suggestion.base_number is not None else section.version
    return coedit.save(session, actor=actor, section_id=section.id, title=section.title,
                       body=text, base_version=base, confirm_reset=confirm_reset,
                       origin=VersionOrigin.AI, ai_suggestion_id=suggestion.id,
                       note=_version_note(suggestion, unverified))


def _accept_questions(session: Session, actor: User, suggestion: AiSuggestion, text: str,
                      confirm_reset: bool) -> list[DraftSection]:
    blocks = parse_questions(text)
    if not blocks:
        raise InvalidInput("ai.questions_unreadable")
    contents = [DraftSectionContent(key=QUESTION_KEY, title=block.question, body=block.answer,
                                    source_ref=block.basis)
                for block in blocks]
    added = drafts.append_sections(session, actor=actor, draft_id=suggestion.draft_id,
                                   sections=contents, origin=VersionOrigin.AI,
                                   ai_suggestion_id=suggestion.id, confirm_reset=confirm_reset)
    _note_question_versions(session, suggestion, blocks, added)
    return added


def _note_question_versions(session: Session, suggestion: AiSuggestion,
                            blocks: list[QuestionBlock], added: list[DraftSection]) -> None:
    """Write each new question's version note: the model, and the clauses of that question
    that the policy does not have.

    NOTE: drafts.append_sections takes no note, so the first version rows it just wrote
    get theirs here, in the same transaction, before anyone can read them.
    """
    policy_id = drafts.get_draft(session, suggestion.draft_id).policy_id
    for block, section in zip(blocks, added):
        cited = f"问：{block.question}\n答：{block.answer}\n依据：{block.basis}"
        checks = check_citations(session, policy_id, cited) if policy_id else []
        version = session.exec(select(DraftSectionVersion)
                               .where(DraftSectionVersion.section_id == section.id)).one()
        version.note = _version_note(suggestion, unverified_clauses(checks))
        session.add(version)
    session.flush()


def _require_decider(session: Session, actor: User, suggestion: AiSuggestion) -> None:
    if suggestion.opinion_id is not None:
        opinions.get_visible(session, actor=actor, opinion_id=suggestion.opinion_id)
        return
    draft = drafts.get_draft(session, suggestion.draft_id)
    drafts.require_editor(session, actor, draft)


def _decide(suggestion: AiSuggestion, actor: User, status: SuggestionStatus) -> None:
    suggestion.status = status
    suggestion.decided_by = actor.id
    suggestion.decided_at = now_utc()
