"""AI assistance: the real openai client against a local OpenAI-compatible server.

Every failure of the endpoint must end in a Chinese message that names the fix, with the
draft exactly as it was. 不公开 text must never reach an endpoint not marked internal.
"""

import json
import socket
from datetime import datetime

import pytest
from sqlmodel import select

from planner.assist import AssistError
from planner.documents.citations import find_citations
from planner.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from planner.models import (AiAction, AiSuggestion, AuditEntry, Disclosure, DraftKind,
                            DraftSectionVersion, DraftStatus, OpinionSource, Role,
                            SuggestionStatus, VersionOrigin)
from planner.services import ai, coedit, drafts, opinions, policies, review
from planner.timeutil import OFFICE_TZ
from tests import factories
from tests.conftest import FIXTURES, SICHUAN
from tests.openai_server import MODEL, openai_server  # noqa: F401 (pytest fixture)
from tests.review_ready import add_reviewers, fill_placeholders

P08 = FIXTURES / "P08_guoling-711_zhengfu-xinxi-gongkai-tiaoli-2019.txt"
SECRET_BASIS = "《中华人民共和国政府信息公开条例》第十六条"
QA_REPLY = """问：《实施意见》对政策解读提出了什么要求？
答：要求建立政策解读机制，政策文件与解读材料同步发布。
依据：二、（三）

问：如何回应社会关切？
答：健全舆情收集和回应机制，
及时发布权威信息。
依据：二、（四）；二、（九）
"""


# --- fixtures and helpers -------------------------------------------------------------------

def import_policy(session, actor, path=SICHUAN):
    parsed, raw_text = policies.parse_upload(path.name, path.read_bytes())
    fields = policies.PolicyFields(title=parsed.title or path.stem, doc_number=parsed.doc_number,
                                   issuer=parsed.issuer, addressee=parsed.addressee,
                                   issue_date=parsed.date)
    policy = policies.save_policy(session, actor=actor, parsed=parsed, fields=fields,
                                  source_name=path.name, raw_text=raw_text)
    session.commit()
    return policy


def new_draft(session, actor, policy, kind=DraftKind.INTERPRETATION,
              disclosure=Disclosure.PUBLIC):
    extra = {} if disclosure == Disclosure.PUBLIC else {
        "disclosure_reason": "内部研究材料", "disclosure_basis": SECRET_BASIS}
    draft = drafts.create_from_policy(session, actor=actor, policy_id=policy.id, kind=kind,
                                      disclosure=disclosure, **extra)
    session.commit()
    return draft


@pytest.fixture
def policy(session, actor):
    return import_policy(session, actor)


@pytest.fixture
def draft(session, actor, policy):
    return new_draft(session, actor, policy)


@pytest.fixture
def section(session, draft):
    return drafts.list_sections(session, draft.id)[0]


def snapshot(session, draft_id: int) -> dict:
    """Everything a failed AI call must leave as it was."""
    session.expire_all()
    return {"content": review.current_content(session, draft_id),
            "versions": session.exec(select(DraftSectionVersion.id)
                                     .where(DraftSectionVersion.draft_id == draft_id)).all(),
            "suggestions": session.exec(select(AiSuggestion.id)).all(),
            "audit": session.exec(select(AuditEntry.id)).all()}


def generate(session, actor, *, stop_after: int | None = None, **target) -> AiSuggestion:
    """Do what the AI panel does: prepare, stream (or stop after some pieces), record."""
    request = ai.prepare(session, actor=actor, **target)
    pieces = []
    for piece in ai.stream(request):
        pieces.append(piece)
        if stop_after is not None and len(pieces) >= stop_after:
            break
    suggestion = ai.record_suggestion(session, actor=actor, request=request,
                                      text="".join(pieces), stopped=stop_after is not None)
    session.commit()
    return suggestion


def audit_rows(session, action: str) -> list[AuditEntry]:
    return list(session.exec(select(AuditEntry).where(AuditEntry.action == action)))


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- streaming through the real client --------------------------------------------------------

