"""A community's resident list: import (good, bad rows, unreadable files, re-import), access, and the surveys
meant for the listed residents of an area."""

import io
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook

from cityloop.conftest import World
from cityloop.core.errors import Conflict, InvalidInput, NotFound
from cityloop.organisation.choices import Role, UnitKind
from cityloop.organisation.models import Area, Membership, Unit
from cityloop.participation import services
from cityloop.participation.access import listed_entries
from cityloop.participation.models import Answer, ListedResident, ResidentList, SurveyResponse
from cityloop.participation.residents import read_resident_file
from cityloop.participation.tests.helpers import survey
from cityloop.portal.contacts import EMAIL, PHONE, Contact
from cityloop.portal.services import citizen_account_for, citizen_username
from cityloop.security.models import AuditEntry

GOOD = ("姓名,手机,邮箱,楼栋,房号\n"
        "王小明,+86 138-0000-0001,,3栋,501\n"
        "李红,,Li.Hong@Example.ORG,3栋,502\n"
        "张伟,13800000003,zhang@example.org,,\n")


def keeper(world: World, community: Area, username: str) -> Any:
    """A community worker of that community's residents' committee."""
    unit = Unit.objects.create(kind=UnitKind.COMMUNITY, code=f"U-{community.code}", name=f"{community.name}居委会",
                               area=community)
    user = get_user_model().objects.create_user(username, f"{username}@example.org", "pw")
    Membership.objects.create(user=user, unit=unit, role=Role.COMMUNITY_WORKER, scope=community)
    return user


def other_community(world: World) -> Area:
    assert world.other_grid.parent is not None
    return world.other_grid.parent


def upload(text: str | bytes, name: str = "居民名单.csv") -> SimpleUploadedFile:
    content = text.encode("utf-8-sig") if isinstance(text, str) else text
    return SimpleUploadedFile(name, content)


def xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def import_file(world: World, actor: Any, file: SimpleUploadedFile, community: Area | None = None) -> ResidentList:
    return services.resident_list_import(actor=actor, community_id=(community or world.community).pk,
                                         file_name=file.name or "", content=read_resident_file(file))


def listed(community: Area) -> list[tuple[Any, ...]]:
    return list(ListedResident.objects.filter(resident_list__community=community).order_by("row").values_list(
        "row", "name", "phone", "email", "building", "unit"))


def page_client(user: Any) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def test_good_csv_is_imported_in_normal_form_with_the_accounts_of_its_contacts(world: World) -> None:
    staff = keeper(world, world.community, "community")
    resident_list = import_file(world, staff, upload(GOOD))
    assert listed(world.community) == [
        (2, "王小明", "13800000001", "", "3栋", "501"), (3, "李红", "", "Li.Hong@example.org", "3栋", "502"),
        (4, "张伟", "13800000003", "zhang@example.org", "", "")]
    assert (resident_list.file_name, resident_list.imported_by, resident_list.rejected) == ("居民名单.csv", staff, [])
    zhang = ListedResident.objects.get(name="张伟")
    assert zhang.phone_account == citizen_username(Contact(PHONE, "13800000003"))
    assert zhang.email_account == citizen_username(Contact(EMAIL, "zhang@example.org"))
    entry = AuditEntry.objects.get(action="resident_list.import")
    assert (entry.actor, entry.data["rows"], entry.data["rejected"]) == (staff, 3, 0)


def test_xlsx_with_english_headings_and_numeric_phones(world: World) -> None:
    staff = keeper(world, world.community, "community")
    content = xlsx([["Name", "Mobile", "Building", "Unit"], ["赵六", 13800000006, "1", 101], [None, None, None, None],
                    ["钱七", 13800000007, None, None]])
    import_file(world, staff, upload(content, "residents.xlsx"))
    assert [(name, phone, building, unit) for _row, name, phone, _email, building, unit in listed(world.community)] \
        == [("赵六", "13800000006", "1", "101"), ("钱七", "13800000007", "", "")]


