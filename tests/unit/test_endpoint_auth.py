"""SigV4 verification against requests signed by botocore itself, and AWS's error shapes."""

# Every key, secret and token here is a made-up test credential.
# ruff: noqa: S106, S107

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.auth
import cbor2
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSPreparedRequest, AWSRequest, AWSResponse
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from botocore.parsers import create_parser
from hypothesis import given
from hypothesis import strategies as st

from cadabra.config import AuthSettings
from cadabra.endpoint.auth import (
    Authenticator,
    Authorization,
    IncomingRequest,
    caller,
    parse_authorization,
    verify_sigv4,
)
from cadabra.errors import (
    AuthError,
    IncompleteSignatureException,
    InvalidSignatureException,
    MissingAuthenticationTokenException,
    UnrecognizedClientException,
)

SIGNED_AT = datetime(2024, 1, 1, tzinfo=UTC)
KEYS = {"AKIDCADABRA": "cadabra-secret", "AKIDOTHER": "other/secret+key"}
ENDPOINT = "http://127.0.0.1:4567/"
JSON_1_1 = "application/x-amz-json-1.1"
CBOR_1_1 = "application/x-amz-cbor-1.1"
TARGETS = {"kinesis": "Kinesis_20131202.PutRecord", "firehose": "Firehose_20150804.PutRecord"}

Sign = Callable[..., IncomingRequest]


