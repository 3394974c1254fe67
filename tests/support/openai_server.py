"""An OpenAI-compatible chat-completions server on loopback, with injectable faults, for tests and benchmarks.

It speaks just enough HTTP/1.1 (keep-alive, Content-Length bodies) for the openai SDK that litellm uses, on its
own event loop in a background thread, so the plugin's real HTTP path can be exercised without a network:
latency, 429 with ``Retry-After`` (seconds, an HTTP date, or ``retry-after-ms``), 500, 400 and 401, a response
slower than the client's timeout, a malformed JSON body, and a dropped connection are each injectable, per
request (a script of faults consumed in order) or at random with a seeded rate (drawn in arrival order, or per
prompt so that which requests fail does not depend on the order concurrent requests arrive in). It counts
requests and keeps the headers it received, so a test can check what a client sent (and that secrets sent there
went nowhere else); it can hold the first requests until several are in flight, so a test sees a client's
concurrency however loaded the machine. With ``echo`` it behaves like a careless provider that quotes the request
(line, headers, body) back in its error bodies, and with ``echo_in_answer`` in its answers too: the hostile case
for credential redaction. A request with ``"stream": true`` is answered as server-sent events (chunked): a role-only
chunk at once, the first content chunk after ``first_token_s``, the others ``chunk_interval_s`` apart, the finish
reason, a usage chunk when ``stream_options.include_usage`` asks, then ``[DONE]``; the "cut" fault closes such a
stream after its first content chunk.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import json
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

Fault = Literal["ok", "400", "401", "429", "500", "timeout", "malformed", "drop", "cut"]


@dataclass
class ServerConfig:
    latency_s: float = 0.0
    script: list[Fault] = field(default_factory=list)
    """Faults for the next requests, in order; then `fault_rate` applies."""
    fault_rate: float = 0.0
    faults: tuple[Fault, ...] = ("429", "500")
    retry_after_s: float = 0.1
    retry_after_on: tuple[Fault, ...] = ("429",)
    """Faults whose response carries ``Retry-After: retry_after_s`` (add "500" for a server error that says when
    to come back, as a 503 does)."""
    retry_after_format: Literal["seconds", "http-date", "ms"] = "seconds"
    """How that wait is written: delta-seconds, an HTTP date ``retry_after_s`` from now (``Retry-After: Wed, 21 Oct
    2015 07:28:00 GMT``), or ``retry-after-ms`` in milliseconds (with no ``Retry-After``), as OpenAI sends it."""
    echo: bool = False
    """Error bodies (400, 401, 429, 500) quote the request line, headers and body back, as some providers do."""
    echo_in_answer: bool = False
    """Answers quote the request line, headers and body too (a model or proxy that repeats what it was sent)."""
    fault_by: Literal["arrival", "prompt"] = "arrival"
    """How `fault_rate` draws: "arrival", one seeded stream in the order requests arrive; "prompt", a draw seeded
    by (seed, the request's messages, how many times those messages were seen), so the same requests fail in every
    run however concurrent requests interleave."""
    timeout_s: float = 30.0
    """How long a "timeout" fault holds the request before answering."""
    seed: int = 0
    reply: str = "Here is a short answer about {words}."
    reply_fn: Callable[[list[dict[str, Any]]], str] | None = None
    """When set, the answer is ``reply_fn(messages)`` (a model that reads its input), instead of ``reply``."""
    hold_until_in_flight: int = 0
    """When set, hold each request until this many have been in flight at once (from then on, answer as usual):
    a test sees a client's concurrency whatever the machine's load. `hold_limit_s` bounds each wait."""
    hold_limit_s: float = 60.0
    first_token_s: float = 0.0
    """A streamed answer: the wait between its role-only first chunk and its first content chunk."""
    chunk_interval_s: float = 0.0
    """A streamed answer: the wait between its content chunks."""
    stream_chunks: int = 4
    """A streamed answer: its text is sent in this many content chunks (fewer for a shorter text)."""
    tool_call: tuple[str, str] | None = None
    """(name, JSON arguments): answers call this tool instead of answering in text; streamed, the name comes in the
    first tool-call delta and the arguments in pieces."""


@dataclass
class ServerStats:
    requests: int = 0
    answered: int = 0
    faults: dict[str, int] = field(default_factory=dict)
    in_flight: int = 0
    max_in_flight: int = 0
    """Requests being handled at once, and the most seen (a client's concurrency bound, measured)."""
    first_request_at: float | None = None
    last_response_at: float | None = None
    """``time.perf_counter()`` of the first request and the last response: the client's time in flight."""
    headers: list[dict[str, str]] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    """The request targets (path and query string), in arrival order."""


class OpenAIServer:
    """``with running_server() as server:`` then ``Bundle(model="openai/x", api_base=server.url)``."""

    def __init__(self, config: ServerConfig | None = None) -> None:
        self.config = config or ServerConfig()
        self.stats = ServerStats()
        self._random = random.Random(self.config.seed)
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.base_events.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="openai-loopback", daemon=True)
        self._lock = threading.Lock()
        self._connections: set[asyncio.Task[None]] = set()
        self._seen: dict[str, int] = {}
        self._gathered: asyncio.Event | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> None:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        future.result(timeout=10)

    async def _start(self) -> None:
        self._gathered = asyncio.Event()
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0, backlog=1024)
        self.port = self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
            for task in list(self._connections):
                task.cancel()
            await asyncio.gather(*self._connections, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def _next_fault(self, body: dict[str, Any] | None = None) -> Fault:
        with self._lock:
            self.stats.requests += 1
            if self.config.script:
                return self.config.script.pop(0)
            if not self.config.fault_rate:
                return "ok"
            draw = self._random
            if self.config.fault_by == "prompt":
                key = json.dumps((body or {}).get("messages"), sort_keys=True)
                seen = self._seen[key] = self._seen.get(key, 0) + 1
                draw = random.Random(f"{self.config.seed}:{seen}:{key}")
            if draw.random() < self.config.fault_rate:
                return draw.choice(self.config.faults)
            return "ok"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    break
                target, headers, body = request
                with self._lock:
                    if self.stats.first_request_at is None:
                        self.stats.first_request_at = time.perf_counter()
                    self.stats.headers.append(headers)
                    self.stats.bodies.append(body)
                    self.stats.targets.append(target)
                    self.stats.in_flight += 1
                    self.stats.max_in_flight = max(self.stats.max_in_flight, self.stats.in_flight)
                    if self.stats.max_in_flight >= self.config.hold_until_in_flight and self._gathered is not None:
                        self._gathered.set()
                try:
                    answered = await self._answer(writer, _Request(target, headers, body))
                finally:
                    with self._lock:
                        self.stats.in_flight -= 1
                        self.stats.last_response_at = time.perf_counter()
                if not answered:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            writer.close()
            self._connections.discard(task)

    async def _answer(self, writer: asyncio.StreamWriter, request: _Request) -> bool:
        """One request: its fault (if any), latency, response. False when the connection is to be dropped."""
        fault = self._next_fault(request.body)
        with self._lock:
            self.stats.faults[fault] = self.stats.faults.get(fault, 0) + 1
        if fault == "drop":
            return False
        if self._gathered is not None and not self._gathered.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._gathered.wait(), self.config.hold_limit_s)
        if self.config.latency_s:
            await asyncio.sleep(self.config.latency_s)
        if fault == "timeout":
            await asyncio.sleep(self.config.timeout_s)
        if request.body.get("stream") is True and fault in ("ok", "cut"):
            await self._stream(writer, request, cut=fault == "cut")
            if fault == "cut":
                return False
            with self._lock:
                self.stats.answered += 1
            return True
        status, payload, extra = self._response(fault, request)
        writer.write(_http_response(status, payload, extra))
        await writer.drain()
        if fault == "ok":
            with self._lock:
                self.stats.answered += 1
        return True

    async def _stream(self, writer: asyncio.StreamWriter, request: _Request, *, cut: bool) -> None:
        """The answer as server-sent events in a chunked body (see the module docstring)."""
        completion = json.loads(self._response("ok", request)[1])
        text = completion["choices"][0]["message"]["content"]
        base = {k: completion[k] for k in ("id", "created", "model")} | {"object": "chat.completion.chunk"}

        async def send(data: str) -> None:
            event = f"data: {data}\n\n".encode()
            writer.write(f"{len(event):x}\r\n".encode() + event + b"\r\n")
            await writer.drain()

        def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
            return json.dumps({**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})

        head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n"
        writer.write((head + "Connection: keep-alive\r\n\r\n").encode())
        await send(chunk({"role": "assistant", "content": ""}))
        await asyncio.sleep(self.config.first_token_s)
        call = (completion["choices"][0]["message"].get("tool_calls") or [None])[0]
        opening = [] if call is None else [{"tool_calls": [{**call, "index": 0, "function": {**call["function"]}}]}]
        if opening:
            opening[0]["tool_calls"][0]["function"]["arguments"] = ""
        streamed = (text or "") if call is None else call["function"]["arguments"]
        pieces = _pieces(streamed, self.config.stream_chunks)
        deltas = [*opening, *({"content": p} if call is None else _argument_delta(p) for p in pieces)]
        for index, delta in enumerate(deltas):
            if index:
                await asyncio.sleep(self.config.chunk_interval_s)
            await send(chunk(delta))
            if cut:
                return  # the connection closes mid-stream, with no terminating chunk
        await send(chunk({}, "stop" if call is None else "tool_calls"))
        if (request.body.get("stream_options") or {}).get("include_usage"):
            await send(json.dumps({**base, "choices": [], "usage": completion["usage"]}))
        await send("[DONE]")
        writer.write(b"0\r\n\r\n")
        await writer.drain()

    def _reply(self, messages: list[dict[str, Any]], words: str) -> str:
        if self.config.reply_fn is not None:
            return self.config.reply_fn(messages)
        return self.config.reply.format(words=words)

    def _retry_after(self, fault: Fault) -> dict[str, str]:
        if fault not in self.config.retry_after_on:
            return {}
        wait = self.config.retry_after_s
        if self.config.retry_after_format == "ms":
            return {"retry-after-ms": f"{wait * 1000:g}"}
        if self.config.retry_after_format == "http-date":
            return {"Retry-After": email.utils.formatdate(time.time() + wait, usegmt=True)}
        return {"Retry-After": f"{wait:g}"}

    def _response(self, fault: Fault, request: _Request) -> tuple[int, bytes, dict[str, str]]:
        body = request.body
        retry_after = self._retry_after(fault)
        echo = f" (request: {request.quoted()})" if self.config.echo else ""
        errors = {
            "400": (400, {"message": f"Invalid request{echo}", "type": "invalid_request_error"}),
            "401": (
                401,
                {
                    "message": f"Incorrect API key provided{echo}",
                    "type": "invalid_request_error",
                    "code": "invalid_api_key",
                },
            ),
            "429": (429, {"message": f"Rate limit reached{echo}", "type": "rate_limit_error", "code": "rate_limit"}),
            "500": (500, {"message": f"internal error{echo}", "type": "server_error"}),
        }
        if fault in errors:
            status, error = errors[fault]
            return status, json.dumps({"error": error}).encode(), retry_after
        if fault == "malformed":
            return 200, b'{"id": "chatcmpl-1", "choices": [{"message": {"content": "trunc', {}
        messages = body.get("messages") or [{"content": ""}]
        words = str(messages[-1].get("content", ""))[:60]
        content = self._reply(messages, words)
        if self.config.echo_in_answer:
            content = f"{content} You sent me: {request.quoted()}"
        message: dict[str, Any] = {"role": "assistant", "content": content}
        if self.config.tool_call is not None:
            name, arguments = self.config.tool_call
            function = {"name": name, "arguments": arguments}
            message = {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"id": "call_1", "type": "function", "function": function}],
            }
        completion = {
            "id": f"chatcmpl-{self.stats.requests}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "loopback"),
            "choices": [
                {"index": 0, "finish_reason": "tool_calls" if self.config.tool_call else "stop", "message": message}
            ],
            "usage": {"prompt_tokens": 12, "completion_tokens": 9, "total_tokens": 21},
        }
        return 200, json.dumps(completion).encode(), {}