def test_bad_rows_are_refused_with_their_reasons_and_good_rows_kept(world: World) -> None:
    staff = keeper(world, world.community, "community")
    text = ("姓名,手机,邮箱,楼栋,房号\n"
            "王小明,13800000001,,,\n"
            ",13800000002,,,\n"  # no name
            "孙八,,,3栋,\n"  # no contact
            "周九,02787654321,,,\n"  # a landline cannot get a code
            "吴十,12345,,,\n"  # not a phone number
            "郑一,,not-an-address,,\n"
            "王小明,13800000001,,,\n"  # the same as row 2
            f"{'长' * 101},13800000009,,,\n"
            f"冯二,13800000010,,{'楼' * 51},\n"
            ",,,,\n")  # an empty row is skipped, not refused
    resident_list = import_file(world, staff, upload(text))
    assert [name for _row, name, *_rest in listed(world.community)] == ["王小明"]
    assert [(item["row"], item["code"]) for item in resident_list.rejected] == [
        (3, "no_name"), (4, "no_contact"), (5, "bad_phone"), (6, "bad_phone"), (7, "bad_email"), (8, "duplicate"),
        (9, "name_too_long"), (10, "place_too_long")]
    page = page_client(staff).get(f"/participation/residents/{world.community.pk}/").content.decode()
    assert "the same resident as row 2" in page
    assert "neither a mobile phone nor an e-mail address" in page
    assert "孙*" in page
    assert "孙八" not in page


@pytest.mark.parametrize(("content", "name", "message"), [
    ("姓名,手机\n王小明,13800000001\n".encode("gbk"), "名单.csv", "GBK/GB18030"),
    (b"\x00\x01\x02\xff\xfe garbage \x00" * 50, "名单.csv", "binary data"),
    (b"PK\x03\x04 not really a workbook", "名单.xlsx", "not a readable Excel .xlsx file"),
    ("编号,备注\n1,无\n".encode(), "名单.csv", "needs a column 姓名"),
    ("姓名,手机\n王小明,12\n".encode(), "名单.csv", "No row of 名单.csv can be used"),
    (b"%PDF-1.4", "名单.pdf", "Unsupported file type"),
])
def test_unreadable_files_are_refused_and_change_nothing(world: World, content: bytes, name: str,
                                                         message: str) -> None:
    staff = keeper(world, world.community, "community")
    first = import_file(world, staff, upload(GOOD))
    before = listed(world.community)
    client = page_client(staff)
    response = client.post(f"/participation/residents/{world.community.pk}/", {"file": upload(content, name)})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="id_file_error"' in page
    assert message in page
    assert listed(world.community) == before
    assert ResidentList.objects.get().imported_at == first.imported_at
    assert AuditEntry.objects.filter(action="resident_list.import").count() == 1


def test_reimport_replaces_the_list_and_is_idempotent(world: World) -> None:
    staff = keeper(world, world.community, "community")
    import_file(world, staff, upload(GOOD))
    first = listed(world.community)
    import_file(world, staff, upload(GOOD))
    assert listed(world.community) == first
    assert ResidentList.objects.count() == 1
    import_file(world, staff, upload("姓名,手机\n新住户,13800000099\n"))
    assert listed(world.community) == [(2, "新住户", "13800000099", "", "", "")]
    assert ListedResident.objects.count() == 1


def test_page_shows_contacts_masked_and_who_has_verified(world: World,
                                                         django_assert_max_num_queries: Any) -> None:
    staff = keeper(world, world.community, "community")
    import_file(world, staff, upload(GOOD))
    citizen_account_for(Contact(PHONE, "13800000001"))  # 王小明 has signed in
    client = page_client(staff)
    client.get(f"/participation/residents/{world.community.pk}/")  # sessions and caches warm
    with django_assert_max_num_queries(12):
        response = client.get(f"/participation/residents/{world.community.pk}/")
    page = response.content.decode()
    assert "138****0001" in page
    assert "13800000001" not in page
    assert "L***@example.org" in page
    assert "Li.Hong@example.org" not in page
    assert "王**" in page
    assert "王小明" not in page
    assert page.count(">Yes<") == 1
    assert "3 residents, imported from 居民名单.csv" in page


