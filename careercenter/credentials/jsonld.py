"""JSON-LD processing that never touches the network.

The document loader serves the contexts vendored in `contexts/` (see STANDARDS-ORIGINS.md)
and refuses every other URL. `assert_all_terms_defined` is our "safe mode": a property or
type the contexts do not define would be silently dropped by expansion and so left outside
the signature; we refuse such a document before signing (and before verifying).
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from cachetools import LRUCache
from pyld import jsonld
from pyld.context_resolver import ContextResolver

CONTEXT_DIR = Path(__file__).parent / "contexts"

VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
OB_V3P0 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_V3P0_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
CLR_V2P0 = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"

#: URL → vendored file. Nothing else is ever loaded.
CONTEXT_FILES: dict[str, str] = {
    VC_V2: "credentials-v2.jsonld",
    VC_EXAMPLES_V2: "credentials-examples-v2.jsonld",
    OB_V3P0: "ob-v3p0-context-3.0.3.json",
    OB_V3P0_EXTENSIONS: "ob-v3p0-extensions.json",
    CLR_V2P0: "clr-v2p0-context-2.0.1.json",
}

#: What an IRI under this namespace means is up to the issuer: never sign such a term.
ISSUER_DEPENDENT = "https://www.w3.org/ns/credentials/issuer-dependent#"
#: Base IRI for the safe-mode expansion: a relative type or id resolves under it and is caught
#: (canonicalization itself runs with no base, where such an IRI would be silently dropped).
UNDEFINED_BASE = "https://undefined.invalid/"


class JsonLdFailure(ValueError):
    """The document cannot be processed as JSON-LD by us (bad context, unknown term, …)."""


class RefusedUrl(JsonLdFailure):
    """The document needs a context that is not vendored; we do not fetch it."""


@cache
def _context_document(url: str) -> dict[str, Any]:
    return json.loads((CONTEXT_DIR / CONTEXT_FILES[url]).read_text(encoding="utf-8"))


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """PyLD document loader: the vendored context for `url`, or `RefusedUrl`."""
    if url not in CONTEXT_FILES:
        raise RefusedUrl(f"refusing to load {url!r}: only the vendored contexts are served")
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        # PyLD may keep references into the document; hand out a copy each time.
        "document": copy.deepcopy(_context_document(url)),
    }


def _options(**extra: Any) -> dict[str, Any]:
    # Our own resolver and cache: PyLD's module-wide cache could hold contexts that another
    # loader fetched, and those must never stand in for ours.
    return {
        "documentLoader": document_loader,
        "contextResolver": ContextResolver(_RESOLVED, document_loader),
        **extra,
    }


_RESOLVED: LRUCache[str, Any] = LRUCache(maxsize=64)


def _unwrap(exc: Exception) -> Exception:
    seen = exc
    while seen is not None:
        if isinstance(seen, RefusedUrl):
            return seen
        seen = seen.__cause__ or seen.__context__  # type: ignore[assignment]
    return exc


def expand(document: dict[str, Any], *, base: str = UNDEFINED_BASE) -> list[dict[str, Any]]:
    """JSON-LD expansion with the vendored contexts only."""
    try:
        return jsonld.expand(copy.deepcopy(document), _options(base=base))
    except Exception as exc:  # PyLD wraps everything in JsonLdError
        cause = _unwrap(exc)
        if isinstance(cause, RefusedUrl):
            raise cause from exc
        raise JsonLdFailure(f"not valid JSON-LD: {exc}") from exc


def canonicalize(document: dict[str, Any]) -> str:
    """RDFC-1.0 (URDNA2015) canonical N-Quads of `document`, using the vendored contexts."""
    try:
        return jsonld.normalize(
            copy.deepcopy(document),
            _options(algorithm="URDNA2015", format="application/n-quads"),
        )
    except Exception as exc:
        cause = _unwrap(exc)
        if isinstance(cause, RefusedUrl):
            raise cause from exc
        raise JsonLdFailure(f"cannot canonicalize: {exc}") from exc


# ---- "safe mode" ---------------------------------------------------------------------------

_VALUE_KEYS = {"@value", "@id"}


def _count_compact_leaves(node: Any, path: str, out: list[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                continue
            _count_compact_leaves(value, f"{path}.{key}", out)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _count_compact_leaves(value, f"{path}[{i}]", out)
    elif node is None:
        out.append(f"{path} (null)")
    else:
        out.append(path)


def _count_expanded_leaves(node: Any, out: list[str], problems: list[str]) -> None:
    if isinstance(node, list):
        for value in node:
            _count_expanded_leaves(value, out, problems)
        return
    if not isinstance(node, dict):
        out.append(repr(node))
        return
    is_value_object = "@value" in node
    for key, value in node.items():
        _count_expanded_entry(key, value, is_value_object, out, problems)


def _count_expanded_entry(key: str, value: Any, is_value_object: bool, out: list[str], problems: list[str]) -> None:
    """One key of an expanded node: a keyword's leaves, or a property (checked) and its values."""
    if key == "@value":
        if isinstance(value, dict | list):  # an @json literal keeps its structure
            _count_compact_leaves(value, "@json", out)
        else:
            out.append(key)
    elif key == "@id":
        out.append(key)
        if not _is_absolute(value) and not value.startswith("_:"):
            problems.append(f"identifier {value.removeprefix(UNDEFINED_BASE)!r} is not an absolute IRI")
    elif key == "@type":
        if is_value_object:
            return  # a datatype the context supplies, not a value of the document
        for type_iri in value:
            out.append(key)
            _check_iri(type_iri, "type", problems)
    elif key in {"@language", "@direction", "@index"}:
        return
    elif key in {"@list", "@set", "@graph", "@included", "@reverse"}:
        _count_expanded_leaves(value, out, problems)
    else:
        _check_iri(key, "property", problems)
        _count_expanded_leaves(value, out, problems)


