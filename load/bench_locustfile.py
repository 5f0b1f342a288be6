"""One endpoint, as fast as it answers: the client side of `make bench` (load/bench.py).

Every simulated user keeps one connection and sends the same request back to back (no think time), so
the throughput of an endpoint and of the floor (/health/live) are measured the same way. The request comes
from the environment:

    BENCH_METHOD, BENCH_PATH, BENCH_NAME, BENCH_STATUS (expected), BENCH_TOKEN (optional bearer token),
    BENCH_BODY (optional JSON), BENCH_HEADER (optional NAME=VALUE that every response must carry)

A list in the body (the accounts of a transaction or of a transfer) spreads the users over its values, one
each in turn, the same position in every list: writers of different accounts do not wait for each other's
row lock, as different people's writes do not.
"""

import itertools
import json
import os

from locust import FastHttpUser, constant, task


class OneEndpoint(FastHttpUser):
    wait_time = constant(0)
    numbers = itertools.count()

    def on_start(self) -> None:
        self.method = os.environ.get("BENCH_METHOD", "GET")
        self.path = os.environ["BENCH_PATH"]
        self.name = os.environ.get("BENCH_NAME", self.path)
        self.status = int(os.environ.get("BENCH_STATUS", "200"))
        body = os.environ.get("BENCH_BODY")
        self.body = json.loads(body) if body else None
        if self.body:
            number = next(self.numbers)
            self.body = {
                name: value[number % len(value)] if isinstance(value, list) else value
                for name, value in self.body.items()
            }
        self.headers = (
            {"Authorization": f"Bearer {os.environ['BENCH_TOKEN']}"} if os.environ.get("BENCH_TOKEN") else {}
        )
        header = os.environ.get("BENCH_HEADER", "")
        self.expected_header = tuple(header.split("=", 1)) if header else None

    @task
    def hit(self) -> None:
        with self.client.request(
            self.method, self.path, name=self.name, json=self.body, headers=self.headers, catch_response=True
        ) as response:
            if response.status_code != self.status:
                response.failure(
                    f"expected {self.status}, got {response.status_code}: {(response.text or '')[:200]}"
                )
            elif (
                self.expected_header
                and response.headers.get(self.expected_header[0]) != self.expected_header[1]
            ):
                response.failure(
                    f"{self.expected_header[0]} is {response.headers.get(self.expected_header[0])!r}"
                )
            else:
                response.success()
