import re

from investigation import access
from sources.models import Source
from tests.factories import make_interview, make_source


def test_a_new_source_gets_a_generated_codename_of_two_words_and_a_number(cast, investigation):
    source = make_source(investigation, cast["reporter"])
    assert re.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+ \d{2}", source.codename)
    assert str(source) == source.codename


def test_generated_codenames_do_not_repeat(cast, investigation):
    codenames = {make_source(investigation, cast["reporter"]).codename for _ in range(40)}
    assert len(codenames) == 40


def test_a_source_never_prints_its_real_name(cast, investigation):
    source = make_source(investigation, cast["reporter"], real_name="Printed Canary")
    interview = make_interview(investigation, cast["reporter"], sources=[source])
    assert str(source) == source.codename and source.codename in str(interview)
    assert "Printed Canary" not in str(source)
    assert "Printed Canary" not in str(interview)


def test_history_keeps_no_copy_of_identity_fields(cast, investigation):
    source = make_source(investigation, cast["reporter"], real_name="History Canary")
    historical_fields = {field.name for field in source.history.model._meta.fields}
    assert {"codename", "description"} <= historical_fields  # the rest of the row is kept
    assert "real_name" in Source.IDENTITY_FIELDS
    assert not historical_fields & set(Source.IDENTITY_FIELDS)


def test_a_review_is_stamped_with_the_reviewer_and_time(cast, investigation):
    source = make_source(investigation, cast["reporter"])
    source.review_status = Source.ReviewStatus.CLEARED
    source.note_edit(["review_status"], cast["editor"])
    assert source.reviewed_by == cast["editor"]
    assert source.reviewed_at is not None


def test_changing_identity_or_protection_sends_a_cleared_source_back_to_review(cast, investigation):
    for field in ["real_name", "contact", "identifying_notes", "protection_level"]:
        source = make_source(investigation, cast["reporter"], review_status="cleared")
        source.note_edit([field], cast["reporter"])
        assert source.review_status == Source.ReviewStatus.PENDING, field


def test_only_the_handler_and_editors_may_see_an_identity(cast, investigation, django_user_model):
    source = make_source(investigation, cast["reporter"])
    root = django_user_model.objects.create_superuser("root", password="x")
    assert access.may_see_identity(cast["reporter"], source)
    assert access.may_see_identity(cast["editor"], source)
    assert access.may_see_identity(cast["admin"], source)
    assert not access.may_see_identity(cast["reporter2"], source)
    assert not access.may_see_identity(cast["outsider"], source)
    assert not access.may_see_identity(root, source)
