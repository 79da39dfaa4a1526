"""Adding a source in the admin: the codename the form shows is the one saved."""

import re

from sources.forms import codename_token
from sources.models import Source
from tests.admin_forms import form_fields
from tests.factories import make_source

ADD_URL = "/admin/sources/source/add/"
SHOWN_CODENAME = re.compile(
    r'class="form-row[^"]*field-codename.*?<div class="readonly">([^<]+)</div>', re.S
)


def shown_codename(response):
    assert response.status_code == 200, response.status_code
    return SHOWN_CODENAME.search(response.content.decode()).group(1).strip()


def new_source_data(client, investigation, **changes):
    response = client.get(ADD_URL)
    form = form_fields(response)
    data = {**form, "investigation": investigation.pk, "description": "farmer, Hawija"}
    return shown_codename(response), {**data, **changes}


def test_the_codename_shown_on_the_add_form_is_the_one_saved(client, cast, investigation):
    client.force_login(cast["reporter"])
    shown, data = new_source_data(client, investigation)
    # Another form opened meanwhile draws another name; the first form keeps its own.
    other, _ = new_source_data(client, investigation)
    assert other != shown

    response = client.post(ADD_URL, data)

    assert response.status_code == 302
    assert Source.objects.get(description="farmer, Hawija").codename == shown


def test_a_form_shown_again_with_an_error_keeps_its_codename(client, cast, investigation):
    client.force_login(cast["reporter"])
    shown, data = new_source_data(client, investigation, description="")

    response = client.post(ADD_URL, data)

    assert response.status_code == 200
    assert shown_codename(response) == shown
    retry = {**form_fields(response), "description": "farmer, Hawija"}
    assert client.post(ADD_URL, retry).status_code == 302
    assert Source.objects.get(description="farmer, Hawija").codename == shown


def test_a_form_posted_twice_makes_one_source_and_offers_a_new_codename(
    client, cast, investigation
):
    client.force_login(cast["reporter"])
    shown, data = new_source_data(client, investigation)
    assert client.post(ADD_URL, data).status_code == 302

    again = client.post(ADD_URL, data)

    assert again.status_code == 200
    assert f"{shown} is already the codename of another source" in again.content.decode()
    offered = shown_codename(again)
    assert offered != shown
    assert Source.objects.filter(description="farmer, Hawija").count() == 1
    assert client.post(ADD_URL, form_fields(again)).status_code == 302
    assert Source.objects.filter(codename=offered).exists()


def test_a_forged_codename_is_refused_and_nothing_saved(client, cast, investigation):
    make_source(investigation, cast["reporter"], codename="Amber Heron 47")
    client.force_login(cast["reporter"])
    _, data = new_source_data(client, investigation)
    forged = codename_token("Amber Heron 47")[:-2] + "xx"

    response = client.post(ADD_URL, {**data, "codename_token": forged})

    assert response.status_code == 200
    assert "This form was changed: open Add source again." in response.content.decode()
    assert not Source.objects.filter(description="farmer, Hawija").exists()
    # Positive control: the form as it was shown saves.
    assert client.post(ADD_URL, data).status_code == 302


# "has a similar description" ------------------------------------------------------------------

SIMILAR_URL = "/admin/sources/source/similar/"


def similar(client, investigation, description):
    response = client.post(
        SIMILAR_URL, {"investigation": investigation.pk, "description": description}
    )
    assert response.status_code == 200
    return response.json()["similar"]


def test_a_new_description_like_a_known_sources_names_that_source(client, cast, investigation):
    make_source(investigation, cast["reporter2"], codename="Slate Wren 97", real_name="Canary")
    make_source(investigation, cast["reporter2"], description="teacher, Kirkuk city")
    client.force_login(cast["reporter"])

    found = similar(client, investigation, "Intelligence officer in Hawija")

    assert found == [{"codename": "Slate Wren 97", "description": "intelligence officer, Hawija"}]
    assert similar(client, investigation, "farmer near the river") == []


def test_the_similar_sources_are_only_those_one_may_see_and_never_an_identity(
    client, cast, investigation, other_investigation
):
    make_source(other_investigation, cast["outsider"], codename="Amber Heron 47")
    make_source(investigation, cast["reporter"], codename="Slate Wren 97", real_name="Canary Name")
    client.force_login(cast["reporter"])

    response = client.post(
        SIMILAR_URL,
        {"investigation": other_investigation.pk, "description": "intelligence officer, Hawija"},
    )

    assert response.status_code == 200
    assert response.json() == {"similar": []}
    ours = client.post(
        SIMILAR_URL,
        {"investigation": investigation.pk, "description": "intelligence officer, Hawija"},
    )
    assert "Slate Wren 97" in ours.content.decode()
    assert "Canary Name" not in ours.content.decode()


def test_the_similar_sources_are_asked_by_post_by_people_who_may_add_sources(client, cast):
    client.force_login(cast["reporter"])
    assert client.get(SIMILAR_URL, {"description": "officer"}).status_code == 405
    client.logout()
    response = client.post(SIMILAR_URL, {"description": "officer"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_add_form_asks_for_similar_sources_as_the_description_is_typed(client, cast):
    client.force_login(cast["reporter"])
    page = client.get(ADD_URL).content.decode()
    assert f'data-similar-url="{SIMILAR_URL}"' in page
    assert "sources/similar_sources.js" in page
