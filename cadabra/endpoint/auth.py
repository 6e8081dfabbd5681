"""AWS Signature Version 4 verification of the requests the Kinesis/Firehose endpoint receives.

Checks an `Authorization: AWS4-HMAC-SHA256 ...` header as Kinesis and Firehose do, failing with
their codes and messages (all HTTP 400): no header → `MissingAuthenticationTokenException`; a part
missing → `IncompleteSignatureException`; a date beyond the clock skew ("Signature expired: ...")
or a wrong signature → `InvalidSignatureException`; an unknown key → `UnrecognizedClientException`.
The canonical request is botocore's: raw path minus dot segments, encoded again; query re-encoded
and sorted; signed headers trimmed; the body's SHA-256 (or `X-Amz-Content-SHA256`, which must
match the body when it is a digest). `X-Amz-Date` wins over `Date`.

Limits: header authentication only (presigned query strings count as no authentication);
session tokens (`X-Amz-Security-Token`) are signed over but not checked; any region is accepted;
there are no IAM policies, so a known key may call everything.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import quote, unquote_plus

from cadabra.config import AuthSettings
from cadabra.errors import (
    AuthError,
    IncompleteSignatureException,
    InvalidSignatureException,
    MissingAuthenticationTokenException,
    UnrecognizedClientException,
)

__all__ = [
    "ALGORITHM",
    "SERVICE_NAMES",
    "Authenticator",
    "Authorization",
    "Headers",
    "IncomingRequest",
    "caller",
    "canonical_query",
    "canonical_uri",
    "parse_authorization",
    "verify_sigv4",
]

ALGORITHM = "AWS4-HMAC-SHA256"
TERMINATOR = "aws4_request"
SERVICE_NAMES = ("kinesis", "firehose", "dynamodb")

Headers = Mapping[str, str] | Iterable[tuple[str | bytes, str | bytes]]
"""A mapping (case-insensitive or not) or (name, value) pairs, str or bytes (ASGI's)."""

_AMZ_DATE = "%Y%m%dT%H%M%SZ"
_AMZ_DATE_SHAPE = re.compile(r"\d{8}T\d{6}Z")
_DIGEST_SHAPE = re.compile(r"[0-9a-fA-F]{64}")
_SEPARATORS = re.compile(r"[, ]")
_REQUIRED_PARAMS = ("Credential", "Signature", "SignedHeaders")
_CREDENTIAL_FORM = "<access key>/<YYYYMMDD>/<region>/<service>/aws4_request"
_BOTH_AUTHS = (
    "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."
)
_NO_DATE = "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."


class Authorization(NamedTuple):
    """The parts of a SigV4 `Authorization` header; `date` is the scope's YYYYMMDD."""

    access_key: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str


@dataclass(frozen=True, slots=True)
class IncomingRequest:
    """A received request; `path` and `query` (no "?") raw as on the wire, like ASGI's."""

    method: str
    path: str
    query: str
    headers: Headers
    body: bytes


class Authenticator:
    """The endpoint's gate, from `AuthSettings`: open mode names callers, sigv4 mode verifies."""

    def __init__(
        self, settings: AuthSettings, *, service_names: tuple[str, ...] = SERVICE_NAMES
    ) -> None:
        self._sigv4 = settings.auth == "sigv4"
        self._keys = settings.key_secrets()
        self._max_skew_s = settings.max_clock_skew_s
        self._service_names = service_names

    def authenticate(self, request: IncomingRequest, *, now: datetime) -> Authorization | None:
        """The verified caller (sigv4; else an `AuthError`), or the claimed one (open; or None)."""
        if not self._sigv4:
            return caller(request.headers)
        return _verify(request, self._keys, now, self._max_skew_s, self._service_names)


def verify_sigv4(
    request: IncomingRequest,
    keys: Mapping[str, str],
    *,
    now: datetime,
    max_skew_s: int = 300,
    service_names: tuple[str, ...] = SERVICE_NAMES,
) -> str:
    """The access key id of a correctly signed `request`; raises an `AuthError` otherwise.

    `keys` maps access key ids to secret access keys; `now` is the endpoint's clock (aware).
    """
    return _verify(request, keys, now, max_skew_s, service_names).access_key


def caller(headers: Headers) -> Authorization | None:
    """Open mode: who the request says it is, unverified; None without a well-formed header."""
    header = _first(_header_map(headers), "authorization")
    try:
        return None if header is None else parse_authorization(header)
    except AuthError:
        return None


def parse_authorization(header: str) -> Authorization:
    """Split a SigV4 `Authorization` header; `IncompleteSignatureException` if a part is missing."""
    return _parse(header, has_date=True)


def canonical_uri(raw_path: str) -> str:
    """The canonical URI botocore signs: dot segments and empty segments removed, then encoded."""
    return quote(_remove_dot_segments(raw_path) if raw_path else "/", safe="/~")


def canonical_query(raw_query: str) -> str:
    """The canonical query string: each name and value decoded, RFC 3986-encoded, then sorted."""
    pairs = []
    for item in filter(None, raw_query.split("&")):
        name, _, value = item.partition("=")
        pairs.append((_encode_query_part(name), _encode_query_part(value)))
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def _verify(
    request: IncomingRequest,
    keys: Mapping[str, str],
    now: datetime,
    max_skew_s: int,
    service_names: tuple[str, ...],
) -> Authorization:
    headers = _header_map(request.headers)
    header = _authorization_header(headers, request.query)
    auth = _parse(header, has_date="x-amz-date" in headers or "date" in headers)
    signed_at = _signed_at(headers)
    problem = _skew_problem(signed_at, now, max_skew_s) or _scope_problem(
        auth, signed_at, service_names
    )
    if problem:
        raise InvalidSignatureException(problem, access_key=auth.access_key)
    secret = keys.get(auth.access_key)
    if secret is None:
        raise UnrecognizedClientException(access_key=auth.access_key)
    _check_signature(request, headers, auth, signed_at, secret)
    return auth


def _authorization_header(headers: dict[str, list[str]], query: str) -> str:
    header = _first(headers, "authorization")
    if header is None:
        raise MissingAuthenticationTokenException()
    if any(unquote_plus(item.partition("=")[0]) == "X-Amz-Algorithm" for item in query.split("&")):
        raise InvalidSignatureException(_BOTH_AUTHS)
    return header


def _parse(header: str, *, has_date: bool) -> Authorization:
    # AWS lists every missing part in one message, the date headers included.
    algorithm, params = _split_authorization(header)
    missing = [
        f"Authorization header requires '{name}' parameter."
        for name in _REQUIRED_PARAMS
        if not params.get(name)
    ]
    if not has_date:
        missing.append(_NO_DATE)
    if missing:
        raise IncompleteSignatureException(" ".join([*missing, f"Authorization={header}"]))
    if algorithm != ALGORITHM:
        raise IncompleteSignatureException(f"Unsupported AWS 'algorithm': '{algorithm}'.")
    access_key, date, region, service = _credential(params["Credential"])
    signed_headers = tuple(params["SignedHeaders"].split(";"))
    return Authorization(access_key, date, region, service, signed_headers, params["Signature"])


def _split_authorization(header: str) -> tuple[str, dict[str, str]]:
    tokens = [token for token in _SEPARATORS.split(header.strip()) if token]
    params: dict[str, str] = {}
    for token in tokens[1:]:
        name, _, value = token.partition("=")
        params.setdefault(name, value)
    return (tokens[0] if tokens else ""), params


def _credential(value: str) -> tuple[str, str, str, str]:
    parts = value.split("/")
    if len(parts) != 5 or not all(parts[:4]):
        raise IncompleteSignatureException(
            f"Credential must have the form {_CREDENTIAL_FORM}, not '{value}'."
        )
    if parts[4] != TERMINATOR:
        raise IncompleteSignatureException(
            f"Credential should be scoped with a valid terminator: '{TERMINATOR}', "
            f"not '{parts[4]}'."
        )
    return parts[0], parts[1], parts[2], parts[3]


def _signed_at(headers: dict[str, list[str]]) -> datetime:
    amz_date = _first(headers, "x-amz-date")
    if amz_date is None:
        return _parse_http_date(_first(headers, "date") or "")
    if _AMZ_DATE_SHAPE.fullmatch(amz_date):
        with suppress(ValueError):
            return datetime.strptime(amz_date, _AMZ_DATE).replace(tzinfo=UTC)
    raise IncompleteSignatureException(
        f"Date must be in ISO-8601 'basic format'. Got '{amz_date}'. "
        "See http://en.wikipedia.org/wiki/ISO_8601"
    )


def _parse_http_date(value: str) -> datetime:
    try:
        parsed = parsedate_to_datetime(value)
        # "-0000" (what botocore's formatdate writes) parses naive: it means UTC.
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    except (TypeError, ValueError, IndexError, OverflowError):
        raise IncompleteSignatureException(
            f"Date must be in RFC 1123 format. Got '{value}'."
        ) from None


def _skew_problem(signed_at: datetime, now: datetime, max_skew_s: int) -> str | None:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC).replace(microsecond=0)
    skew, span = timedelta(seconds=max_skew_s), _span(max_skew_s)
    if signed_at < now - skew:
        return (
            f"Signature expired: {_stamp(signed_at)} is now earlier than "
            f"{_stamp(now - skew)} ({_stamp(now)} - {span}.)"
        )
    if signed_at > now + skew:
        return (
            f"Signature not yet current: {_stamp(signed_at)} is still later than "
            f"{_stamp(now + skew)} ({_stamp(now)} + {span}.)"
        )
    return None