@dataclass(frozen=True)
class _Request:
    target: str
    headers: dict[str, str]
    body: dict[str, Any]

    def quoted(self) -> str:
        """The request as a careless provider quotes it back."""
        return json.dumps({"target": self.target, "headers": self.headers, "body": self.body})


def _argument_delta(piece: str) -> dict[str, Any]:
    return {"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}


def _pieces(text: str, count: int) -> list[str]:
    """``text`` in at most ``count`` consecutive pieces (at least one) that join back into it."""
    size = max(1, -(-len(text) // max(1, count)))
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, dict[str, str], dict[str, Any]] | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    request_line = lines[0].split(" ")
    target = request_line[1] if len(request_line) > 1 else ""
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    raw = await reader.readexactly(length) if length else b""
    try:
        body = json.loads(raw) if raw else {}
    except json.JSONDecodeError:
        body = {}
    return target, headers, body if isinstance(body, dict) else {}


_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 429: "Too Many Requests", 500: "Internal Server Error"}


def _http_response(status: int, payload: bytes, extra: dict[str, str]) -> bytes:
    head = [
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}",
        "Content-Type: application/json",
        f"Content-Length: {len(payload)}",
        "Connection: keep-alive",
        *(f"{k}: {v}" for k, v in extra.items()),
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + payload


@contextmanager
def running_server(config: ServerConfig | None = None) -> Iterator[OpenAIServer]:
    server = OpenAIServer(config)
    server.start()
    try:
        yield server
    finally:
        server.stop()
