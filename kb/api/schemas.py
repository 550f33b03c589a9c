"""What /api/v1 takes and answers, as marshmallow schemas: apispec turns them into the OpenAPI
description (kb/api/openapi.py), so the description is written next to the code it describes.
The views build their JSON themselves; tests/web/test_api_openapi.py runs schemathesis against
the live API to hold the two together. An object schema lists every field it answers with:
anything else is refused by the description (``additionalProperties: false``), so a new field
cannot be added to a response without being described here."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from kb.core.inputs import MAX_PAGE
from kb.core.searchlog import MAX_QUERY

PER_MINUTE = 120  # requests an address may make to each operation (kb/api/routes.py)


def _doc(text: str, **extra: object) -> dict[str, object]:
    return {"description": text, **extra}


class ErrorSchema(Schema):
    error = fields.String(required=True, metadata=_doc(
        "What went wrong, in a few lower-case words (the HTTP reason).",
        example="not found"))
    message = fields.String(required=True, metadata=_doc(
        "The same in plain words for a person; may be shown to them."))


class SearchArgsSchema(Schema):
    q = fields.String(metadata=_doc(
        f"The request in the person's own words. Only the first {MAX_QUERY} characters are "
        "read. Empty: no results.", example="printer not working"))
    category = fields.String(metadata=_doc(
        "Only articles of this category (its id, as in `category` of a result). An unknown "
        "category filters nothing.", example="printing"))
    page = fields.Integer(validate=validate.Range(1, MAX_PAGE), metadata=_doc(
        "Page of results, from 1. Anything else counts as 1.", example=1))
    exact = fields.String(validate=validate.OneOf(["1"]), metadata=_doc(
        "`1`: search exactly what was typed, without correcting misspelt words."))
    show = fields.String(validate=validate.OneOf(["all"]), metadata=_doc(
        "`all`: every article sharing a word with the request, not only those close to the "
        "best (the site's \"Show all\")."))


class SuggestArgsSchema(Schema):
    q = fields.String(metadata=_doc(
        "What has been typed so far. Fewer than 2 characters: no suggestions.",
        example="prin"))


class SearchHitSchema(Schema):
    id = fields.String(required=True, metadata=_doc("The article's id.", example="KB-12"))
    title = fields.String(required=True)
    summary = fields.String(required=True, metadata=_doc("One or two sentences, plain text."))
    url = fields.String(required=True, metadata=_doc(
        "The article's page (absolute, from the site's BASE_URL).", format="uri"))
    snippet = fields.String(required=True, metadata=_doc(
        "Safe HTML: the text around the matched words, escaped, matched words in `<mark>`; "
        "else the escaped summary."))
    category = fields.String(required=True, metadata=_doc("The category's id."))


class SearchSchema(Schema):
    query = fields.String(required=True, metadata=_doc("The request as read (trimmed, cut)."))
    did_you_mean = fields.String(required=True, allow_none=True, metadata=_doc(
        "The corrected request the results are for, when misspelt words were corrected "
        "(`exact=1` searches what was typed instead); else null."))
    total = fields.Integer(required=True, metadata=_doc(
        "Articles that really match (close enough to the best)."))
    total_all = fields.Integer(required=True, metadata=_doc(
        "Every article sharing a word with the request (what `show=all` lists)."))
    confident = fields.Boolean(required=True, metadata=_doc(
        "False when nothing matches or the best match answers little of the request: then "
        "offer the open question and a person first, and the results only as \"might help\"."))
    rebuilding = fields.Boolean(required=True, metadata=_doc(
        "True while the search index is being rebuilt: no results says nothing then; ask "
        "again in a minute."))
    page = fields.Integer(required=True)
    pages = fields.Integer(required=True)
    category = fields.String(required=True, allow_none=True, metadata=_doc(
        "The category searched, or null for all (also when the one asked for is unknown)."))
    results = fields.List(fields.Nested(SearchHitSchema), required=True, metadata=_doc(
        "This page's articles, best first."))


class SuggestionSchema(Schema):
    id = fields.String(required=True, metadata=_doc("The article's id.", example="KB-12"))
    title = fields.String(required=True)
    url = fields.String(required=True, metadata=_doc("The article's path on this site."))


class SuggestSchema(Schema):
    query = fields.String(required=True)
    suggestions = fields.List(fields.Nested(SuggestionSchema), required=True, metadata=_doc(
        "Up to 8 article titles that start with or contain what was typed."))


class ArticleSchema(Schema):
    id = fields.String(required=True, metadata=_doc("The article's id.", example="KB-12"))
    number = fields.Integer(required=True, metadata=_doc("The id's number.", example=12))
    title = fields.String(required=True)
    summary = fields.String(required=True)
    category = fields.String(required=True, metadata=_doc("The category's id."))
    tags = fields.List(fields.String(), required=True)
    url = fields.String(required=True, metadata=_doc(
        "The article's page (absolute, from the site's BASE_URL).", format="uri"))
    reviewed = fields.Date(required=True, allow_none=True, metadata=_doc(
        "When the article was last checked, or null."))
    html = fields.String(required=True, metadata=_doc("The article's body as safe HTML."))


# Nested schemas before the ones that hold them (apispec would name them itself otherwise).
SCHEMAS: dict[str, type[Schema]] = {
    "Error": ErrorSchema, "SearchHit": SearchHitSchema, "Search": SearchSchema,
    "Suggestion": SuggestionSchema, "Suggest": SuggestSchema, "Article": ArticleSchema,
}