def _scope_problem(
    auth: Authorization, signed_at: datetime, service_names: tuple[str, ...]
) -> str | None:
    day = signed_at.strftime("%Y%m%d")
    if auth.date != day:
        return (
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
            f"from HTTP: '{auth.date}' != '{day}', from '{_stamp(signed_at)}'."
        )
    if auth.service not in service_names:
        return f"Credential should be scoped to correct service: '{service_names[0]}'. "
    if "host" not in auth.signed_headers:
        return "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
    return None


def _check_signature(
    request: IncomingRequest,
    headers: dict[str, list[str]],
    auth: Authorization,
    signed_at: datetime,
    secret: str,
) -> None:
    canonical = _canonical_request(request, headers, auth.signed_headers)
    expected = _signature(secret, auth, _string_to_sign(auth, signed_at, canonical))
    if not hmac.compare_digest(expected.encode(), _utf8(auth.signature)):
        raise InvalidSignatureException(access_key=auth.access_key)


def _canonical_request(
    request: IncomingRequest, headers: dict[str, list[str]], signed_headers: tuple[str, ...]
) -> str:
    return "\n".join(
        [
            request.method.upper(),
            canonical_uri(request.path),
            canonical_query(request.query),
            _canonical_headers(headers, signed_headers) + "\n",
            ";".join(signed_headers),
            _payload_hash(headers, request.body),
        ]
    )


