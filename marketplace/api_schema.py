"""What drf-spectacular cannot infer about every endpoint, added to the OpenAPI schema once."""

from typing import Any

ERROR_FIELDS = {
    "ErrorFields": {
        "type": "object",
        "description": (
            "Input field name -> its problems. A nested object's problems nest the same way "
            '(`{"address": {"postal_code": ["..."]}}`); a list\'s are a list with one entry per item.'
        ),
        "additionalProperties": {"$ref": "#/components/schemas/ErrorFieldProblems"},
    },
    "ErrorFieldProblems": {
        "anyOf": [
            {"type": "array", "items": {"type": "string"}},
            {"$ref": "#/components/schemas/ErrorFields"},
            {"type": "array", "items": {"$ref": "#/components/schemas/ErrorFieldProblems"}},
        ]
    },
}
EMPTY = {"type": "string", "maxLength": 0}
ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
PAGE_NOT_FOUND = {"description": "The page number is past the last page, or not a number.", "content": ERROR_CONTENT}
# marketplace/request_guard.py answers this before any endpoint runs.
REFUSED_INPUT = {
    "description": "A NUL character in the path, a query parameter, a header or the body, or a JSON body nested "
    "too deeply (`code` invalid); or what the endpoint itself refuses.",
    "content": ERROR_CONTENT,
}


def postprocess(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Add the error fields' recursive shape; say on every operation that refused input is a 400, that an
    empty query parameter is as if absent, and that a page past the last one is not found (404).

    Every endpoint reads `?seller=` (what a form sends for an empty field) as no filter, and `?page=`
    as the first page: the schema allows the empty value beside each parameter's own.
    """
    result.setdefault("components", {}).setdefault("schemas", {}).update(ERROR_FIELDS)
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            operation["responses"].setdefault("400", REFUSED_INPUT)
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "query" or "schema" not in parameter:
                    continue
                parameter["schema"] = {"anyOf": [parameter["schema"], EMPTY]}
                parameter["description"] = (parameter.get("description", "") + " Empty: as if absent.").strip()
                if parameter["name"] == "page":
                    operation["responses"].setdefault("404", PAGE_NOT_FOUND)
    return result
