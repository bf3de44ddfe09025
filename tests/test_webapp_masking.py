"""The API and page mask what the chat masks (issue 12: a rep "cannot see masked fields"):
the same :class:`bot.masking.Masking` decides, so a manager with phones or amounts masked
gets them masked in JSON too, the owner and admins see them in full, nothing is masked by
default, a masked field cannot be written back, and every answer is valid against the
OpenAPI document (which says a field may come masked). Exports go by the same rule."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import main
from store.models import Contact
from tests.server_harness import running
from tests.test_webapp_api import check
from tests.webapp_support import Web, web_over

PUBLIC = "http://127.0.0.1"


@pytest.fixture
async def web(settings, clock) -> AsyncIterator[Web]:
    async with (
        running(settings.model_copy(update={"public_url": PUBLIC}), clock) as run,
        web_over(run) as web,
    ):
        yield web


async def masks(web: Web, *changes: str) -> None:
    """An admin sets the policy in chat, as they would."""
    admin = await web.bot.user("ada", role="admin")
    for change in changes:
        r = await admin.send(f"/settings mask {change}")
        assert "Masked for" in r.text, r.text


def contact_named(card: dict[str, object], name: str) -> dict[str, object]:
    contacts = card["contacts"]
    assert isinstance(contacts, list)
    return next(c for c in contacts if c["name"] == name)


async def test_nothing_is_masked_by_default(web):
    wang = await web.open_from_chat(web.ws.wang)
    answer = await wang.get(f"/api/v1/companies/{web.ws.ids['星辰科技']}")
    zhang = contact_named(answer.body, "张伟")
    assert zhang["mobile"] == "+8613800138000"
    assert zhang["tel"] == "tel:+86-138-0013-8000"
    assert zhang["masked"] == []


async def test_a_manager_sees_a_reps_contact_masked_and_the_owner_sees_it_in_full(web):
    await masks(web, "manager phone", "manager email")
    wang = await web.open_from_chat(web.ws.wang)
    path = f"/api/v1/companies/{web.ws.ids['星辰科技']}"
    answer = await wang.get(path)
    assert answer.status == 200
    await check(web, answer, "GET", "/api/v1/companies/{company_id}")
    zhang = contact_named(answer.body, "张伟")
    assert zhang["mobile"] == "138****8000"
    assert zhang["email"] == "z***@xingchen.cn"
    assert zhang["tel"] is None
    assert zhang["masked"] == ["mobile", "email"]
    listed = await wang.get("/api/v1/contacts")
    await check(web, listed, "GET", "/api/v1/contacts")
    assert "+8613800138000" not in str(listed.body)
    # Na owns the customer: she sees it in full, through her page as in chat.
    na = await web.open_from_chat(web.ws.na)
    mine = contact_named((await na.get(path)).body, "张伟")
    assert mine["mobile"] == "+8613800138000"
    assert mine["masked"] == []


async def test_a_masked_field_cannot_be_written_back(web):
    await masks(web, "manager phone")
    wang = await web.open_from_chat(web.ws.wang)
    contact_id = web.ws.ids["张伟"]
    answer = await wang.call(
        "PATCH", f"/api/v1/contacts/{contact_id}", {"mobile": "138****8000", "title": "CEO"}
    )
    assert answer.status == 403
    assert answer.body["error"]["code"] == "masked"
    assert answer.body["error"]["fields"] == ["mobile"]
    assert "屏蔽" in answer.body["error"]["message"]  # Wang reads Chinese
    stored = await web.bot.scalar(select(Contact).where(Contact.id == contact_id))
    assert (stored.mobile, stored.title) == ("+8613800138000", "总经理")
    # What is not masked can still be changed.
    ok = await wang.call("PATCH", f"/api/v1/contacts/{contact_id}", {"title": "CEO"})
    assert ok.status == 200
    assert ok.body["title"] == "CEO"


async def test_a_manager_with_amounts_masked_sees_none_of_the_teams(web):
    await masks(web, "manager amount")
    wang = await web.open_from_chat(web.ws.wang)
    answer = await wang.get("/api/v1/deals")
    await check(web, answer, "GET", "/api/v1/deals")
    acme = next(d for d in answer.body["items"] if d["title"] == "Acme ERP")
    assert acme["amount"] is None
    assert acme["amount_label"] == "（已屏蔽）"
    assert acme["masked"] == ["amount"]
    detail = await wang.get(f"/api/v1/deals/{web.ws.ids['Acme ERP']}")
    await check(web, detail, "GET", "/api/v1/deals/{deal_id}")
    assert detail.body["amount"] is None
    li = await web.open_from_chat(web.ws.li)
    own = (await li.get(f"/api/v1/deals/{web.ws.ids['Acme ERP']}")).body
    assert (own["amount"], own["masked"]) == ("300000", [])


async def test_an_admin_sees_everything_whatever_is_masked(web):
    await masks(web, "manager phone", "rep phone", "manager amount", "rep amount")
    admin = await web.open_from_chat(await web.bot.user("root", role="admin"))
    card = (await admin.get(f"/api/v1/companies/{web.ws.ids['星辰科技']}")).body
    assert contact_named(card, "张伟")["mobile"] == "+8613800138000"
    deal = (await admin.get(f"/api/v1/deals/{web.ws.ids['Acme ERP']}")).body
    assert deal["amount"] == "300000"


async def test_the_document_says_fields_may_come_masked(web):
    document = (await (await web.browser()).get("/api/v1/openapi.json")).body
    schemas = document["components"]["schemas"]
    assert "masked" in schemas["ContactOut"]["properties"]
    assert "masked" in schemas["ContactOut"]["properties"]["mobile"]["description"]
    assert "null when masked" in schemas["DealOut"]["properties"]["amount"]["description"]


def test_an_export_masks_what_its_user_sees_masked(database_url, monkeypatch, tmp_path):
    monkeypatch.setenv("CRMBOT_DATABASE_URL", database_url)
    monkeypatch.setenv("CRMBOT_DEFAULT_LANG", "en")
    runner = CliRunner()

    def crmbot(*args: str) -> str:
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    crmbot("user", "invite", "admin", "--role", "admin")
    crmbot("user", "invite", "li", "--role", "rep", "--team", "East")
    crmbot("user", "invite", "wang", "--role", "manager", "--team", "East")
    sheet = (
        "公司名称,联系人,手机,邮箱,负责人,商机名称,金额\n"
        "星辰科技,张伟,13800138000,zw@xc.cn,li,ERP,50万\n"
    )
    source = tmp_path / "in.csv"
    source.write_text(sheet, encoding="utf-8")
    crmbot("import", str(source), "--yes")
    assert "manager: nothing masked" in crmbot("masking", "show")
    crmbot("masking", "set", "manager", "phone", "masked")
    crmbot("masking", "set", "manager", "amount", "masked")
    assert "manager: amount, phone" in crmbot("masking", "show")

    def rows(kind: str, user: str) -> list[dict[str, str]]:
        text = crmbot("export", kind, "--format", "csv", "--as", user)
        return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))

    assert rows("contacts", "wang")[0]["Mobile"] == "138****8000"
    assert rows("contacts", "wang")[0]["Email"] == "zw@xc.cn"  # e-mails not masked
    assert rows("deals", "wang")[0]["Amount"] == ""
    assert rows("contacts", "li")[0]["Mobile"] == "+8613800138000"  # the owner
    assert rows("deals", "admin")[0]["Amount"] == "500000"
    # Wang's file imported back over the records cannot replace the real number.
    back = tmp_path / "back.csv"
    back.write_text(crmbot("export", "contacts", "--format", "csv", "--as", "wang"))
    report = crmbot("import", str(back), "--as", "wang", "--on-duplicate", "overwrite", "--yes")
    assert "“138****8000” is masked" in report
    assert query_mobile(database_url) == "+8613800138000"


def query_mobile(url: str) -> object:
    from tests.test_import_cli import query

    return query(url, select(Contact.mobile))[0][0]
