"""Personal data in what people who do not need it see: phone numbers, ID-card numbers, bank cards,
e-mail addresses and names with a title (王先生), in fields and inside free text.

Detection is deliberately strict where a false alarm would mangle useful text: an ID number must pass its
GB 11643 checksum, a bank card the Luhn check, a mobile number must stand alone (not inside a longer run of
digits such as a ticket number or a date).
"""

import re
from dataclasses import dataclass

# Mobile numbers: 1[3-9] and nine more digits, optionally written +86 / 86 / with spaces or dashes.
MOBILE = r"(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}"
# Landlines with an area code: 010-12345678, 0571 8888 6666, (0755)12345678.
LANDLINE = r"(?:\(0\d{2,3}\)|0\d{2,3})[- ]?\d{7,8}"
ID_CARD = r"\d{17}[\dXx]|\d{15}"
CARD = r"\d{4}(?:[- ]?\d{4}){2,3}(?:[- ]?\d{1,3})?"
EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
TITLES = "先生|女士|小姐|太太|阿姨|大爷|大妈|师傅|老师|同志|经理|医生|律师"
# The hundred-odd common single-character surnames cover nearly all callers; two-character ones are rare.
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
            "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴"
            "莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯"
            "纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉"
            "缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇"
            "桑郎甄丛仲虞敖巩明佘池查麻苑迟邝")
NAME_WITH_TITLE = rf"(?:欧阳|司马|诸葛|上官|[{SURNAMES}])[\u4e00-\u9fa5]{{0,2}}?(?:{TITLES})"

_DIGIT_EDGE_BEFORE = r"(?<![\dA-Za-z])"
_DIGIT_EDGE_AFTER = r"(?![\dA-Za-z])"
PATTERN = re.compile(
    rf"(?P<email>{EMAIL})"
    rf"|{_DIGIT_EDGE_BEFORE}(?P<id_card>{ID_CARD}){_DIGIT_EDGE_AFTER}"
    rf"|{_DIGIT_EDGE_BEFORE}(?P<card>{CARD}){_DIGIT_EDGE_AFTER}"
    rf"|{_DIGIT_EDGE_BEFORE}(?P<mobile>{MOBILE}){_DIGIT_EDGE_AFTER}"
    rf"|{_DIGIT_EDGE_BEFORE}(?P<landline>{LANDLINE}){_DIGIT_EDGE_AFTER}"
    rf"|(?P<name>{NAME_WITH_TITLE})"
)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def id_card_valid(number: str) -> bool:
    """GB 11643-1999: the 18th character is a checksum of the first 17; 15-digit numbers (pre-1999) need a
    plausible birth date instead."""
    number = number.upper()
    if len(number) == 15:
        month, day = int(number[8:10]), int(number[10:12])
        return 1 <= month <= 12 and 1 <= day <= 31
    total = sum(int(digit) * weight for digit, weight in zip(number[:17], ID_WEIGHTS, strict=True))
    month, day = int(number[10:12]), int(number[12:14])
    return ID_CHECK[total % 11] == number[17] and 1 <= month <= 12 and 1 <= day <= 31


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


@dataclass(frozen=True)
class Finding:
    kind: str  # mobile, landline, id_card, card, email, name
    start: int
    end: int
    text: str


def find_personal_data(text: str) -> list[Finding]:
    findings = []
    for match in PATTERN.finditer(text):
        kind = match.lastgroup or ""
        value = match.group()
        digits = re.sub(r"\D", "", value)
        if kind == "id_card" and not id_card_valid(value):
            continue
        if kind == "card" and not (16 <= len(digits) <= 19 and luhn_valid(digits)):
            continue
        findings.append(Finding(kind, match.start(), match.end(), value))
    return findings


def _mask_digits(value: str, keep_start: int, keep_end: int) -> str:
    positions = [i for i, char in enumerate(value) if char.isdigit() or char in "Xx"]
    hidden = set(positions[keep_start:len(positions) - keep_end])
    return "".join("*" if i in hidden else char for i, char in enumerate(value))


def _mask(finding: Finding) -> str:
    value = finding.text
    if finding.kind == "mobile":
        return _mask_digits(value, len(re.sub(r"\D", "", value)) - 8, 4)
    if finding.kind == "landline":
        return _mask_digits(value, 0, 2)
    if finding.kind == "id_card":
        return _mask_digits(value, 1, 1)
    if finding.kind == "card":
        return _mask_digits(value, 0, 4)
    if finding.kind == "email":
        return mask_email(value)
    title = re.search(rf"(?:{TITLES})$", value)
    name_length = len(value) - (len(title.group()) if title else 0)
    return "*" * name_length + value[name_length:]  # the title stays: it tells the handler how to address them


def mask_text(text: str) -> str:
    """The text with every piece of personal data found in it masked."""
    parts, last = [], 0
    for finding in find_personal_data(text):
        parts += [text[last:finding.start], _mask(finding)]
        last = finding.end
    return "".join(parts) + text[last:]


def mask_phone(phone: str) -> str:
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_name(name: str) -> str:
    name = name.strip()
    return name[:1] + "*" * (len(name) - 1) if name else ""


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else mask_name(email)
