"""Membership classes: validated fields, exact decimal weights, unique slugs, safe deletion."""

from __future__ import annotations

from decimal import Decimal

import pytest

from coopfed.context import AppContext
from governance import audit, membership_class
from governance import member as members
from governance.errors import Conflict, InvalidInput, NotFound
from governance.member import Status
from governance.membership_class import ClassFields
from tests.integration.api.conftest import make_member


def parse(**changes: object) -> ClassFields:
    values: dict[str, object] = {
        "slug": "worker", "name": "Workers", "vote_weight": "1", "weight_cap": None,
    }
    values.update(changes)
    return ClassFields.parse(**values)  # type: ignore[arg-type]


# --- fields --------------------------------------------------------------------------------


def test_parse__normalises_the_values() -> None:
    fields = parse(slug=" Worker-Co_op ", name="  Workers ", vote_weight=" 0.5 ",
                   weight_cap="0.25", description="  paid staff  ")
    assert fields == ClassFields(
        "worker-co_op", "Workers", Decimal("0.5"), Decimal("0.25"), "paid staff"
    )


def test_parse__empty_cap_means_no_cap() -> None:
    assert parse(weight_cap="").weight_cap is None


def test_parse__accepts_decimals_as_they_are() -> None:
    assert parse(vote_weight=Decimal("2.5")).vote_weight == Decimal("2.5")


