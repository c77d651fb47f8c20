"""File sizes in binary units, and too-large messages whose advice fits the file."""
import pytest

from planner.errors import InvalidInput
from planner.filenames import format_size
from planner.services import policies


@pytest.mark.parametrize("size_bytes, shown", [
    (0, "0 字节"),
    (1023, "1023 字节"),
    (1024, "1.0 KB"),
    (1024 * 1024, "1.0 MB"),
    # Streamlit's uploader shows this file as "25.0MB" outside Windows (decimal units).
    (25_000_000, "23.8 MB"),
])
def test_format_size_binary_units(size_bytes, shown):
    assert format_size(size_bytes) == shown


def test_policy_too_large_advice_generic(monkeypatch):
    monkeypatch.setenv("PLANNER_UPLOAD_MAX_MB", "1")
    data = "一".encode() * (400 * 1024)      # 1.2 MB of UTF-8 text

    with pytest.raises(InvalidInput) as raised:
        policies.parse_upload("意见.txt", data)

    message = raised.value.message
    assert "大小为 1.2 MB，超过上传上限 1 MB" in message
    assert "压缩图片" not in message
    assert "拆分为几个文件" in message