@pytest.fixture
def frozen_signing_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore signs at SIGNED_AT, so `now` in each test is an exact offset from it."""
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *_a, **_k: SIGNED_AT)


def received(prepared: AWSPreparedRequest) -> IncomingRequest:
    """The request as the endpoint receives it: raw path and query, Host added by the client."""
    url = urlsplit(prepared.url)
    # boto3 clients hold some header values as bytes, as the wire (and ASGI) does.
    headers: list[tuple[str | bytes, str | bytes]] = list(prepared.headers.items())
    headers.append(("Host", url.netloc))
    body = prepared.body if isinstance(prepared.body, bytes) else (prepared.body or "").encode()
    return IncomingRequest(prepared.method, url.path, url.query, headers, body)


@pytest.fixture
def sign(frozen_signing_clock: None) -> Sign:
    """A factory: a request signed by botocore's SigV4Auth, as the endpoint would receive it."""

    def make(
        service: str = "kinesis",
        body: bytes = b'{"StreamName":"CadabraOrders"}',
        *,
        content_type: str = JSON_1_1,
        key: str = "AKIDCADABRA",
        secret: str = "cadabra-secret",
        token: str | None = None,
        url: str = ENDPOINT,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> IncomingRequest:
        request = AWSRequest(
            method="POST",
            url=url,
            data=body,
            params=params or {},
            headers={"Content-Type": content_type, "X-Amz-Target": TARGETS[service]}
            | (headers or {}),
        )
        SigV4Auth(Credentials(key, secret, token), service, "eu-west-1").add_auth(request)
        return received(request.prepare())

    return make


def text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def replace_header(request: IncomingRequest, name: str, value: str) -> IncomingRequest:
    assert isinstance(request.headers, list)
    headers = [(n, v) for n, v in request.headers if text(n).lower() != name.lower()]
    return IncomingRequest(
        request.method, request.path, request.query, [*headers, (name, value)], request.body
    )


def without_header(request: IncomingRequest, name: str) -> IncomingRequest:
    assert isinstance(request.headers, list)
    headers = [(n, v) for n, v in request.headers if text(n).lower() != name.lower()]
    return IncomingRequest(request.method, request.path, request.query, headers, request.body)


def with_body(request: IncomingRequest, body: bytes) -> IncomingRequest:
    return IncomingRequest(request.method, request.path, request.query, request.headers, body)


def verify(request: IncomingRequest, now: datetime = SIGNED_AT, **kwargs: Any) -> str:
    return verify_sigv4(request, KEYS, now=now, **kwargs)


BODIES = {
    "json": (JSON_1_1, json.dumps({"StreamName": "s", "Data": "aGk=", "PartitionKey": "k"})),
    "cbor": (CBOR_1_1, cbor2.dumps({"StreamName": "s", "Data": b"\x00\xff", "PartitionKey": "k"})),
}


@pytest.mark.parametrize("service", ["kinesis", "firehose"])
@pytest.mark.parametrize("encoding", ["json", "cbor"])
@pytest.mark.parametrize("token", [None, "FwoGZXIvYXdzEBYaDH+session/token=="])
def test_a_botocore_signed_request_verifies(
    sign: Sign, service: str, encoding: str, token: str | None
) -> None:
    content_type, body = BODIES[encoding]
    raw = body if isinstance(body, bytes) else body.encode()
    request = sign(service, raw, content_type=content_type, token=token)
    assert verify(request) == "AKIDCADABRA"


def test_a_secret_with_slashes_and_pluses_verifies(sign: Sign) -> None:
    request = sign(key="AKIDOTHER", secret="other/secret+key")
    assert verify(request) == "AKIDOTHER"


def test_a_changed_body_is_an_invalid_signature(sign: Sign) -> None:
    request = with_body(sign(), b'{"StreamName":"Other"}')
    with pytest.raises(InvalidSignatureException) as caught:
        verify(request)
    assert caught.value.message == InvalidSignatureException.MISMATCH
    assert caught.value.access_key == "AKIDCADABRA"


def test_a_changed_signed_header_is_an_invalid_signature(sign: Sign) -> None:
    request = replace_header(sign(), "X-Amz-Target", "Kinesis_20131202.DeleteStream")
    with pytest.raises(InvalidSignatureException):
        verify(request)


def test_an_unsigned_header_may_change(sign: Sign) -> None:
    assert verify(replace_header(sign(), "User-Agent", "curl/8")) == "AKIDCADABRA"


def test_a_wrong_secret_is_an_invalid_signature(sign: Sign) -> None:
    with pytest.raises(InvalidSignatureException):
        verify(sign(secret="not-the-secret"))


def test_an_unknown_key_is_an_unrecognized_client(sign: Sign) -> None:
    with pytest.raises(UnrecognizedClientException) as caught:
        verify(sign(key="AKIDSTRANGER"))
    assert caught.value.message == "The security token included in the request is invalid."
    assert caught.value.access_key == "AKIDSTRANGER"


def test_no_authorization_is_a_missing_authentication_token(sign: Sign) -> None:
    with pytest.raises(MissingAuthenticationTokenException) as caught:
        verify(without_header(sign(), "Authorization"))
    assert caught.value.message == "Missing Authentication Token"


@pytest.mark.parametrize("skew_s", [-299, -300, 0, 299, 300])
def test_a_date_within_the_skew_verifies(sign: Sign, skew_s: int) -> None:
    assert verify(sign(), now=SIGNED_AT + timedelta(seconds=skew_s)) == "AKIDCADABRA"


def test_a_signature_301_s_old_has_expired(sign: Sign) -> None:
    with pytest.raises(InvalidSignatureException) as caught:
        verify(sign(), now=SIGNED_AT + timedelta(seconds=301))
    assert caught.value.message == (
        "Signature expired: 20240101T000000Z is now earlier than 20240101T000001Z "
        "(20240101T000501Z - 5 min.)"
    )


def test_a_signature_301_s_ahead_is_not_yet_current(sign: Sign) -> None:
    with pytest.raises(InvalidSignatureException) as caught:
        verify(sign(), now=SIGNED_AT - timedelta(seconds=301))
    assert caught.value.message == (
        "Signature not yet current: 20240101T000000Z is still later than 20231231T235959Z "
        "(20231231T235459Z + 5 min.)"
    )


def test_the_skew_is_a_parameter(sign: Sign) -> None:
    with pytest.raises(InvalidSignatureException, match=r"- 15 min\.\)$"):
        verify(sign(), now=SIGNED_AT + timedelta(minutes=16), max_skew_s=900)


def test_the_date_header_is_used_without_x_amz_date(sign: Sign) -> None:
    request = sign(headers={"Date": "whatever botocore replaces"})
    assert isinstance(request.headers, list)
    assert "x-amz-date" not in {text(name).lower() for name, _ in request.headers}
    assert verify(request) == "AKIDCADABRA"


def test_a_path_and_query_are_canonicalised_as_botocore_signs_them(sign: Sign) -> None:
    request = sign(
        url="http://127.0.0.1:4567/a%20b//c/./d/../e~f/",
        params={"b": "x y/z", "a": "~-_.*", "A": "1"},
    )
    assert verify(request) == "AKIDCADABRA"


def test_a_content_sha256_header_must_match_the_body(sign: Sign) -> None:
    body = b'{"StreamName":"CadabraOrders"}'
    digest = hashlib.sha256(body).hexdigest()
    request = sign(body=body, headers={"X-Amz-Content-SHA256": digest})
    assert verify(request) == "AKIDCADABRA"
    with pytest.raises(InvalidSignatureException):
        verify(with_body(request, b"{}"))


def test_a_service_outside_the_endpoint_is_rejected(sign: Sign) -> None:
    with pytest.raises(InvalidSignatureException, match="scoped to correct service: 'firehose'"):
        verify(sign("kinesis"), service_names=("firehose",))


def test_an_unsigned_host_is_rejected(sign: Sign) -> None:
    request = sign()
    header = parse_authorization(header_value(request, "authorization"))
    signed = ";".join(name for name in header.signed_headers if name != "host")
    forged = header_value(request, "authorization").replace(";".join(header.signed_headers), signed)
    with pytest.raises(InvalidSignatureException, match="'Host' or ':authority'"):
        verify(replace_header(request, "Authorization", forged))


def test_both_header_and_query_authentication_are_rejected(sign: Sign) -> None:
    request = sign(params={"X-Amz-Algorithm": "AWS4-HMAC-SHA256"})
    with pytest.raises(InvalidSignatureException, match="Found both 'X-Amz-Algorithm'"):
        verify(request)


def test_an_incomplete_header_names_every_missing_part(sign: Sign) -> None:
    request = without_header(replace_header(sign(), "Authorization", "X"), "X-Amz-Date")
    with pytest.raises(IncompleteSignatureException) as caught:
        verify(request)
    assert caught.value.message == (
        "Authorization header requires 'Credential' parameter. "
        "Authorization header requires 'Signature' parameter. "
        "Authorization header requires 'SignedHeaders' parameter. "
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        "Authorization=X"
    )


def header_value(request: IncomingRequest, name: str) -> str:
    assert isinstance(request.headers, list)
    return next(text(v) for n, v in request.headers if text(n).lower() == name)


def test_parse_authorization_returns_the_scope(sign: Sign) -> None:
    auth = parse_authorization(header_value(sign("firehose", token="t"), "authorization"))
    assert auth[:4] == ("AKIDCADABRA", "20240101", "eu-west-1", "firehose")
    assert auth.signed_headers == (
        "content-type",
        "host",
        "x-amz-date",
        "x-amz-security-token",
        "x-amz-target",
    )
    assert len(auth.signature) == 64


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("AWS4- Signature=b, Credential=a", "requires 'SignedHeaders' parameter"),
        ("AWS4-HMAC-SHA512 Credential=a/b/c/d/aws4_request, SignedHeaders=host, Signature=x", "Unsupported AWS 'algorithm'"),  # noqa: E501
        ("AWS4-HMAC-SHA256 Credential=a/b/c, SignedHeaders=host, Signature=x", "Credential must have the form"),  # noqa: E501
        ("AWS4-HMAC-SHA256 Credential=a/b/c/d/aws5, SignedHeaders=host, Signature=x", "valid terminator: 'aws4_request', not 'aws5'"),  # noqa: E501
    ],
)  # fmt: skip
def test_parse_authorization_rejects_malformed_headers(header: str, message: str) -> None:
    with pytest.raises(IncompleteSignatureException, match=message):
        parse_authorization(header)