def test_only_the_communitys_staff_see_or_replace_its_list(world: World) -> None:
    staff = keeper(world, world.community, "community")
    import_file(world, staff, upload(GOOD))
    before = listed(world.community)
    elsewhere = keeper(world, other_community(world), "other_community")
    url = f"/participation/residents/{world.community.pk}/"
    for user in (elsewhere, world.users["handler"], world.users["supervisor"],
                 citizen_account_for(Contact(PHONE, "13800000001"))):
        client = page_client(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"file": upload("姓名,手机\n冒名,13800000077\n")}).status_code == 404
        with pytest.raises(NotFound):
            import_file(world, user, upload("姓名,手机\n冒名,13800000077\n"))
    assert listed(world.community) == before
    assert Client().get(url).status_code == 302  # to the sign-in page
    assert page_client(world.users["admin"]).get(url).status_code == 200
    index = page_client(elsewhere).get("/participation/residents/").content.decode()
    assert "江岸社区" in index
    assert "望江社区" not in index
    assert page_client(world.users["handler"]).get("/participation/residents/").status_code == 403


def test_signing_in_before_or_after_the_import_makes_a_listed_resident(world: World) -> None:
    early = citizen_account_for(Contact(PHONE, "13800000001"))  # verified before the list existed
    staff = keeper(world, world.community, "community")
    import_file(world, staff, upload(GOOD))
    late = citizen_account_for(Contact(EMAIL, "li.hong@example.org"))  # verifies after, e-mail in another case
    stranger = citizen_account_for(Contact(PHONE, "13900000000"))
    assert listed_entries(early, world.street).get().name == "王小明"
    assert listed_entries(late, world.community).get().name == "李红"
    assert not listed_entries(stranger, world.city).exists()
    assert not listed_entries(early, other_community(world)).exists()
    assert not listed_entries(staff, world.city).exists()  # staff are never residents


def test_survey_for_an_area_takes_its_listed_residents_once_each(world: World) -> None:
    staff = keeper(world, world.community, "community")
    import_file(world, staff, upload(GOOD))
    import_file(world, keeper(world, other_community(world), "other_community"),
                upload("姓名,手机\n江岸居民,13800000088\n"), other_community(world))
    item = survey()
    item.residents_of = world.street
    item.save()
    questions = list(item.questions.order_by("position"))
    answers = {questions[0].pk: 0, questions[1].pk: [1], questions[2].pk: 3}

    services.survey_respond(actor=citizen_account_for(Contact(PHONE, "13800000001")), survey_id=item.pk,
                            answers=answers)
    # 张伟 is on the list with a phone and an e-mail: one response, whichever account answers first
    services.survey_respond(actor=citizen_account_for(Contact(EMAIL, "zhang@example.org")), survey_id=item.pk,
                            answers=answers)
    with pytest.raises(Conflict, match="already answered"):
        services.survey_respond(actor=citizen_account_for(Contact(PHONE, "13800000003")), survey_id=item.pk,
                                answers=answers)
    for outsider in (citizen_account_for(Contact(PHONE, "13800000088")),  # listed in another street
                     citizen_account_for(Contact(PHONE, "13900000000"))):  # verified, on no list
        with pytest.raises(services.Forbidden, match="residents of 滨江街道"):
            services.survey_respond(actor=outsider, survey_id=item.pk, answers=answers)
    assert SurveyResponse.objects.count() == 2
    assert Answer.objects.count() == 8


def test_survey_page_tells_an_unlisted_resident_and_shows_no_form(world: World) -> None:
    keeper_user = keeper(world, world.community, "community")
    import_file(world, keeper_user, upload(GOOD))
    item = survey()
    item.residents_of = world.community
    item.save()
    outsider = page_client(citizen_account_for(Contact(PHONE, "13900000000")))
    page = outsider.get(f"/participation/surveys/{item.pk}/").content.decode()
    assert "This survey is for residents of 望江社区 on their community's resident list." in page
    assert "Send my answers" not in page
    listed_page = page_client(citizen_account_for(Contact(PHONE, "13800000001"))).get(
        f"/participation/surveys/{item.pk}/").content.decode()
    assert "Send my answers" in listed_page
    questions = list(item.questions.order_by("position"))
    response = outsider.post(f"/participation/surveys/{item.pk}/", {
        f"q{questions[0].pk}": "0", f"q{questions[1].pk}": ["0"], f"q{questions[2].pk}": "2"})
    assert response.status_code == 422
    assert not SurveyResponse.objects.exists()


def test_unreadable_file_raises_before_anything_is_read(world: World) -> None:
    with pytest.raises(InvalidInput, match="GBK"):
        read_resident_file(upload("姓名,手机\n王小明,13800000001\n".encode("gb18030")))
