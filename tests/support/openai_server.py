"""An OpenAI-compatible chat-completions server on loopback, with injectable faults, for tests and benchmarks.

It speaks just enough HTTP/1.1 (keep-alive, Content-Length bodies) for the openai SDK that litellm uses,
on its own event loop in a background thread, so the plugin's real HTTP path can be exercised without a
network: latency, 429 with ``Retry-After``, 500, a response slower than the client's timeout, a malformed
JSON body, and a dropped connection are each injectable, per request (a script of faults consumed in
order) or at random with a seeded rate (drawn in arrival order, or per prompt so that which requests fail
does not depend on the order concurrent requests arrive in). It counts requests and keeps the headers it
received, so a test can check what a client sent (and that secrets sent there went nowhere else).
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

Fault = Literal["ok", "429", "500", "timeout", "malformed", "drop"]


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
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> None:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        future.result(timeout=10)

    async def _start(self) -> None:
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
                headers, body = request
                with self._lock:
                    if self.stats.first_request_at is None:
                        self.stats.first_request_at = time.perf_counter()
                    self.stats.headers.append(headers)
                    self.stats.bodies.append(body)
                    self.stats.in_flight += 1
                    self.stats.max_in_flight = max(self.stats.max_in_flight, self.stats.in_flight)
                try:
                    answered = await self._answer(writer, body)
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

    async def _answer(self, writer: asyncio.StreamWriter, body: dict[str, Any]) -> bool:
        """One request: its fault (if any), latency, response. False when the connection is to be dropped."""
        fault = self._next_fault(body)
        with self._lock:
            self.stats.faults[fault] = self.stats.faults.get(fault, 0) + 1
        if fault == "drop":
            return False
        if self.config.latency_s:
            await asyncio.sleep(self.config.latency_s)
        if fault == "timeout":
            await asyncio.sleep(self.config.timeout_s)
        status, payload, extra = self._response(fault, body)
        writer.write(_http_response(status, payload, extra))
        await writer.drain()
        if fault == "ok":
            with self._lock:
                self.stats.answered += 1
        return True

    def _reply(self, messages: list[dict[str, Any]], words: str) -> str:
        if self.config.reply_fn is not None:
            return self.config.reply_fn(messages)
        return self.config.reply.format(words=words)

    def _response(self, fault: Fault, body: dict[str, Any]) -> tuple[int, bytes, dict[str, str]]:
        retry_after = {"Retry-After": f"{self.config.retry_after_s:g}"} if fault in self.config.retry_after_on else {}
        if fault == "429":
            error = {"error": {"message": "Rate limit reached", "type": "rate_limit_error", "code": "rate_limit"}}
            return 429, json.dumps(error).encode(), retry_after
        if fault == "500":
            error = {"error": {"message": "internal error", "type": "server_error"}}
            return 500, json.dumps(error).encode(), retry_after
        if fault == "malformed":
            return 200, b'{"id": "chatcmpl-1", "choices": [{"message": {"content": "trunc', {}
        messages = body.get("messages") or [{"content": ""}]
        words = str(messages[-1].get("content", ""))[:60]
        completion = {
            "id": f"chatcmpl-{self.stats.requests}", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model", "loopback"),
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": self._reply(messages, words)}}],
            "usage": {"prompt_tokens": 12, "completion_tokens": 9, "total_tokens": 21},
        }
        return 200, json.dumps(completion).encode(), {}


async def _read_request(reader: asyncio.StreamReader) -> tuple[dict[str, str], dict[str, Any]] | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        return None
    lines = head.decode("latin-1").split("\r\n")
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
    return headers, body if isinstance(body, dict) else {}


_REASONS = {200: "OK", 429: "Too Many Requests", 500: "Internal Server Error"}


def _http_response(status: int, payload: bytes, extra: dict[str, str]) -> bytes:
    head = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}", "Content-Type: application/json",
            f"Content-Length: {len(payload)}", "Connection: keep-alive",
            *(f"{k}: {v}" for k, v in extra.items())]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + payload


@contextmanager
def running_server(config: ServerConfig | None = None) -> Iterator[OpenAIServer]:
    server = OpenAIServer(config)
    server.start()
    try:
        yield server
    finally:
        server.stop()