def test_a_malformed_date_is_incomplete(sign: Sign) -> None:
    with pytest.raises(IncompleteSignatureException, match="ISO-8601 'basic format'"):
        verify(replace_header(sign(), "X-Amz-Date", "2024-01-01T00:00:00Z"))


def test_a_scope_date_other_than_the_request_date_is_rejected(sign: Sign) -> None:
    request = replace_header(sign(), "X-Amz-Date", "20240102T000000Z")
    with pytest.raises(InvalidSignatureException, match="'20240101' != '20240102'"):
        verify(request, now=datetime(2024, 1, 2, tzinfo=UTC))


def test_open_mode_names_any_caller_and_tolerates_none(sign: Sign) -> None:
    open_gate = Authenticator(AuthSettings(auth="open"))
    stranger = sign(key="AKIDSTRANGER", secret="anything")
    auth = open_gate.authenticate(stranger, now=SIGNED_AT + timedelta(days=3))
    assert auth is not None
    assert (auth.access_key, auth.region) == ("AKIDSTRANGER", "eu-west-1")
    assert open_gate.authenticate(without_header(stranger, "Authorization"), now=SIGNED_AT) is None
    assert caller([(b"authorization", b"Bearer nonsense")]) is None


@pytest.fixture
def sigv4_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CADABRA_AUTH", "sigv4")
    monkeypatch.setenv("CADABRA_AUTH_KEYS", "AKIDCADABRA:cadabra-secret, AKIDOTHER:x:y")
    monkeypatch.setenv("CADABRA_MAX_CLOCK_SKEW_S", "60")
    yield


