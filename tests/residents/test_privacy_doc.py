"""docs/privacy.md must list every field that may hold personal data."""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model

DOC = Path(__file__).resolve().parents[2] / "docs" / "privacy.md"


def listed_fields():
    """`Model.field` names in the first column of the doc's tables."""
    return set(re.findall(r"^\|\s*`(\w+\.\w+)`", DOC.read_text(encoding="utf-8"), re.MULTILINE))


def models_to_cover():
    return [*apps.get_app_config("residents").get_models(), get_user_model()]


@pytest.mark.parametrize("model", models_to_cover(), ids=lambda model: model.__name__)
def test_every_field_is_listed_with_why_who_and_how_long(model):
    listed = listed_fields()
    for field in model._meta.get_fields():
        if field.auto_created and not field.concrete:
            continue  # reverse relations live on the other model
        name = f"{model.__name__}.{field.name}"
        assert name in listed, f"docs/privacy.md does not list {name}"


def test_each_row_says_why_who_and_how_long():
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if re.match(r"^\|\s*`\w+\.\w+`", line):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            assert len(cells) == 5 and all(cells), line


def test_the_doc_lists_no_field_that_is_gone():
    existing = {
        f"{model.__name__}.{field.name}"
        for model in models_to_cover()
        for field in model._meta.get_fields()
    }
    assert listed_fields() <= existing
