"""Pages come in the visitor's language: the member's own setting first, then the language cookie
set by the footer's switch (``POST /language``), then ``Accept-Language``, then the default."""

from __future__ import annotations

from httpx import AsyncClient, Response

from coopfed.context import AppContext
from tests.helpers import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    csrf_of,
    post_form,
    set_up_instance,
    sign_in,
    sign_out,
)

FR = {"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}
EN = {"Accept-Language": "en-GB,en;q=0.8"}


def assert_french(page: Response) -> None:
    assert page.status_code == 200, page.text
    assert page.headers["content-language"] == "fr"
    assert '<html lang="fr">' in page.text
    assert "Propulsé par coopfed" in page.text  # the footer, on every page


def assert_english(page: Response) -> None:
    assert page.status_code == 200, page.text
    assert page.headers["content-language"] == "en"
    assert '<html lang="en">' in page.text
    assert "Powered by coopfed" in page.text


async def switch_language(client: AsyncClient, language: str, *, on: str) -> Response:
    response = await post_form(
        client, "/language", {"language": language, "next": on}, from_page=on
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == on
    return response


async def test_accept_language_picks_the_page_language(
    client: AsyncClient, ctx: AppContext
) -> None:
    await set_up_instance(client, ctx)
    await sign_out(client)

    french = await client.get("/signin", headers=FR)
    assert_french(french)
    assert "<h1>Se connecter</h1>" in french.text
    assert "Mot de passe" in french.text
    assert "Mot de passe oublié\u00a0? Demandez un lien de réinitialisation" in french.text
    assert "Sign in" not in french.text

    english = await client.get("/signin", headers=EN)
    assert_english(english)
    assert "<h1>Sign in</h1>" in english.text

    # An unsupported language falls back to the instance default (English).
    assert_english(await client.get("/signin", headers={"Accept-Language": "de-DE, de"}))


async def test_messages_from_python_code_are_translated_too(
    client: AsyncClient, ctx: AppContext
) -> None:
    await set_up_instance(client, ctx)
    await sign_out(client)

    # A sign-in failure (a local `_` marker in coopfed/web/pages/signin.py).
    page = await client.get("/signin", headers=FR)
    failed = await client.post(
        "/signin",
        data={"csrf_token": csrf_of(page.text), "email": ADMIN_EMAIL, "password": "wrong wrong"},
        headers=FR,
    )
    assert failed.status_code == 401
    assert "L’adresse e-mail ou le mot de passe est incorrect." in failed.text

    # An error page: title and message from coopfed/web/errors.py.
    missing = await client.get("/no/such/page", headers=FR)
    assert missing.status_code == 404
    assert missing.headers["content-language"] == "fr"
    assert "Page introuvable" in missing.text
    assert "Il n’y a aucune page à cette adresse." in missing.text


async def test_language_cookie_beats_accept_language(client: AsyncClient, ctx: AppContext) -> None:
    await set_up_instance(client, ctx)
    await sign_out(client)

    await switch_language(client, "fr", on="/signin")
    page = await client.get("/signin", headers=EN)
    assert_french(page)
    assert "<h1>Se connecter</h1>" in page.text
    assert "La langue a été changée." in page.text  # the one-time notice, translated

    await switch_language(client, "en", on="/signin")
    assert_english(await client.get("/signin", headers=FR))

    # An unknown language is ignored: the cookie keeps its value.
    await switch_language(client, "xx", on="/signin")
    assert_english(await client.get("/signin", headers=FR))


async def test_member_setting_beats_cookie_and_accept_language(
    client: AsyncClient, ctx: AppContext
) -> None:
    await set_up_instance(client, ctx)  # the admin chose English at setup
    await sign_out(client)

    # A French cookie and a French browser, but the member's own setting is English.
    await switch_language(client, "fr", on="/signin")
    assert (await sign_in(client, ADMIN_EMAIL, ADMIN_PASSWORD)).status_code == 303
    home = await client.get("/", headers=FR)
    assert_english(home)
    assert "Hello, Ada Admin" in home.text

    # Switching while signed in saves the choice to the member's account ...
    await switch_language(client, "fr", on="/")
    home = await client.get("/", headers=EN)
    assert_french(home)
    assert "Bonjour Ada Admin" in home.text
    assert "Sociétaires" in home.text  # the navigation
    settings = await client.get("/settings", headers=EN)
    assert_french(settings)
    assert '<option value="fr" selected>' in settings.text
    await sign_out(client)

    # ... so it wins over an English cookie and an English browser, on any device.
    await switch_language(client, "en", on="/signin")
    assert_english(await client.get("/signin", headers=EN))
    assert (await sign_in(client, ADMIN_EMAIL, ADMIN_PASSWORD)).status_code == 303
    home = await client.get("/", headers=EN)
    assert_french(home)
    assert "Bonjour Ada Admin" in home.text


async def test_domain_errors_are_shown_in_the_member_language(
    client: AsyncClient, ctx: AppContext
) -> None:
    await set_up_instance(client, ctx)
    await switch_language(client, "fr", on="/settings")

    # An N_ message from governance, with its parameters, through templates/_error.html.
    response = await post_form(
        client, "/settings", {"display_name": "Ada", "language": "tlh"}, from_page="/settings"
    )
    assert response.status_code == 422
    assert response.headers["content-language"] == "fr"
    assert (
        "La langue «\u00a0tlh\u00a0» n’est pas prise en charge\u00a0; choisissez parmi\u00a0: en, fr."
        in response.text
    )