@pytest.mark.usefixtures("sigv4_env")
def test_sigv4_mode_reads_its_keys_and_skew_from_the_environment(sign: Sign) -> None:
    settings = AuthSettings()
    assert settings.key_secrets() == {"AKIDCADABRA": "cadabra-secret", "AKIDOTHER": "x:y"}
    gate = Authenticator(settings)
    auth = gate.authenticate(sign(), now=SIGNED_AT + timedelta(seconds=60))
    assert isinstance(auth, Authorization)
    assert auth.access_key == "AKIDCADABRA"
    with pytest.raises(InvalidSignatureException, match="- 1 min"):
        gate.authenticate(sign(), now=SIGNED_AT + timedelta(seconds=61))
    with pytest.raises(MissingAuthenticationTokenException):
        gate.authenticate(without_header(sign(), "Authorization"), now=SIGNED_AT)


def test_the_default_key_is_the_aws_pair(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    monkeypatch.delenv("CADABRA_AUTH_KEYS", raising=False)
    assert AuthSettings().key_secrets() == {"AKIDENV": "env-secret"}


def test_malformed_auth_keys_are_a_settings_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CADABRA_AUTH_KEYS", "AKIDNOSECRET")
    with pytest.raises(ValueError, match="KEY:SECRET"):
        AuthSettings()


def captured_boto3_request(service: str, call: Callable[[Any], object]) -> IncomingRequest:
    """What a real boto3 client sends, caught before it leaves the process."""
    sent: list[AWSPreparedRequest] = []

    def answer(request: AWSPreparedRequest, **_: object) -> AWSResponse:
        sent.append(request)
        return AWSResponse(request.url, 200, {}, _RawBody(b"{}"))

    client = boto3.client(
        service,
        endpoint_url=ENDPOINT,
        region_name="us-east-1",
        aws_access_key_id="AKIDCADABRA",
        aws_secret_access_key="cadabra-secret",
        aws_session_token="session-token",
    )
    client.meta.events.register("before-send", answer)
    call(client)
    return received(sent[0])


class _RawBody:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: object) -> Iterator[bytes]:
        yield self._data

    def read(self, *_: object) -> bytes:
        return self._data


@pytest.mark.usefixtures("frozen_signing_clock")
def test_requests_from_boto3_clients_verify() -> None:
    kinesis = captured_boto3_request(
        "kinesis", lambda c: c.put_record(StreamName="s", Data=b"\x00hi", PartitionKey="k")
    )
    firehose = captured_boto3_request(
        "firehose", lambda c: c.put_record(DeliveryStreamName="d", Record={"Data": b"x"})
    )
    assert verify(kinesis) == verify(firehose) == "AKIDCADABRA"
    with pytest.raises(InvalidSignatureException):
        verify(with_body(kinesis, kinesis.body.replace(b'"s"', b'"t"')))


@pytest.mark.parametrize(
    "error",
    [
        MissingAuthenticationTokenException(),
        IncompleteSignatureException("Authorization=X"),
        UnrecognizedClientException(),
        InvalidSignatureException(),
    ],
)
def test_errors_reach_botocore_as_aws_shapes_them(error: AuthError) -> None:
    response = {
        "status_code": error.http_status,
        "headers": {"x-amzn-requestid": "r"},
        "body": json.dumps({"__type": error.code, "message": error.message}).encode(),
    }
    parsed = create_parser("json").parse(response, None)
    assert error.http_status == 400
    assert parsed["Error"] == {"Code": error.code, "Message": error.message}
    assert ClientError(parsed, "PutRecord").response["Error"]["Code"] == error.code


_header_text = st.text(alphabet=st.characters(codec="latin-1"), max_size=200)
_authorization_garbage = st.one_of(
    _header_text,
    st.builds(
        "AWS4-HMAC-SHA256 Credential={}, SignedHeaders={}, Signature={}".format,
        _header_text,
        _header_text,
        _header_text,
    ),
    # A well-formed scope for a known key, so garbage reaches the canonical request.
    st.builds(
        "AWS4-HMAC-SHA256 Credential=AKIDCADABRA/20240101/{}/kinesis/aws4_request, "
        "SignedHeaders=host;{}, Signature={}".format,
        _header_text.filter(lambda region: region and not set(region) & set("/, ")),
        _header_text,
        _header_text,
    ),
)


@given(
    authorization=_authorization_garbage,
    amz_date=st.one_of(st.none(), _header_text, st.just("20240101T000000Z")),
    date=st.one_of(st.none(), _header_text),
    path=_header_text,
    query=_header_text,
)
def test_garbage_authorization_raises_only_auth_errors(
    authorization: str, amz_date: str | None, date: str | None, path: str, query: str
) -> None:
    headers = [("Authorization", authorization), ("Host", "h")]
    headers += [("X-Amz-Date", amz_date)] if amz_date is not None else []
    headers += [("Date", date)] if date is not None else []
    request = IncomingRequest("POST", path, query, headers, b"{}")
    with pytest.raises(AuthError):
        verify_sigv4(request, KEYS, now=SIGNED_AT)
    caller(headers)
