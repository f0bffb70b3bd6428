"""Where `portal publish` puts portals: a local folder, or an S3-compatible bucket.

A target holds portal folders side by side (`<target>/<folder>/<file>`). It can list one
folder's files with an MD5 of each (S3's ETag of a single-part upload is exactly that), put a
file, and delete files: all `portal publish` needs to upload only what changed and to remove
what it published before. A target never lists or deletes outside the folders it is asked
about.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

import click

from generator.errors import UsageError
from generator.web.mediatypes import content_type

S3_SCHEME = "s3://"
DELETE_BATCH = 1000  # S3's DeleteObjects takes at most 1000 keys


class PublishError(click.ClickException):
    """The target refused or could not be reached: what was published so far is recorded
    (exit 1)."""

    exit_code = 1


class Target(Protocol):
    """A place portals are published to."""

    @property
    def address(self) -> str:
        """The target as the user gave it, normalised: the key of its publishing record."""

    def holds_anything(self) -> bool:
        """Whether anything is at the target yet."""

    def listing(self, folder: str) -> dict[str, str]:
        """Every file below `folder` at the target, relative to it, with its MD5 in hex."""

    def put(self, folder: str, relative: str, source: Path) -> None:
        """Upload one file of a portal."""

    def delete(self, folder: str, relatives: Iterable[str]) -> None:
        """Delete these files of a portal (and the folder, once empty)."""


def md5_of(path: Path) -> str:
    """The MD5 of a file in hex: compared with the target's, never used for security."""
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def open_target(spec: str, endpoint_url: str | None = None) -> Target:
    """The target `spec` names: `s3://bucket[/prefix]`, or a local folder."""
    if spec.startswith(S3_SCHEME):
        bucket, _, prefix = spec[len(S3_SCHEME):].partition("/")
        if not bucket:
            raise UsageError(f"--to {spec}: no bucket; write s3://bucket or s3://bucket/prefix")
        return S3Target(bucket, prefix.strip("/"), endpoint_url)
    if "://" in spec:
        raise UsageError(f"--to {spec}: not a local folder nor s3://bucket[/prefix]")
    if endpoint_url:
        raise UsageError("--endpoint-url applies only to an s3:// target")
    return LocalTarget(Path(spec))


class LocalTarget:
    """A folder on this machine (served by nginx, or copied on with rsync)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def address(self) -> str:
        return str(self.root.resolve())

    def holds_anything(self) -> bool:
        return self.root.is_dir() and any(self.root.iterdir())

    def listing(self, folder: str) -> dict[str, str]:
        base = self.root / folder
        if not base.is_dir():
            return {}
        return {p.relative_to(base).as_posix(): md5_of(p)
                for p in sorted(base.rglob("*")) if p.is_file() and not p.is_symlink()}

    def put(self, folder: str, relative: str, source: Path) -> None:
        """Copy the file in atomically: readers see the old file or the new, never half."""
        target = self.root / folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".publishing-")
        os.close(handle)
        try:
            shutil.copyfile(source, temporary)
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def delete(self, folder: str, relatives: Iterable[str]) -> None:
        base = self.root / folder
        for relative in relatives:
            (base / relative).unlink(missing_ok=True)
        for directory in sorted((p for p in base.rglob("*") if p.is_dir()), reverse=True):
            if not any(directory.iterdir()):
                directory.rmdir()
        if base.is_dir() and not any(base.iterdir()):
            base.rmdir()


class S3Target:
    """A bucket (and prefix) of S3 or an S3-compatible store (R2, MinIO, …), through boto3.

    Credentials, region and, unless `--endpoint-url` is given, the endpoint come from boto3's
    usual sources (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_DEFAULT_REGION`,
    `AWS_ENDPOINT_URL`, profiles).
    """

    def __init__(self, bucket: str, prefix: str, endpoint_url: str | None) -> None:
        self.bucket, self.prefix, self.endpoint_url = bucket, prefix, endpoint_url
        self._client: Any = None

    @property
    def address(self) -> str:
        where = f"{S3_SCHEME}{self.bucket}/{self.prefix}".rstrip("/")
        return f"{where} at {self.endpoint_url}" if self.endpoint_url else where

    @property
    def client(self) -> Any:
        if self._client is None:
            try:
                import boto3
            except ImportError:
                raise UsageError("publishing to S3 needs boto3: pip install "
                                 "'clientportal[s3]' (or boto3)") from None
            self._client = boto3.client("s3", endpoint_url=self.endpoint_url)
        return self._client

    @contextlib.contextmanager
    def _calling(self) -> Iterator[None]:
        """Turn boto3's errors (credentials, network, permissions) into one message."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except (BotoCoreError, ClientError) as error:
            raise PublishError(f"{self.address}: {error}") from None

    def _key(self, folder: str, relative: str = "") -> str:
        return "/".join(part for part in (self.prefix, folder, relative) if part)

    def holds_anything(self) -> bool:
        with self._calling():
            answer = self.client.list_objects_v2(Bucket=self.bucket, MaxKeys=1,
                                                 Prefix=f"{self.prefix}/" if self.prefix else "")
        return bool(answer.get("KeyCount"))

    def listing(self, folder: str) -> dict[str, str]:
        base = self._key(folder) + "/"
        found: dict[str, str] = {}
        with self._calling():
            for page in self.client.get_paginator("list_objects_v2").paginate(
                    Bucket=self.bucket, Prefix=base):
                for item in page.get("Contents", ()):
                    found[item["Key"][len(base):]] = item["ETag"].strip('"')
        return found

    def put(self, folder: str, relative: str, source: Path) -> None:
        with source.open("rb") as body, self._calling():
            self.client.put_object(Bucket=self.bucket, Key=self._key(folder, relative),
                                   Body=body, ContentType=content_type(relative))

    def delete(self, folder: str, relatives: Iterable[str]) -> None:
        keys = [{"Key": self._key(folder, relative)} for relative in sorted(relatives)]
        for start in range(0, len(keys), DELETE_BATCH):
            batch = keys[start:start + DELETE_BATCH]
            with self._calling():
                answer = self.client.delete_objects(Bucket=self.bucket,
                                                    Delete={"Objects": batch, "Quiet": True})
            if answer.get("Errors"):
                first = answer["Errors"][0]
                raise PublishError(f"{self.address}: could not delete {first['Key']}: "
                                 f"{first.get('Message', first.get('Code'))}")