@pytest.mark.parametrize(
    ("weight", "cap"),
    [("0", None), ("1000", None), ("0.000001", None), ("1", "1"), ("1", "0.000001")],
)
def test_parse__accepts_the_boundaries(weight: str, cap: str | None) -> None:
    fields = parse(vote_weight=weight, weight_cap=cap)
    assert fields.vote_weight == Decimal(weight)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"slug": ""}, "invalid_slug"),
        ({"slug": "-leading-dash"}, "invalid_slug"),
        ({"slug": "x" * 41}, "invalid_slug"),
        ({"slug": "été"}, "invalid_slug"),
        ({"name": "   "}, "invalid_name"),
        ({"name": "n" * 121}, "invalid_name"),
        ({"vote_weight": "-0.1"}, "invalid_weight"),
        ({"vote_weight": "1000.000001"}, "invalid_weight"),
        ({"vote_weight": "one"}, "invalid_input"),
        ({"vote_weight": "NaN"}, "invalid_input"),
        ({"vote_weight": "Infinity"}, "invalid_input"),
        ({"vote_weight": "0.0000001"}, "invalid_input"),
        ({"weight_cap": "0"}, "invalid_cap"),
        ({"weight_cap": "-0.5"}, "invalid_cap"),
        ({"weight_cap": "1.01"}, "invalid_cap"),
        ({"weight_cap": "20%"}, "invalid_input"),
        ({"description": "d" * 2001}, "invalid_input"),
    ],
    ids=lambda v: "-".join(f"{k}" for k in v) if isinstance(v, dict) else v,
)
def test_parse__refuses_bad_values(changes: dict[str, str], code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse(**changes)
    assert caught.value.code == code


def test_parse__names_the_field_in_decimal_errors() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse(weight_cap="lots")
    assert caught.value.message.startswith("weight_cap ")


# --- stored classes ------------------------------------------------------------------------


async def test_create__stores_exact_decimals(ctx: AppContext) -> None:
    async with ctx.session() as db:
        await membership_class.create(
            db, parse(slug="a", vote_weight="0.000001", weight_cap="0.333333"),
            by=None, now=ctx.clock.now(),
        )
        await membership_class.create(
            db, parse(slug="b", vote_weight="999.999999"), by=None, now=ctx.clock.now()
        )
        await membership_class.create(
            db, parse(slug="c", vote_weight="1000"), by=None, now=ctx.clock.now()
        )
        await db.commit()
    async with ctx.session() as db:
        stored = {c.slug: c for c in await membership_class.list_all(db)}
    assert stored["a"].vote_weight == Decimal("0.000001")
    assert str(stored["a"].weight_cap) == "0.333333"
    assert str(stored["b"].vote_weight) == "999.999999"
    assert str(stored["c"].vote_weight) == "1000"
    assert stored["c"].weight_cap is None


async def test_create__records_it_in_the_audit_log(ctx: AppContext) -> None:
    async with ctx.session() as db:
        await membership_class.create(db, parse(weight_cap="0.5"), by=None, now=ctx.clock.now())
        (event,) = await audit.page(db, limit=1)
    assert (event.action, event.target) == ("class.create", "class:worker")
    assert event.details == {
        "slug": "worker", "name": "Workers", "vote_weight": "1", "weight_cap": "0.5",
    }


async def test_create__duplicate_slug_is_refused(ctx: AppContext) -> None:
    async with ctx.session() as db:
        await membership_class.create(db, parse(), by=None, now=ctx.clock.now())
        with pytest.raises(Conflict) as caught:
            await membership_class.create(db, parse(name="Other"), by=None, now=ctx.clock.now())
    assert "'worker'" in caught.value.message


async def test_list_all__is_sorted_by_slug(ctx: AppContext) -> None:
    async with ctx.session() as db:
        for slug in ("worker", "supporter", "user"):
            await membership_class.create(db, parse(slug=slug), by=None, now=ctx.clock.now())
        assert [c.slug for c in await membership_class.list_all(db)] == [
            "supporter", "user", "worker",
        ]


async def test_get_and_by_slug__unknown_is_not_found(ctx: AppContext) -> None:
    async with ctx.session() as db:
        with pytest.raises(NotFound):
            await membership_class.get(db, 77)
        with pytest.raises(NotFound) as caught:
            await membership_class.by_slug(db, "ghost")
    assert "'ghost'" in caught.value.message


async def test_update__changes_every_field_and_records_before_and_after(
    ctx: AppContext,
) -> None:
    async with ctx.session() as db:
        item = await membership_class.create(db, parse(), by=None, now=ctx.clock.now())
        await membership_class.update(
            db, item.id, parse(slug="workers", name="W", vote_weight="2", weight_cap="0.4",
                               description="d"),
            by=None, now=ctx.clock.now(),
        )
        (event,) = await audit.page(db, limit=1)
        await db.commit()
    async with ctx.session() as db:
        stored = await membership_class.get(db, item.id)
    assert (stored.slug, stored.name, stored.vote_weight, stored.weight_cap, stored.description) == (
        "workers", "W", Decimal(2), Decimal("0.4"), "d",
    )
    assert event.action == "class.update"
    assert event.details["before"]["slug"] == "worker"
    assert event.details["after"]["weight_cap"] == "0.4"


async def test_update__keeping_its_own_slug_is_fine(ctx: AppContext) -> None:
    async with ctx.session() as db:
        item = await membership_class.create(db, parse(), by=None, now=ctx.clock.now())
        updated = await membership_class.update(
            db, item.id, parse(vote_weight="3"), by=None, now=ctx.clock.now()
        )
    assert updated.vote_weight == 3


async def test_update__another_class_slug_is_refused(ctx: AppContext) -> None:
    async with ctx.session() as db:
        await membership_class.create(db, parse(), by=None, now=ctx.clock.now())
        user = await membership_class.create(db, parse(slug="user"), by=None, now=ctx.clock.now())
        with pytest.raises(Conflict):
            await membership_class.update(db, user.id, parse(), by=None, now=ctx.clock.now())


async def test_update__unknown_id_is_not_found(ctx: AppContext) -> None:
    async with ctx.session() as db:
        with pytest.raises(NotFound):
            await membership_class.update(db, 5, parse(), by=None, now=ctx.clock.now())


async def test_delete__removes_an_unused_class(ctx: AppContext) -> None:
    async with ctx.session() as db:
        item = await membership_class.create(db, parse(), by=None, now=ctx.clock.now())
        await membership_class.delete(db, item.id, by=None, now=ctx.clock.now())
        await db.commit()
        (event,) = await audit.page(db, limit=1)
        assert await membership_class.list_all(db) == []
    assert (event.action, event.target) == ("class.delete", "class:worker")


@pytest.mark.parametrize("status", [Status.INVITED, Status.MEMBER, Status.LEFT])
async def test_delete__class_with_members_is_refused(ctx: AppContext, status: Status) -> None:
    async with ctx.session() as db:
        item = await membership_class.create(db, parse(), by=None, now=ctx.clock.now())
        await db.commit()
    await make_member(ctx, class_id=item.id, status=status)
    async with ctx.session() as db:
        with pytest.raises(Conflict) as caught:
            await membership_class.delete(db, item.id, by=None, now=ctx.clock.now())
    assert caught.value.params == {"slug": "worker", "count": 1}


async def test_delete__unknown_id_is_not_found(ctx: AppContext) -> None:
    async with ctx.session() as db:
        with pytest.raises(NotFound):
            await membership_class.delete(db, 9, by=None, now=ctx.clock.now())


async def test_assign__puts_a_member_in_a_class_and_out_again(ctx: AppContext) -> None:
    target = await make_member(ctx)
    async with ctx.session() as db:
        item = await membership_class.create(db, parse(), by=None, now=ctx.clock.now())
        stored = await members.get(db, target.id)
        await membership_class.assign(db, stored, item.id, by=None, now=ctx.clock.now())
        assert stored.class_id == item.id
        (event,) = await audit.page(db, limit=1)
        assert event.details == {"class": "worker"}
        await membership_class.assign(db, stored, None, by=None, now=ctx.clock.now())
        assert stored.class_id is None
        (event,) = await audit.page(db, limit=1)
        assert event.details == {"class": None}


async def test_assign__unknown_class_is_not_found(ctx: AppContext) -> None:
    target = await make_member(ctx)
    async with ctx.session() as db:
        stored = await members.get(db, target.id)
        with pytest.raises(NotFound):
            await membership_class.assign(db, stored, 42, by=None, now=ctx.clock.now())
        assert stored.class_id is None