def _is_absolute(iri: str) -> bool:
    scheme, sep, _ = iri.partition(":")
    return bool(sep) and scheme.isascii() and scheme[:1].isalpha() and not iri.startswith(UNDEFINED_BASE)


def _check_iri(iri: str, what: str, problems: list[str]) -> None:
    if not _is_absolute(iri):
        problems.append(f"{what} {iri.removeprefix(UNDEFINED_BASE)!r} is not defined by the contexts")
    elif iri.startswith(ISSUER_DEPENDENT):
        problems.append(f"{what} {iri.removeprefix(ISSUER_DEPENDENT)!r} has only an issuer-dependent meaning")


class UndefinedTerm(JsonLdFailure):
    """A term of the document is not defined by its contexts and would go unsigned."""


def assert_all_terms_defined(document: dict[str, Any]) -> None:
    """Refuse a document any of whose values would not survive JSON-LD expansion.

    Every scalar of the compact document (outside `@context`) must come out of expansion as a
    value, an identifier or a type; every property and type must expand to an absolute IRI
    that is not merely "issuer-dependent". Anything dropped is named in the error.
    """
    compact: list[str] = []
    _count_compact_leaves(document, "$", compact)
    nulls = [p for p in compact if p.endswith("(null)")]
    if nulls:
        raise UndefinedTerm("null values cannot be signed: " + ", ".join(nulls))
    expanded: list[str] = []
    problems: list[str] = []
    _count_expanded_leaves(expand(document), expanded, problems)
    if problems:
        raise UndefinedTerm("; ".join(problems))
    if len(expanded) != len(compact):
        dropped = _dropped_paths(document)
        raise UndefinedTerm(
            "terms not defined by the contexts (they would be dropped, unsigned): "
            + (", ".join(dropped) or f"{len(compact) - len(expanded)} value(s)")
        )


def _dropped_paths(document: dict[str, Any]) -> list[str]:
    """Name the dropped properties: remove one property at a time and see which change nothing."""
    baseline = len(_leaves_after_expansion(document))
    dropped: list[str] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key in list(node):
                if key == "@context":
                    continue
                value = node.pop(key)
                try:
                    if len(_leaves_after_expansion(document)) == baseline:
                        dropped.append(f"{path}.{key}")
                        continue
                finally:
                    node[key] = value
                walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}[{i}]")

    walk(document, "$")
    return dropped


def _leaves_after_expansion(document: dict[str, Any]) -> list[str]:
    out: list[str] = []
    _count_expanded_leaves(expand(document), out, [])
    return out
