"""Records read as columns and made records in the session (store/loaded.py, issue 20):
they behave as records the ORM loaded — a change is flushed and audited with its old
value, an untouched one sends nothing, a sealed column arrives opened and is sealed
again — and a record the session already holds is not replaced by the read."""

from __future__ import annotations

from sqlalchemy import String, bindparam, select, type_coerce

from store.loaded import attach, record_columns
from store.models import AuditEntry, Company, User
from store.prepared import read
from store.roles import Role
from store.sealing import Keyring, bind
from store.users import create_user
from tests.audit_trail import field_changes
from tests.sql_trace import executed

COMPANY_BY_ID = select(*record_columns(Company)).where(Company.id == bindparam("id"))
USER_BY_ID = select(*record_columns(User)).where(User.id == bindparam("id"))


async def _company(db, clock, **values) -> int:
    async with db.transaction() as session:
        owner = await create_user(session, "lena", role=Role.REP, now=clock.now())
        company = Company(
            name="Globex", owner_id=owner.id, created_at=clock.now(), updated_at=clock.now()
        )
        for key, value in values.items():
            setattr(company, key, value)
        session.add(company)
        await session.flush()
        return company.id


async def test_a_change_to_an_attached_record_is_saved_and_audited_with_its_old_value(db, clock):
    async with db.transaction() as session:
        user = await create_user(session, "mo", role=Role.REP, now=clock.now())
        user_id = user.id
    async with db.transaction() as session:
        (row,) = await read(session, USER_BY_ID, {"id": user_id})
        attached = attach(session, User, row)
        assert attached in session
        assert attached.name == "mo"
        attached.role = Role.MANAGER.value
    async with db.transaction() as session:
        stored = await session.get(User, user_id)
        assert stored is not None
        assert stored.role == Role.MANAGER.value
        entries = (
            await session.scalars(
                select(AuditEntry).where(
                    AuditEntry.table_name == "users",
                    AuditEntry.record_id == user_id,
                    AuditEntry.action == "update",
                )
            )
        ).all()
        assert ("update", "role", Role.REP.value, Role.MANAGER.value) in field_changes(entries)


async def test_an_untouched_attached_record_sends_nothing_when_the_session_flushes(db, clock):
    company_id = await _company(db, clock)
    async with db.transaction() as session:
        (row,) = await read(session, COMPANY_BY_ID, {"id": company_id})
        company = attach(session, Company, row)
        assert company.name == "Globex"
        assert company.created_at == clock.now()
        assert company.created_at.tzinfo is not None
        with executed() as calls:
            await session.flush()
        assert calls == []
        assert company not in session.dirty


async def test_the_record_the_session_holds_is_kept_with_its_unsaved_change(db, clock):
    company_id = await _company(db, clock)
    async with db.transaction() as session:
        held = await session.get(Company, company_id)
        assert held is not None
        held.city = "Shanghai"  # not flushed yet
        connection = await session.connection()  # not read(): its autoflush would save it
        (row,) = (await connection.execute(COMPANY_BY_ID, {"id": company_id})).all()
        assert attach(session, Company, tuple(row)) is held
        assert held.city == "Shanghai"
    async with db.transaction() as session:
        stored = await session.get(Company, company_id)
        assert stored is not None
        assert stored.city == "Shanghai"


async def test_a_sealed_column_arrives_opened_and_is_sealed_again_when_saved(db, clock):
    bind(db.engine.sync_engine.dialect, Keyring("a test key of enough length, 32+ chars"))
    company_id = await _company(db, clock, phone="+86 21 5555 0100")
    async with db.transaction() as session:
        (row,) = await read(session, COMPANY_BY_ID, {"id": company_id})
        company = attach(session, Company, row)
        assert company.phone == "+86 21 5555 0100"
        company.phone = "+86 21 5555 0199"
    async with db.transaction() as session:
        raw = await session.scalar(
            select(type_coerce(Company.phone, String)).where(Company.id == company_id)
        )
        assert raw is not None
        assert "5555" not in raw
        assert "enc1:" in raw
        stored = await session.get(Company, company_id)
        assert stored is not None
        assert stored.phone == "+86 21 5555 0199"
