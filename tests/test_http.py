import httpx
import pytest
import respx

from film.errors import ContentRefused, ProviderError, RateLimited, Unavailable
from film.vendors.http import RetryPolicy, download, send_with_retries

URL = "https://api.example.test/v1/thing"


def policy(delays):
    async def sleep(seconds):
        delays.append(seconds)
    return RetryPolicy(max_attempts=3, base_delay=1.0, sleep=sleep)


@respx.mock
async def test_retry_after_is_honoured_then_success():
    route = respx.post(URL).mock(side_effect=[
        httpx.Response(429, headers={"Retry-After": "7"}, json={"error": {"message": "slow"}}),
        httpx.Response(200, json={"ok": True}),
    ])
    delays = []
    async with httpx.AsyncClient() as client:
        response = await send_with_retries(client, "POST", URL, provider="x",
                                           policy=policy(delays))
    assert response.json() == {"ok": True}
    assert delays == [7.0] and route.call_count == 2


@respx.mock
async def test_transport_errors_and_500_are_retried_then_reported():
    respx.get(URL).mock(side_effect=[httpx.ConnectError("reset"), httpx.Response(500),
                                     httpx.Response(503)])
    delays = []
    async with httpx.AsyncClient() as client:
        with pytest.raises(Unavailable, match="503"):
            await send_with_retries(client, "GET", URL, provider="x", policy=policy(delays))
    assert len(delays) == 2


@respx.mock
async def test_429_after_all_attempts_is_rate_limited():
    respx.get(URL).mock(return_value=httpx.Response(429))
    async with httpx.AsyncClient() as client:
        with pytest.raises(RateLimited):
            await send_with_retries(client, "GET", URL, provider="x", policy=policy([]))


@respx.mock
async def test_4xx_is_not_retried_and_names_the_key():
    route = respx.get(URL).mock(return_value=httpx.Response(401, json={"error": {
        "message": "bad key"}}))
    async with httpx.AsyncClient() as client:
        with pytest.raises(ProviderError) as info:
            await send_with_retries(client, "GET", URL, provider="x", key_var="X_KEY",
                                    policy=policy([]), headers={"Authorization": "Bearer s3cr3t"})
    assert route.call_count == 1
    assert "X_KEY" in info.value.hint and "s3cr3t" not in str(info.value)


@respx.mock
async def test_moderation_refusal_is_not_retried():
    route = respx.post(URL).mock(return_value=httpx.Response(
        400, json={"error": {"message": "Prompt flagged by content policy"}}))
    async with httpx.AsyncClient() as client:
        with pytest.raises(ContentRefused):
            await send_with_retries(client, "POST", URL, provider="x", policy=policy([]))
    assert route.call_count == 1


@respx.mock
async def test_truncated_download_is_retried(tmp_path):
    body = b"\x89PNG" + b"x" * 100
    respx.get(URL).mock(side_effect=[
        httpx.Response(200, headers={"content-length": "500", "content-type": "image/png"},
                       content=body),
        httpx.Response(200, headers={"content-type": "image/png"}, content=body),
    ])
    dest = tmp_path / "out.png"
    async with httpx.AsyncClient() as client:
        size = await download(client, URL, dest, provider="x", expect=("image/",),
                              policy=policy([]))
    assert size == len(body) and dest.read_bytes() == body


@respx.mock
async def test_wrong_content_type_is_an_error(tmp_path):
    respx.get(URL).mock(return_value=httpx.Response(200, headers={"content-type": "text/html"},
                                                    content=b"<html>"))
    async with httpx.AsyncClient() as client:
        with pytest.raises(ProviderError, match="expected image/"):
            await download(client, URL, tmp_path / "x.png", provider="x", expect=("image/",))


@respx.mock
async def test_paid_post_is_not_repeated_after_the_server_may_have_acted():
    route = respx.post(URL).mock(side_effect=[httpx.Response(500), httpx.Response(200)])
    async with httpx.AsyncClient() as client:
        with pytest.raises(Unavailable):
            await send_with_retries(client, "POST", URL, provider="x", policy=policy([]),
                                    idempotent=False)
    assert route.call_count == 1


@respx.mock
async def test_paid_post_is_retried_when_it_never_reached_the_server():
    route = respx.post(URL).mock(side_effect=[httpx.ConnectError("refused"),
                                              httpx.Response(429), httpx.Response(201)])
    async with httpx.AsyncClient() as client:
        response = await send_with_retries(client, "POST", URL, provider="x",
                                           policy=policy([]), idempotent=False)
    assert response.status_code == 201 and route.call_count == 3


@respx.mock
async def test_timeouts_and_resets_are_retried():
    route = respx.get(URL).mock(side_effect=[
        httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("connection reset"),
        httpx.Response(200, json={"ok": 1})])
    delays = []
    async with httpx.AsyncClient() as client:
        response = await send_with_retries(client, "GET", URL, provider="x",
                                           policy=policy(delays))
    assert response.status_code == 200 and route.call_count == 3 and len(delays) == 2


async def test_total_wait_is_capped():
    delays = []

    async def sleep(seconds):
        delays.append(seconds)

    capped = RetryPolicy(max_attempts=10, max_total_wait=5, sleep=sleep)
    with respx.mock:
        respx.get(URL).mock(return_value=httpx.Response(503, headers={"Retry-After": "4"}))
        async with httpx.AsyncClient() as client:
            with pytest.raises(Unavailable):
                await send_with_retries(client, "GET", URL, provider="x", policy=capped)
    assert delays == [4.0]  # a second 4 s wait would pass the 5 s cap: give up instead
