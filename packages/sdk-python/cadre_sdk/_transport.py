"""HTTP transport of the Cadre client: API-key auth, JSON, Idempotency-Key on creates, errors, and run event streams.

Standard library only (urllib, json). The methods of the API are generated in client.py.
"""

import json
import os
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any, Dict, Iterator, List, Mapping, Optional

TERMINAL_EVENTS = ("run.succeeded", "run.failed", "run.cancelled")


class CadreApiError(Exception):
    """An error answer of the API: the HTTP status and the error code of its body (e.g. NOT_FOUND, UNAUTHORIZED)."""

    def __init__(self, status: int, code: str, message: str, request_id: Optional[str] = None, issues: Optional[List[Dict[str, str]]] = None):
        super().__init__(f"{code} ({status}): {message}")
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.issues = issues or []


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class BaseClient:
    """Holds the base URL and the API key (default: the CADRE_URL and CADRE_API_KEY environment variables)."""

    def __init__(self, base_url: Optional[str] = None, api_key: Optional[str] = None, *, timeout: float = 60.0, user_agent: str = "cadre-sdk-python"):
        base = base_url or os.environ.get("CADRE_URL")
        key = api_key or os.environ.get("CADRE_API_KEY")
        if not base:
            raise ValueError("Cadre: no base URL (pass base_url or set CADRE_URL)")
        if not key:
            raise ValueError("Cadre: no API key (pass api_key or set CADRE_API_KEY)")
        self.base_url = base.rstrip("/")
        self._api_key = key
        self.timeout = timeout
        self.user_agent = user_agent

    def __repr__(self) -> str:  # never shows the key
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def _url(self, path: str, path_params: Optional[Mapping[str, str]], query: Optional[Mapping[str, Any]]) -> str:
        for name, value in (path_params or {}).items():
            path = path.replace("{" + name + "}", urllib.parse.quote(str(value), safe=""))
        url = self.base_url + path
        pairs = [(k, _query_value(v)) for k, v in (query or {}).items() if v is not None]
        return url + ("?" + urllib.parse.urlencode(pairs) if pairs else "")

    def _headers(self, accept: str) -> Dict[str, str]:
        return {"Authorization": f"Bearer {self._api_key}", "Accept": accept, "User-Agent": self.user_agent}

    def _call(
        self,
        method: str,
        path: str,
        *,
        path_params: Optional[Mapping[str, str]] = None,
        query: Optional[Mapping[str, Any]] = None,
        body: Any = None,
        idempotency_key: Optional[str] = None,
        idempotent: bool = False,
    ) -> Any:
        """Sends one request and answers its JSON body (None for an empty body); raises CadreApiError on an error."""
        headers = self._headers("application/json")
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if idempotent:
            # a create is safe to retry with the same key: the server answers the first response again
            headers["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
        request = urllib.request.Request(self._url(path, path_params, query), data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                text = response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            raise _api_error(error.code, error.read().decode("utf-8", "replace")) from None
        return json.loads(text) if text else None

    def follow_run_events(self, run_id: str, after: int = 0) -> Iterator[Dict[str, Any]]:
        """Yields the run's events (seq, type, data, createdAt) from the Server-Sent Events stream, from `after` on,
        until its terminal event (run.succeeded, run.failed or run.cancelled); reconnects after the last seen event."""
        last = after
        while True:
            url = self._url("/api/v1/runs/{runId}/events", {"runId": run_id}, {"after": last})
            request = urllib.request.Request(url, headers=self._headers("text/event-stream"))
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    for event in _sse_events(response):
                        last = max(last, int(event.get("seq", last)))
                        yield event
                        if event.get("type") in TERMINAL_EVENTS:
                            return
            except urllib.error.HTTPError as error:
                raise _api_error(error.code, error.read().decode("utf-8", "replace")) from None
            # the stream ended without a terminal event (a proxy cut it): resume after the last event seen


def _api_error(status: int, text: str) -> CadreApiError:
    try:
        error = json.loads(text)["error"]
        return CadreApiError(status, str(error["code"]), str(error["message"]), error.get("requestId"), error.get("issues"))
    except (ValueError, KeyError, TypeError):
        return CadreApiError(status, "HTTP_ERROR", f"HTTP {status}")


def _sse_events(response: Any) -> Iterator[Dict[str, Any]]:
    data: List[str] = []
    for raw in response:
        line = raw.decode("utf-8").rstrip("\r\n")
        if line == "":
            if data:
                yield json.loads("\n".join(data))
            data = []
        elif line.startswith("data:"):
            data.append(line[5:].lstrip(" ") if line.startswith("data: ") else line[5:])
    if data:
        yield json.loads("\n".join(data))