def test_draft_section_streams_answer(session, actor, policy, section, openai_server):
    suggestion = generate(session, actor, action=AiAction.DRAFT, section_id=section.id)

    assert suggestion.text == openai_server.reply
    assert suggestion.status == SuggestionStatus.PENDING
    assert suggestion.model == MODEL
    request = openai_server.chat_requests[0]
    assert request.body["stream"] is True
    assert request.body["model"] == MODEL
    assert request.headers["authorization"] == "Bearer sk-test-local-0123456789"
    assert request.body["messages"][0]["role"] == "system"
    assert "新闻办公室" in request.body["messages"][0]["content"]
    assert "[二、（三）] 建立政策解读机制" in request.text
    assert section.title in request.text


def test_stream_yields_text_in_pieces(session, actor, section, openai_server):
    openai_server.chunk_chars = 3
    request = ai.prepare(session, actor=actor, action=AiAction.DRAFT, section_id=section.id)

    pieces = list(ai.stream(request))

    assert len(pieces) == -(-len(openai_server.reply) // 3)
    assert "".join(pieces) == openai_server.reply


def test_stream_skips_chunks_without_choices(session, actor, section, openai_server):
    openai_server.mode = "mixed_choices"

    suggestion = generate(session, actor, action=AiAction.DRAFT, section_id=section.id)

    assert suggestion.text == openai_server.reply


def test_stream_reads_answer_sent_without_streaming(session, actor, section, openai_server):
    openai_server.mode = "no_stream"

    suggestion = generate(session, actor, action=AiAction.DRAFT, section_id=section.id)

    assert suggestion.text == openai_server.reply


def test_stream_accepts_any_key_when_none_configured(session, actor, section, openai_server,
                                                     monkeypatch):
    openai_server.api_key = ""            # as Ollama: no key needed
    monkeypatch.delenv("PLANNER_LLM_API_KEY")

    suggestion = generate(session, actor, action=AiAction.DRAFT, section_id=section.id)

    assert suggestion.text == openai_server.reply
    assert openai_server.chat_requests[0].headers["authorization"] == "Bearer not-needed"


FAILURES = [
    # (server setup, environment, message key, phrases the message must contain)
    ({"mode": "slow"}, {"PLANNER_LLM_TIMEOUT": "1"}, "ai.error_timeout",
     ["1 秒内没有响应", "等待时间"]),
    ({"mode": "stall"}, {"PLANNER_LLM_TIMEOUT": "1"}, "ai.error_timeout", ["稍后重试"]),
    ({"mode": "status", "status": 401}, {}, "ai.error_key", ["HTTP 401", "接口密钥"]),
    ({"mode": "status", "status": 403}, {}, "ai.error_key", ["HTTP 403", "接口密钥"]),
    ({}, {"PLANNER_LLM_API_KEY": "sk-wrong"}, "ai.error_key", ["接口密钥"]),
    ({}, {"PLANNER_LLM_MODEL": "no-such-model"}, "ai.error_model",
     ["“no-such-model”", "模型名称"]),
    ({"mode": "status", "status": 429}, {}, "ai.error_rate_limit", ["HTTP 429", "稍后再试"]),
    ({"mode": "status", "status": 500}, {}, "ai.error_server", ["HTTP 500", "稍后再试"]),
    ({"mode": "status", "status": 503}, {}, "ai.error_server", ["HTTP 503"]),
    ({"mode": "status", "status": 400}, {}, "ai.error_http", ["HTTP 400", "接口地址"]),
    ({"mode": "malformed"}, {}, "ai.error_malformed", ["无法解析", "接口地址"]),
    ({"mode": "empty_choices"}, {}, "ai.error_empty", [f"“{MODEL}”", "没有返回任何文字"]),
    ({"mode": "no_content"}, {}, "ai.error_empty", ["没有返回任何文字"]),
    ({"mode": "error_event"}, {}, "ai.error_reported", ["model overloaded"]),
]


@pytest.mark.parametrize("setup, env, key, phrases", FAILURES,
                         ids=[f"{case[2]}-{i}" for i, case in enumerate(FAILURES)])
def test_endpoint_failure_explained_draft_unchanged(session, actor, draft, section,
                                                    openai_server, monkeypatch, setup, env,
                                                    key, phrases):
    for name, value in setup.items():
        setattr(openai_server, name, value)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    before = snapshot(session, draft.id)

    with pytest.raises(AssistError) as error:
        generate(session, actor, action=AiAction.DRAFT, section_id=section.id)
    session.rollback()

    assert error.value.key == key
    for phrase in phrases:
        assert phrase in error.value.message
    assert "没有保存任何内容" in error.value.message
    assert openai_server.base_url in error.value.message
    assert snapshot(session, draft.id) == before


def test_unreachable_endpoint_explained(session, actor, draft, section, openai_server,
                                        monkeypatch):
    url = f"http://127.0.0.1:{closed_port()}/v1"
    monkeypatch.setenv("PLANNER_LLM_BASE_URL", url)
    before = snapshot(session, draft.id)

    with pytest.raises(AssistError) as error:
        generate(session, actor, action=AiAction.DRAFT, section_id=section.id)
    session.rollback()

    assert error.value.key == "ai.error_unreachable"
    assert url in error.value.message
    assert "接口地址" in error.value.message
    assert snapshot(session, draft.id) == before


def test_invalid_base_url_explained(session, actor, section, openai_server, monkeypatch):
    monkeypatch.setenv("PLANNER_LLM_BASE_URL", "http://[::1")
    request = ai.prepare(session, actor=actor, action=AiAction.DRAFT, section_id=section.id)

    with pytest.raises(AssistError) as error:
        list(ai.stream(request))

    assert error.value.key == "ai.error_url_invalid"
    assert "http://[::1" in error.value.message


def test_stream_cut_at_maximum_length(session, actor, section, openai_server, monkeypatch):
    monkeypatch.setattr(ai, "MAX_ANSWER_CHARS", 12)
    request = ai.prepare(session, actor=actor, action=AiAction.DRAFT, section_id=section.id)

    text = "".join(ai.stream(request))

    assert text == openai_server.reply[:12]


def test_timeout_returns_within_limit(session, actor, section, openai_server, monkeypatch):
    openai_server.mode = "slow"
    monkeypatch.setenv("PLANNER_LLM_TIMEOUT", "1")
    request = ai.prepare(session, actor=actor, action=AiAction.DRAFT, section_id=section.id)
    started = datetime.now()

    with pytest.raises(AssistError):
        list(ai.stream(request))

    assert (datetime.now() - started).total_seconds() < 3


# --- configuration and refusals ---------------------------------------------------------------

def test_not_configured_explains_keys(session, actor, section, monkeypatch):
    monkeypatch.delenv("PLANNER_LLM_BASE_URL", raising=False)

    with pytest.raises(InvalidInput) as error:
        ai.prepare(session, actor=actor, action=AiAction.DRAFT, section_id=section.id)

    message = error.value.message
    # Staff read this message: it says what to configure in words, without key names.
    for words in ("接口的地址", "模型名称", "密钥", "内部接口"):
        assert words in message
    assert "llm_" not in message
    assert "PLANNER_" not in message


def test_model_missing_explained(session, actor, section, openai_server, monkeypatch):
    monkeypatch.delenv("PLANNER_LLM_MODEL")

    with pytest.raises(InvalidInput) as error:
        ai.prepare(session, actor=actor, action=AiAction.DRAFT, section_id=section.id)

    assert "模型名称" in error.value.message
    assert "llm_model" not in error.value.message
    assert openai_server.requests == []


@pytest.mark.parametrize("action", [AiAction.DRAFT, AiAction.POLISH])
def test_not_public_draft_refused_for_external_endpoint(session, actor, policy, openai_server,
                                                        action):
    secret = new_draft(session, actor, policy, disclosure=Disclosure.NOT_PUBLIC)
    target = drafts.list_sections(session, secret.id)[1]
    before = snapshot(session, secret.id)

    with pytest.raises(PermissionDenied) as error:
        generate(session, actor, action=action, section_id=target.id)

    assert "不公开" in error.value.message
    assert "内部接口" in error.value.message
    assert openai_server.requests == []
    assert snapshot(session, secret.id) == before


def test_not_public_questions_refused_for_external_endpoint(session, actor, policy,
                                                            openai_server):
    secret = new_draft(session, actor, policy, kind=DraftKind.QA,
                       disclosure=Disclosure.NOT_PUBLIC)

    with pytest.raises(PermissionDenied):
        ai.prepare(session, actor=actor, action=AiAction.QUESTIONS, draft_id=secret.id)

    assert openai_server.requests == []
    assert isinstance(ai.refusal_for(secret), PermissionDenied)


def test_not_public_draft_allowed_for_internal_endpoint(session, actor, policy, openai_server,
                                                        monkeypatch, caplog):
    monkeypatch.setenv("PLANNER_LLM_INTERNAL", "true")
    secret = new_draft(session, actor, policy, disclosure=Disclosure.NOT_PUBLIC)
    target = drafts.list_sections(session, secret.id)[1]
    caplog.set_level("DEBUG", logger="planner")

    suggestion = generate(session, actor, action=AiAction.POLISH, section_id=target.id)

    assert ai.refusal_for(secret) is None
    assert target.body in openai_server.received_text()
    assert suggestion.endpoint_internal is True
    detail = audit_rows(session, "ai.suggest")[0].detail
    assert target.body[:20] not in detail
    assert suggestion.text[:20] not in detail
    assert target.body[:20] not in caplog.text
    assert suggestion.text[:20] not in caplog.text


def test_public_draft_allowed_for_external_endpoint(session, actor, draft, openai_server):
    assert ai.refusal_for(draft) is None


def test_prepare_refused_without_edit_right(session, actor, section, openai_server):
    other_unit = factories.make_unit(session, "综合规划处")
    outsider = factories.make_user(session, "outsider", unit=other_unit,
                                   roles={Role.SPOKESPERSON})

    with pytest.raises(PermissionDenied) as error:
        ai.prepare(session, actor=outsider, action=AiAction.DRAFT, section_id=section.id)

    assert "修改这篇稿件" in error.value.message
    assert openai_server.requests == []


def test_prepare_section_not_found(session, actor, openai_server):
    with pytest.raises(NotFound):
        ai.prepare(session, actor=actor, action=AiAction.POLISH, section_id=999999)


def test_prepare_unknown_action_rejected(session, actor, section, openai_server):
    with pytest.raises(InvalidInput) as error:
        ai.prepare(session, actor=actor, action="translate", section_id=section.id)

    assert "translate" in error.value.message


def test_questions_only_on_qa_drafts(session, actor, draft, openai_server):
    with pytest.raises(InvalidInput) as error:
        ai.prepare(session, actor=actor, action=AiAction.QUESTIONS, draft_id=draft.id)

    assert "答记者问" in error.value.message


def test_polish_empty_section_rejected(session, actor, section, openai_server):
    section.body = ""   # set directly: saving an emptied body needs its own confirmation
    session.add(section)
    session.commit()

    with pytest.raises(InvalidInput) as error:
        ai.prepare(session, actor=actor, action=AiAction.POLISH, section_id=section.id)

    assert "还没有正文" in error.value.message


def test_questions_prompt_lists_existing_questions(session, actor, policy, openai_server):
    qa = new_draft(session, actor, policy, kind=DraftKind.QA)
    existing = drafts.list_sections(session, qa.id)[1].title

    request = ai.prepare(session, actor=actor, action=AiAction.QUESTIONS, draft_id=qa.id)

    prompt = request.messages[1]["content"]
    assert existing in prompt
    assert "问：……\n答：……\n依据：……" in prompt
    assert "[二、（三）]" in prompt


# --- recording, citations ---------------------------------------------------------------------

def test_record_suggestion_checks_citations(session, actor, section, openai_server):
    openai_server.reply = "根据《实施意见》二、（三）建立解读机制（依据二、（九））。"

    suggestion = generate(session, actor, action=AiAction.DRAFT, section_id=section.id)

    checks = {check.path: check for check in ai.stored_checks(suggestion)}
    assert checks["二、（三）"].found is True
    assert checks["二、（三）"].heading == "建立政策解读机制"
    assert checks["二、（九）"].found is False
    assert suggestion.base_number == section.version
    row = audit_rows(session, "ai.suggest")[0]
    assert json.loads(row.detail)["unknown_citations"] == 1
    assert row.entity_id == section.draft_id


def test_record_empty_text_rejected(session, actor, section, openai_server):
    request = ai.prepare(session, actor=actor, action=AiAction.DRAFT, section_id=section.id)

    with pytest.raises(InvalidInput):
        ai.record_suggestion(session, actor=actor, request=request, text="  ", stopped=True)


SICHUAN_CITATIONS = [
    ("依据：二、（三）", {"二、（三）": True}),
    ("依据：二、(三)", {"二、（三）": True}),
    ("依据：二.(六)", {"二、（六）": True}),
    ("依据：二、（七）", {"二、（七）": False}),
    ("根据《实施意见》三、的要求", {"三、": True}),
    ("依据：五、", {"五、": False}),
    ("依据：一、（四）；三、", {"一、（四）": True, "三、": True}),
    ("依据：（六）", {"（六）": True}),
    ("依据：（九）", {"（九）": False}),
    ("依据第五条", {"第五条": False}),
]


@pytest.mark.parametrize("text, expected", SICHUAN_CITATIONS)
def test_check_citations_sichuan(session, actor, policy, text, expected):
    checks = ai.check_citations(session, policy.id, text)

    assert {check.path: check.found for check in checks} == expected


P08_CITATIONS = [
    ("依据第十条", {"第十条": True}),
    ("依据第5条", {"第五条": True}),
    ("依据第二章第十条", {"第二章第十条": True}),
    ("依据第二章第五条", {"第二章第五条": False}),     # 第五条 is in 第一章
    ("依据第四条第（三）项", {"第四条（三）": True}),
    ("依据第二十条（十六）", {"第二十条（十六）": False}),
    ("见第三章", {"第三章": True}),
    ("见第九章", {"第九章": False}),
    ("依据第六十条", {"第六十条": False}),
]


@pytest.mark.parametrize("text, expected", P08_CITATIONS)
def test_check_citations_articles(session, actor, text, expected):
    regulation = import_policy(session, actor, P08)

    checks = ai.check_citations(session, regulation.id, text)

    assert {check.path: check.found for check in checks} == expected


def test_check_citations_lone_item_lists_all_parts(session, actor, policy):
    checks = ai.check_citations(session, policy.id, "依据：（三）")

    assert checks[0].matches == ("一、（三）", "二、（三）")


@pytest.mark.parametrize("text", ["一、加强平台建设", "第一、第二两项", "二、三季度完成",
                                  "要求（三）做好", "增长1.5倍"])
def test_find_citations_ignores_lists_and_headings(text):
    assert find_citations(text) == []


def test_parse_questions_reads_blocks():
    blocks = ai.parse_questions(QA_REPLY)

    assert [block.question for block in blocks] == ["《实施意见》对政策解读提出了什么要求？",
                                                    "如何回应社会关切？"]
    assert blocks[1].answer == "健全舆情收集和回应机制，\n及时发布权威信息。"
    assert blocks[1].basis == "二、（四）；二、（九）"


def test_parse_questions_tolerates_numbering_and_bold():
    blocks = ai.parse_questions("1. **问：**甲？\n**答：**乙。\n2. 问: 丙？\n答: 丁。")

    assert [(b.question, b.answer) for b in blocks] == [("甲？", "乙。"), ("丙？", "丁。")]


# --- accept, discard, stop --------------------------------------------------------------------

def test_accept_saves_ai_version(session, actor, section, openai_server):
    suggestion = generate(session, actor, action=AiAction.DRAFT, section_id=section.id)
    base = section.version

    outcome = ai.accept(session, actor=actor, suggestion_id=suggestion.id)
    session.commit()

    assert outcome.saved.conflict is None
    assert outcome.saved.section.body == openai_server.reply
    assert outcome.saved.section.version == base + 1
    version = outcome.saved.version
    assert version.origin == VersionOrigin.AI
    assert version.ai_suggestion_id == suggestion.id
    assert suggestion.status == SuggestionStatus.ACCEPTED
    assert suggestion.decided_by == actor.id
    actions = [row.action for row in session.exec(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions[-3:] == ["ai.suggest", "draft.section_save", "ai.accept"]
    history = coedit.section_history(session, section.id)
    assert history[-1].origin == VersionOrigin.AI


def test_accept_edited_text(session, actor, section, openai_server):
    suggestion = generate(session, actor, action=AiAction.DRAFT, section_id=section.id)

    outcome = ai.accept(session, actor=actor, suggestion_id=suggestion.id,
                        text="专家修改后的正文。")
    session.commit()

    assert outcome.saved.section.body == "专家修改后的正文。"
    assert json.loads(audit_rows(session, "ai.accept")[0].detail)["edited"] is True


def test_accept_after_section_changed_keeps_conflict(session, actor, section, openai_server):
    suggestion = generate(session, actor, action=AiAction.DRAFT, section_id=section.id)
    coedit.save(session, actor=actor, section_id=section.id, title=section.title,
                body="同事刚保存的正文。", base_version=section.version)
    session.commit()

    outcome = ai.accept(session, actor=actor, suggestion_id=suggestion.id)
    session.commit()

    assert outcome.saved.conflict is not None
    assert outcome.saved.section.body == "同事刚保存的正文。"
    assert outcome.saved.version.body == openai_server.reply
    assert outcome.saved.version.origin == VersionOrigin.AI


def test_accept_twice_rejected(session, actor, section, openai_server):
    suggestion = generate(session, actor, action=AiAction.DRAFT, section_id=section.id)
    ai.accept(session, actor=actor, suggestion_id=suggestion.id)
    session.commit()

    with pytest.raises(Conflict) as error:
        ai.accept(session, actor=actor, suggestion_id=suggestion.id)

    assert "已采用" in error.value.message


def test_accept_not_found(session, actor):
    with pytest.raises(NotFound):
        ai.accept(session, actor=actor, suggestion_id=424242)


def test_accept_refused_for_outsider(session, actor, draft, section, openai_server):
    suggestion = generate(session, actor, action=AiAction.DRAFT, section_id=section.id)
    outsider = factories.make_user(session, "outsider2",
                                   unit=factories.make_unit(session, "综合规划处"),
                                   roles={Role.SPOKESPERSON})
    before = snapshot(session, draft.id)

    with pytest.raises(PermissionDenied):
        ai.accept(session, actor=outsider, suggestion_id=suggestion.id)
    session.rollback()

    assert snapshot(session, draft.id) == before


def test_accept_on_submitted_draft_needs_confirmation(session, actor, draft, section,
                                                      openai_server):
    add_reviewers(session, factories.make_unit(session, "政策法规处"))
    fill_placeholders(session, actor, draft.id)
    suggestion = generate(session, actor, action=AiAction.POLISH, section_id=section.id)
    review.submit(session, actor=actor, draft_id=draft.id)
    session.commit()
    before = snapshot(session, draft.id)

    with pytest.raises(InvalidInput) as error:
        ai.accept(session, actor=actor, suggestion_id=suggestion.id)
    session.rollback()
    assert "退回" in error.value.message or "草稿" in error.value.message
    assert snapshot(session, draft.id) == before

    ai.accept(session, actor=actor, suggestion_id=suggestion.id, confirm_reset=True)
    session.commit()
    assert drafts.get_draft(session, draft.id).status == DraftStatus.DRAFT


def test_accept_questions_appends_sections(session, actor, policy, openai_server):
    qa = new_draft(session, actor, policy, kind=DraftKind.QA)
    count = len(drafts.list_sections(session, qa.id))
    openai_server.reply = QA_REPLY

    suggestion = generate(session, actor, action=AiAction.QUESTIONS, draft_id=qa.id)
    checks = {check.path: check.found for check in ai.stored_checks(suggestion)}
    outcome = ai.accept(session, actor=actor, suggestion_id=suggestion.id,
                        confirm_unverified=True)
    session.commit()

    assert checks == {"二、（三）": True, "二、（四）": True, "二、（九）": False}
    sections = drafts.list_sections(session, qa.id)
    assert len(sections) == count + 2
    assert sections[-2].title == "《实施意见》对政策解读提出了什么要求？"
    assert sections[-1].source_ref == "二、（四）；二、（九）"
    assert [s.id for s in outcome.added] == [s.id for s in sections[-2:]]
    for added in outcome.added:
        history = coedit.section_history(session, added.id)
        assert [(v.origin, v.ai_suggestion_id) for v in history] == [
            (VersionOrigin.AI, suggestion.id)]
    # Each question's note names only its own unverified clauses.
    first, second = (coedit.section_history(session, s.id)[0].note for s in outcome.added)
    assert first == f"AI 生成（模型 {MODEL}），经人工采用"
    assert second.startswith(f"AI 生成（模型 {MODEL}），经人工采用；")
    assert "二、（九）" in second
    assert "二、（四）" not in second
    assert len(audit_rows(session, "draft.sections_append")) == 1
    assert len(audit_rows(session, "ai.accept")) == 1


UNVERIFIED_REPLY = "政策文件与解读材料同步发布（依据二、（三））。回应关切要及时（依据五、（二））。"


def test_accept_unverified_citation_needs_confirmation(session, actor, draft, section,
                                                       openai_server):
    openai_server.reply = UNVERIFIED_REPLY
    suggestion = generate(session, actor, action=AiAction.DRAFT, section_id=section.id)
    before = snapshot(session, draft.id)

    with pytest.raises(InvalidInput) as error:
        ai.accept(session, actor=actor, suggestion_id=suggestion.id)
    session.rollback()

    assert error.value.key == "ai.unverified_citations"
    assert "五、（二）" in error.value.message
    assert "二、（三）" not in error.value.message
    assert "我已核对，仍然采用" in error.value.message
    assert snapshot(session, draft.id) == before
    assert session.get(AiSuggestion, suggestion.id).status == SuggestionStatus.PENDING


def test_accept_unverified_confirmed_noted_in_version(session, actor, section, openai_server):
    openai_server.reply = UNVERIFIED_REPLY
    suggestion = generate(session, actor, action=AiAction.DRAFT, section_id=section.id)

    outcome = ai.accept(session, actor=actor, suggestion_id=suggestion.id,
                        confirm_unverified=True)
    session.commit()

    note = coedit.section_history(session, section.id)[-1].note
    assert outcome.saved.version.note == note
    assert note.startswith(f"AI 生成（模型 {MODEL}），经人工采用；")
    assert "五、（二）" in note
    assert "二、（三）" not in note
    assert json.loads(audit_rows(session, "ai.accept")[0].detail)["unverified_citations"] == 1


def test_accept_edited_text_citations_checked_again(session, actor, section, openai_server):
    suggestion = generate(session, actor, action=AiAction.DRAFT, section_id=section.id)

    with pytest.raises(InvalidInput) as error:
        ai.accept(session, actor=actor, suggestion_id=suggestion.id,
                  text=openai_server.reply + "另见第九十九条。")
    session.rollback()
    assert "第九十九条" in error.value.message

    outcome = ai.accept(session, actor=actor, suggestion_id=suggestion.id,
                        text="专家删去了可疑引用的正文（依据二、（三））。")
    session.commit()
    assert outcome.saved.version.note == f"AI 生成（模型 {MODEL}），经人工采用"


def test_accept_unverified_refused_for_outsider_first(session, actor, draft, section,
                                                     openai_server):
    openai_server.reply = UNVERIFIED_REPLY
    suggestion = generate(session, actor, action=AiAction.DRAFT, section_id=section.id)
    outsider = factories.make_user(session, "outsider3",
                                   unit=factories.make_unit(session, "综合规划处"),
                                   roles={Role.SPOKESPERSON})

    with pytest.raises(PermissionDenied):
        ai.accept(session, actor=outsider, suggestion_id=suggestion.id)


def test_accept_unreadable_questions_changes_nothing(session, actor, policy, openai_server):
    qa = new_draft(session, actor, policy, kind=DraftKind.QA)
    suggestion = generate(session, actor, action=AiAction.QUESTIONS, draft_id=qa.id)
    before = snapshot(session, qa.id)

    with pytest.raises(InvalidInput) as error:
        ai.accept(session, actor=actor, suggestion_id=suggestion.id, text="没有格式的文字")
    session.rollback()

    assert "问：" in error.value.message
    assert snapshot(session, qa.id) == before
    assert session.get(AiSuggestion, suggestion.id).status == SuggestionStatus.PENDING


def test_discard_leaves_section(session, actor, draft, section, openai_server):
    suggestion = generate(session, actor, action=AiAction.DRAFT, section_id=section.id)
    content = review.current_content(session, draft.id)

    ai.discard(session, actor=actor, suggestion_id=suggestion.id)
    session.commit()

    assert session.get(AiSuggestion, suggestion.id).status == SuggestionStatus.DISCARDED
    assert review.current_content(session, draft.id) == content
    assert len(audit_rows(session, "ai.discard")) == 1
    assert ai.open_suggestions(session, actor=actor, section_id=section.id) == []


def test_stopped_partial_suggestion_can_be_accepted(session, actor, section, openai_server):
    suggestion = generate(session, actor, stop_after=2, action=AiAction.DRAFT,
                          section_id=section.id)

    assert suggestion.status == SuggestionStatus.STOPPED
    assert suggestion.text == openai_server.reply[:16]   # two pieces of 8
    assert json.loads(audit_rows(session, "ai.suggest")[0].detail)["stopped"] is True
    assert ai.open_suggestions(session, actor=actor, section_id=section.id) == [suggestion]

    outcome = ai.accept(session, actor=actor, suggestion_id=suggestion.id)
    session.commit()
    assert outcome.saved.section.body == openai_server.reply[:16]


# --- opinion summaries ------------------------------------------------------------------------

@pytest.fixture
def office(session):
    unit = factories.make_unit(session, "厅办公室")
    return factories.make_user(session, "office", unit=unit, roles={Role.GENERAL_OFFICE})


@pytest.fixture
def opinion(session, office):
    data = opinions.OpinionInput(source=OpinionSource.WEIBO, summary="网民反映某收费站排队过长",
                                 first_seen_at=datetime(2026, 11, 2, 9, 0, tzinfo=OFFICE_TZ))
    item = opinions.register(session, actor=office, data=data)
    item.assessment = "内部研判：涉及收费政策，风险较高"
    session.commit()
    return item


def test_summarise_sends_summary_not_assessment(session, office, opinion, openai_server):
    suggestion = generate(session, office, action=AiAction.SUMMARISE, opinion_id=opinion.id)

    assert "收费站排队过长" in openai_server.received_text()
    assert "内部研判" not in openai_server.received_text()
    assert suggestion.opinion_id == opinion.id
    assert audit_rows(session, "ai.suggest")[0].entity == "opinion_item"


def test_summarise_internal_endpoint_gets_assessment(session, office, opinion, openai_server,
                                                     monkeypatch):
    monkeypatch.setenv("PLANNER_LLM_INTERNAL", "true")

    generate(session, office, action=AiAction.SUMMARISE, opinion_id=opinion.id)

    assert "内部研判" in openai_server.received_text()


def test_summarise_accept_returns_text(session, office, opinion, openai_server):
    suggestion = generate(session, office, action=AiAction.SUMMARISE, opinion_id=opinion.id)

    outcome = ai.accept(session, actor=office, suggestion_id=suggestion.id, text="摘要。")
    session.commit()

    assert outcome.text == "摘要。"
    assert outcome.saved is None
    assert suggestion.status == SuggestionStatus.ACCEPTED
    row = audit_rows(session, "ai.accept")[0]
    assert (row.entity, row.entity_id) == ("opinion_item", opinion.id)


def test_summarise_refused_for_unit_without_item(session, actor, opinion, openai_server):
    with pytest.raises(PermissionDenied):
        ai.prepare(session, actor=actor, action=AiAction.SUMMARISE, opinion_id=opinion.id)

    assert openai_server.requests == []
