"""docs/openapi.json describes /api/hours/ as it answers: real responses, checked against it.

Neither jsonschema nor openapi-core is installed (nor PyYAML, hence JSON), so `check`
below validates the small part of JSON Schema the file uses, and refuses any keyword
it does not know, so the file cannot quietly outgrow it.
"""

import json
import re
from pathlib import Path

import pytest
from django.urls import resolve

from desks.models import DateOverride
from tests.factories import make_community

pytestmark = pytest.mark.django_db

SPEC = json.loads((Path(__file__).resolve().parents[3] / "docs" / "openapi.json").read_text())
KNOWN = {
    "type",
    "const",
    "enum",
    "pattern",
    "minLength",
    "maxLength",
    "required",
    "additionalProperties",
    "properties",
    "items",
    "$ref",
    "oneOf",
    "description",
}
TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "null": type(None),
}


def problems(value, schema, where="$") -> list[str]:
    """What is wrong with `value` against `schema` (empty when nothing is)."""
    if unknown := set(schema) - KNOWN:
        raise AssertionError(f"{where}: the check does not know {sorted(unknown)}")
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        return problems(value, SPEC["components"]["schemas"][name], where)
    if "oneOf" in schema:
        matching = [option for option in schema["oneOf"] if not problems(value, option, where)]
        return [] if len(matching) == 1 else [f"{where}: matches {len(matching)} of oneOf"]
    found = []
    types = schema.get("type")
    if types is not None:
        types = [types] if isinstance(types, str) else types
        if not any(isinstance(value, TYPES[name]) for name in types):
            return [f"{where}: {value!r} is not {types}"]
    if "const" in schema and value != schema["const"]:
        found.append(f"{where}: {value!r} is not {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{where}: {value!r} is not one of {schema['enum']}")
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            found.append(f"{where}: {value!r} does not match {schema['pattern']}")
        if len(value) < schema.get("minLength", 0):
            found.append(f"{where}: {value!r} is too short")
        if len(value) > schema.get("maxLength", len(value)):
            found.append(f"{where}: {value!r} is too long")
    if isinstance(value, dict):
        found += [
            f"{where}: {name} is missing"
            for name in schema.get("required", ())
            if name not in value
        ]
        properties = schema.get("properties", {})
        if schema.get("additionalProperties", True) is False:
            found += [f"{where}: {name} is not described" for name in set(value) - set(properties)]
        for name, item in value.items():
            if name in properties:
                found += problems(item, properties[name], f"{where}.{name}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            found += problems(item, schema["items"], f"{where}[{index}]")
    return found


OPERATION = SPEC["paths"]["/api/hours/"]["get"]
PARAMETERS = {parameter["name"]: parameter for parameter in OPERATION["parameters"]}


def answer_schema(status: int) -> dict:
    return OPERATION["responses"][str(status)]["content"]["application/json"]["schema"]


def assert_described(response):
    assert str(response.status_code) in OPERATION["responses"]
    assert problems(response.json(), answer_schema(response.status_code)) == []


@pytest.fixture
def centres():
    heping = make_community(slug=PARAMETERS["community"]["example"], name="和平社区")
    closed = make_community(name="幸福里社区")
    DateOverride.objects.create(community=closed, date="2026-11-24", reason="台风停止开放")
    return heping, closed


def test_the_file_is_openapi_3_1_and_every_path_is_served():
    assert SPEC["openapi"].startswith("3.1")
    for path in SPEC["paths"]:
        assert resolve(path).url_name == "api_hours"


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"date": "2026-11-24"},
        {"date": "2026-10-01"},
        {"date": "2027-10-01"},  # provisional
        {"at": "2026-11-24T19:30"},
        {"at": "2026-11-24T20:00:00"},
        {"at": "2026-11-24T19:30+08:00"},
        {"at": "now"},
        {"at": "2026-11-24T19:30", "community": "heping"},
    ],
)
def test_every_answer_matches_the_file(client, centres, query):
    response = client.get("/api/hours/", query)
    assert response.status_code == 200
    assert_described(response)
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    "query",
    [
        {"at": ""},
        {"at": "2026-13-01T10:00"},
        {"at": "2026-11-24T11:30Z"},
        {"date": "24/11/2026"},
        {"date": "2026-11-24", "at": "2026-11-24T19:30"},
        {"at": "2026-11-24T19:30\x00"},
    ],
)
def test_a_bad_request_matches_the_file(client, centres, query):
    response = client.get("/api/hours/", query)
    assert response.status_code == 400
    assert_described(response)


def test_an_unknown_community_matches_the_file(client, centres):
    response = client.get("/api/hours/", {"community": "nowhere"})
    assert response.status_code == 404
    assert_described(response)


def test_an_answer_at_a_moment_is_not_a_day_answer(client, centres):
    """The check is not vacuous: each form matches its own schema only."""
    moment = client.get("/api/hours/", {"at": "2026-11-24T19:30"}).json()
    day = client.get("/api/hours/", {"date": "2026-11-24"}).json()
    schemas = SPEC["components"]["schemas"]
    assert problems(moment, schemas["Day"]) and problems(day, schemas["Moment"])
    assert problems({"error": ""}, schemas["Error"])


def test_every_parameter_in_the_file_is_read_by_the_endpoint(client, centres):
    assert set(PARAMETERS) == {"date", "at", "community"}
    for name, parameter in PARAMETERS.items():
        example = parameter["example"]
        assert not problems(example, parameter["schema"])
        data = client.get("/api/hours/", {name: example}).json()
        if name == "date":
            assert data["date"] == example
        elif name == "at":
            assert data["at"].startswith(example)
        else:
            assert [entry["slug"] for entry in data["communities"]] == [example]


def test_the_other_answers_in_the_file_are_given(client):
    assert client.post("/api/hours/").status_code == 405
    preflight = client.options("/api/hours/")
    assert str(preflight.status_code) in SPEC["paths"]["/api/hours/"]["options"]["responses"]
    for header in ("Access-Control-Allow-Origin", "Access-Control-Allow-Methods"):
        assert header in preflight