def _canonical_headers(headers: dict[str, list[str]], signed_headers: tuple[str, ...]) -> str:
    return "\n".join(
        f"{name}:{','.join(' '.join(value.split()) for value in headers.get(name.lower(), []))}"
        for name in signed_headers
    )


def _payload_hash(headers: dict[str, list[str]], body: bytes) -> str:
    actual = hashlib.sha256(body).hexdigest()
    claimed = _first(headers, "x-amz-content-sha256")
    if claimed is None:
        return actual
    # A digest must be the body's; UNSIGNED-PAYLOAD and the like leave the body unsigned.
    if _DIGEST_SHAPE.fullmatch(claimed) and claimed.lower() != actual:
        raise InvalidSignatureException()
    return claimed


def _string_to_sign(auth: Authorization, signed_at: datetime, canonical: str) -> str:
    scope = f"{auth.date}/{auth.region}/{auth.service}/{TERMINATOR}"
    digest = hashlib.sha256(_utf8(canonical)).hexdigest()
    return f"{ALGORITHM}\n{_stamp(signed_at)}\n{scope}\n{digest}"


def _signature(secret: str, auth: Authorization, string_to_sign: str) -> str:
    key = _signing_key(secret, auth.date, auth.region, auth.service)
    return hmac.new(key, _utf8(string_to_sign), hashlib.sha256).hexdigest()


@lru_cache(maxsize=256)
def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    # One derivation per key, day, region and service: four HMACs saved on every request.
    key = _utf8(f"AWS4{secret}")
    for part in (date, region, service, TERMINATOR):
        key = hmac.new(key, _utf8(part), hashlib.sha256).digest()
    return key


def _header_map(headers: Headers) -> dict[str, list[str]]:
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    mapped: dict[str, list[str]] = {}
    for name, value in pairs:
        mapped.setdefault(_text(name).lower(), []).append(_text(value))
    return mapped


def _first(headers: dict[str, list[str]], name: str) -> str | None:
    values = headers.get(name)
    return values[0] if values else None


def _encode_query_part(raw: str) -> str:
    return quote(unquote_plus(raw), safe="-_.~")


def _remove_dot_segments(path: str) -> str:
    # RFC 3986 5.2.4 as botocore applies it, which also drops empty segments ("//").
    segments: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment and segment != ".":
            segments.append(segment)
    first = "/" if path.startswith("/") else ""
    last = "/" if path.endswith("/") and segments else ""
    return first + "/".join(segments) + last


def _stamp(moment: datetime) -> str:
    return moment.strftime(_AMZ_DATE)


def _span(seconds: int) -> str:
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} sec"


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _utf8(text: str) -> bytes:
    # Header bytes arrive as latin-1 text; surrogates (never valid on the wire) must not crash.
    return text.encode("utf-8", "surrogatepass")
