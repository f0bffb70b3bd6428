"""A real S3 API on 127.0.0.1 for publishing tests: moto's server mode, checked with the AWS CLI.

Both come from pip (the `test` extra). Each test process starts one server on a free port and
each test gets a new bucket of its own in it; the AWS CLI, a separate program, is what reads
the bucket back.
"""

from __future__ import annotations

import itertools
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
MOTO = BIN / "moto_server"
AWS = BIN / "aws"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "AWS_DEFAULT_REGION": "us-east-1"}


def missing_s3_tools() -> list[str]:
    """The programs these tests need that `make setup` would have installed."""
    return [f"{p.name} (pip: moto[server], awscli)" for p in (MOTO, AWS) if not p.is_file()]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class S3Server:
    """A running moto server and a bucket in it."""

    endpoint: str
    bucket: str

    @property
    def env(self) -> dict[str, str]:
        """The environment a program needs to reach the server (boto3 and the AWS CLI)."""
        return {**os.environ, **CREDENTIALS, "AWS_ENDPOINT_URL": self.endpoint}

    def aws(self, *args: str) -> str:
        """Run the AWS CLI against the server; its standard output."""
        run = subprocess.run([str(AWS), "--endpoint-url", self.endpoint, *args],
                             capture_output=True, text=True, env=self.env, timeout=120)
        assert run.returncode == 0, run.stderr
        return run.stdout

    def etags(self) -> dict[str, str]:
        """Every object in the bucket with its ETag (an MD5), listed by the AWS CLI."""
        listing = self.aws("s3api", "list-objects-v2", "--bucket", self.bucket,
                           "--output", "json")
        return {item["Key"]: item["ETag"].strip('"')
                for item in json.loads(listing or "{}").get("Contents", [])}

    def content_types(self) -> dict[str, str]:
        """Every object's Content-Type, through boto3 (one CLI run per object is slow)."""
        import boto3

        client = boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                              aws_access_key_id="testing", aws_secret_access_key="testing")
        return {key: client.head_object(Bucket=self.bucket, Key=key)["ContentType"]
                for key in self.etags()}

    def head(self, key: str) -> dict[str, str]:
        head = json.loads(self.aws("s3api", "head-object", "--bucket", self.bucket,
                                   "--key", key, "--output", "json"))
        return {"etag": head["ETag"].strip('"'), "type": head["ContentType"],
                "cache": head.get("CacheControl", "")}

    def get(self, key: str) -> bytes:
        return urllib.request.urlopen(f"{self.endpoint}/{self.bucket}/{key}", timeout=30).read()


def start_moto(log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start moto's server on a free port of 127.0.0.1; wait until it answers."""
    port = free_port()
    process = subprocess.Popen([str(MOTO), "-H", "127.0.0.1", "-p", str(port)],
                               stdout=log.open("wb"), stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2).read()
            return process, endpoint
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.1)
    process.kill()
    raise AssertionError(f"moto_server did not start: {log.read_text(errors='replace')}")


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One moto server for this test process (a server takes 2 s to start); each test has a
    bucket of its own in it (`s3`)."""
    missing = missing_s3_tools()
    assert not missing, f"missing tools (run `make setup`): {', '.join(missing)}"
    process, endpoint = start_moto(tmp_path_factory.mktemp("moto") / "moto.log")
    try:
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=30)


_BUCKETS = itertools.count(1)


@pytest.fixture
def s3(moto_endpoint: str) -> S3Server:
    """A new, empty bucket of its own on this process's moto server."""
    import boto3

    server = S3Server(moto_endpoint, f"portals-{next(_BUCKETS)}")
    boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1",
                 aws_access_key_id="testing", aws_secret_access_key="testing",
                 ).create_bucket(Bucket=server.bucket)
    return server
