"""Character-level diffs of Chinese text and of draft contents."""

import time

import pytest

from planner.diffing import DiffOp, OpKind, diff_content, diff_text, to_html

E, I, D = OpKind.EQUAL, OpKind.INSERT, OpKind.DELETE


def spans(ops):
    return [(op.kind, op.text) for op in ops]


def test_diff_text_marks_inserted_characters():
    ops = diff_text("坚持以公开为常态。", "坚持以公开为常态、不公开为例外。")

    assert spans(ops) == [(E, "坚持以公开为常态"), (I, "、不公开为例外"), (E, "。")]


def test_diff_text_single_character_replacement():
    ops = diff_text("三个工作日内公开", "五个工作日内公开")

    assert spans(ops) == [(D, "三"), (I, "五"), (E, "个工作日内公开")]


def test_diff_text_deletion_in_the_middle():
    ops = diff_text("各市（州）交通运输局、厅直属各单位", "各市（州）交通运输局")

    assert spans(ops) == [(E, "各市（州）交通运输局"), (D, "、厅直属各单位")]


@pytest.mark.parametrize("old, new, expected", [
    ("", "", []),
    ("相同的文字", "相同的文字", [(E, "相同的文字")]),
    ("", "新增", [(I, "新增")]),
    ("删除", "", [(D, "删除")]),
])
def test_diff_text_edge_cases(old, new, expected):
    assert spans(diff_text(old, new)) == expected


def test_diff_text_keeps_unchanged_lines_whole():
    old = "第一段不变。\n第二段原文。\n第三段不变。"
    new = "第一段不变。\n第二段改写后的文字。\n第三段不变。"

    ops = diff_text(old, new)

    assert ops[0] == DiffOp(E, "第一段不变。\n第二段")
    assert ops[-1] == DiffOp(E, "。\n第三段不变。")
    assert "".join(op.text for op in ops if op.kind != I) == old
    assert "".join(op.text for op in ops if op.kind != D) == new


def test_diff_text_reconstructs_both_sides_of_a_long_text():
    old = "\n".join(f"第{n}条 交通运输部门应当按规定公开政府信息。" for n in range(300))
    new = old.replace("第150条 交通运输部门", "第150条 各级交通运输部门").replace("第7条", "第七条")

    started = time.perf_counter()
    ops = diff_text(old, new)
    elapsed = time.perf_counter() - started

    assert "".join(op.text for op in ops if op.kind != I) == old
    assert "".join(op.text for op in ops if op.kind != D) == new
    assert [op.text for op in ops if op.kind == I] == ["七", "各级"]
    assert elapsed < 1.0


def test_to_html_escapes_and_marks_changes():
    html = to_html([DiffOp(E, "<b>标题</b>"), DiffOp(I, "新增&"), DiffOp(D, "删除\n")])

    assert "&#60;b&#62;标题&#60;/b&#62;" in html
    assert "<b>" not in html
    assert '<ins style="background:#d4f8d4;color:#0a5c0a">新增&#38;</ins>' in html
    assert '<del style="background:#fde0e0;color:#9c1010">删除<br></del>' in html


def test_to_html_escapes_markdown():
    html = to_html([DiffOp(E, "**粗体** [链接](http://x) $x^2$ # 标题")])

    assert "*" not in html
    assert "[" not in html
    assert "$" not in html
    assert "&#42;&#42;粗体&#42;&#42;" in html


def content(*sections, title="关于做好政务公开工作的解读", disclosure="public"):
    return {"title": title, "disclosure": disclosure, "disclosure_reason": "",
            "disclosure_basis": "",
            "sections": [{"key": key, "title": heading, "body": body, "source_ref": ""}
                         for key, heading, body in sections]}


def test_diff_content_pairs_sections_by_key():
    old = content(("background", "出台背景", "原背景"), ("measures", "主要措施", "原措施"))
    new = content(("background", "出台背景", "原背景"), ("measures", "主要措施", "新措施"),
                  ("changes", "带来的变化", "新增段落"))

    result = diff_content(old, new)

    assert [(s.label, s.status) for s in result.sections] == [
        ("出台背景", "same"), ("主要措施", "changed"), ("带来的变化", "added")]
    assert spans(result.sections[1].body.ops) == [(D, "原"), (I, "新"), (E, "措施")]
    assert result.changed


def test_diff_content_reports_removed_section_and_field_changes():
    old = content(("background", "出台背景", "原背景"), ("qa_1", "问题一", "答复一"))
    new = content(("background", "出台背景", "原背景"), disclosure="not_public")

    result = diff_content(old, new)

    assert [(s.label, s.status) for s in result.sections] == [("出台背景", "same"),
                                                               ("问题一", "removed")]
    changed_fields = [f.name for f in result.fields if f.changed]
    assert changed_fields == ["disclosure"]


def test_diff_content_unchanged():
    same = content(("background", "出台背景", "原背景"))

    result = diff_content(same, same)

    assert not result.changed


def test_diff_text_unrelated_long_paragraphs_shown_as_replaced():
    old = "甲" * 3000
    new = "乙" * 3000

    started = time.perf_counter()
    ops = diff_text(old, new)

    assert spans(ops) == [(D, old), (I, new)]
    assert time.perf_counter() - started < 0.5


def test_diff_text_small_edit_in_one_long_paragraph():
    sentence = "交通运输部门应当按规定公开政府信息，坚持以公开为常态、不公开为例外"
    old = "，".join([sentence] * 400) + "。"
    middle = len(old) // 2
    new = old[:middle] + "（含直属单位）" + old[middle:]

    started = time.perf_counter()
    ops = diff_text(old, new)

    assert [op.text for op in ops if op.kind == I] == ["（含直属单位）"]
    assert [op for op in ops if op.kind == D] == []
    assert time.perf_counter() - started < 0.5
