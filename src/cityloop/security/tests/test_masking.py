"""Masking on realistic complaint text, with traps that must be left alone (dates, ticket numbers, amounts)."""

import pytest

from cityloop.security.masking import find_personal_data, id_card_valid, luhn_valid, mask_text

# A real-format but fictitious ID number with a valid checksum, and a Luhn-valid test card number.
ID = "11010519491231002X"
CARD = "6222 0212 3456 7890 128"


def test_checksums() -> None:
    assert id_card_valid(ID)
    assert not id_card_valid("110105194912310021")
    assert luhn_valid("6222021234567890128")
    assert not luhn_valid("6222021234567890123")


def test_everything_personal_is_masked_in_free_text() -> None:
    text = (f"我是望江小区的王先生，电话13812345678，座机027-87654321，身份证{ID}，"
            f"退款请打到卡{CARD}，邮件wang.xm@example.com。物业的李经理一直不回电话。")
    masked = mask_text(text)
    assert "13812345678" not in masked
    assert "138****5678" in masked
    assert "87654321" not in masked
    assert "***-******21" in masked
    assert ID not in masked
    assert "1****************X" in masked
    assert "3456 7890" not in masked
    assert "**** **** **** ***0 128" in masked
    assert "wang.xm@example.com" not in masked
    assert "w***@example.com" in masked
    assert "王先生" not in masked
    assert "*先生" in masked
    assert "李经理" not in masked
    assert "*经理" in masked
    assert "望江小区" in masked
    assert "物业" in masked
    assert "一直不回电话" in masked


@pytest.mark.parametrize("text", [
    "工单号2026112900012345的处理结果不满意",  # a ticket number
    "2026年11月29日下午3点停水，20261129至今未恢复",  # dates
    "多收了物业费12345.50元，共计¥138,000",  # amounts
    "小区有1380户居民，楼高138米",  # counts
    "订单号 1234567890123456 查询",  # 16 digits that fail Luhn
    "身份证号110105194912310021写错了",  # wrong checksum
    "先生们女士们",  # titles without a surname
])
def test_traps_are_left_alone(text: str) -> None:
    assert find_personal_data(text) == []
    assert mask_text(text) == text


def test_phone_with_country_code_and_separators() -> None:
    assert mask_text("联系+86 138-1234-5678") == "联系+86 138-****-5678"
    assert mask_text("电话：139 0000 1111。") == "电话：139 **** 1111。"


def test_names_with_titles() -> None:
    assert mask_text("张师傅说") == "*师傅说"
    assert mask_text("欧阳女士反映") == "**女士反映"
    assert mask_text("王小明先生来电") == "***先生来电"
