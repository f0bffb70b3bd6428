"""Where `portal publish` puts portals: a local folder, or an S3-compatible bucket.

A target holds portal folders side by side (`<target>/<folder>/<file>`). It lists every
folder with an MD5 of each file (S3's ETag of a single-part upload is exactly that), reads a
file (a folder's marker), puts a file with its Content-Type and Cache-Control, and deletes
files: all `portal publish` needs to upload only what changed and to remove the portal
folders of its project that are no longer built. Every failure of the target is a
PublishError naming it: a message and exit 1, never a traceback.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

import click

from generator.errors import UsageError
from generator.sink import is_temporary, write_atomically
from generator.web.headers import cache_control
from generator.web.mediatypes import content_type

S3_SCHEME = "s3://"
DELETE_BATCH = 1000  # S3's DeleteObjects takes at most 1000 keys
Content = bytes | Path  # what is put: bytes made now, or a built file


class PublishError(click.ClickException):
    """The target refused or could not be reached; a rerun finishes the job (exit 1)."""

    exit_code = 1


class Target(Protocol):
    """A place portals are published to."""

    @property
    def address(self) -> str:
        """The target as the user gave it, normalised, for messages."""

    def inventory(self) -> dict[str, dict[str, str]]:
        """Every folder at the target: its files, relative to it, with their MD5 in hex."""

    def read(self, folder: str, relative: str) -> bytes | None:
        """One file of a folder (a marker), or None if it is not there."""

    def put(self, folder: str, relative: str, content: Content) -> None:
        """Upload one file of a portal."""

    def delete(self, folder: str, relatives: Iterable[str]) -> None:
        """Delete these files of a folder, in this order (and the folder, once empty)."""


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

    @contextlib.contextmanager
    def _calling(self, path: Path) -> Iterator[None]:
        """Turn the file system's refusals (permissions, a full disk, a file where a folder
        should be) into one message naming the path."""
        try:
            yield
        except OSError as error:
            reason = error.strerror or str(error)
            if isinstance(error, (NotADirectoryError, FileExistsError)):
                reason = "a file is where a folder should be; move it away"
            raise PublishError(f"{path}: {reason}") from None

    def inventory(self) -> dict[str, dict[str, str]]:
        with self._calling(self.root):
            if not self.root.exists():
                return {}
            if not self.root.is_dir():
                raise NotADirectoryError(self.root)
            folders = sorted(e.name for e in os.scandir(self.root)  # ".": never a portal
                             if e.is_dir(follow_symlinks=False) and not e.name.startswith("."))
            return {folder: self._listing(self.root / folder) for folder in folders}

    @staticmethod
    def _listing(base: Path) -> dict[str, str]:
        return {p.relative_to(base).as_posix(): md5_of(p) for p in sorted(base.rglob("*"))
                if p.is_file() and not p.is_symlink() and not is_temporary(p.name)}

    def read(self, folder: str, relative: str) -> bytes | None:
        path = self.root / folder / relative
        with self._calling(path):
            return path.read_bytes() if path.is_file() else None

    def put(self, folder: str, relative: str, content: Content) -> None:
        """Copy the file in atomically: readers see the old file or the new, never half."""
        self.put_file(self.root / folder / relative, content)

    def put_file(self, target: Path, content: Content) -> None:
        """Write one file below the root atomically (a portal's, or the nginx file)."""
        with self._calling(target):
            write_atomically(target, content)

    def delete(self, folder: str, relatives: Iterable[str]) -> None:
        base = self.root / folder
        with self._calling(base):
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
        """The bucket and prefix, and the endpoint however it was given (option or
        AWS_ENDPOINT_URL): the same bucket is named the same."""
        where = f"{S3_SCHEME}{self.bucket}/{self.prefix}".rstrip("/")
        endpoint = self.endpoint_url or os.environ.get("AWS_ENDPOINT_URL")
        return f"{where} at {endpoint.rstrip('/')}" if endpoint else where

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
    def _calling(self, what: str = "") -> Iterator[None]:
        """Turn boto3's errors (credentials, network, permissions) into one message."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except (BotoCoreError, ClientError) as error:
            raise PublishError(f"{self.address}{what}: {error}") from None

    def _key(self, folder: str, relative: str = "") -> str:
        return "/".join(part for part in (self.prefix, folder, relative) if part)

    def inventory(self) -> dict[str, dict[str, str]]:
        base = f"{self.prefix}/" if self.prefix else ""
        found: dict[str, dict[str, str]] = {}
        with self._calling():
            for page in self.client.get_paginator("list_objects_v2").paginate(
                    Bucket=self.bucket, Prefix=base):
                for item in page.get("Contents", ()):
                    folder, slash, relative = item["Key"][len(base):].partition("/")
                    if slash and folder and relative:
                        found.setdefault(folder, {})[relative] = item["ETag"].strip('"')
        return found

    def read(self, folder: str, relative: str) -> bytes | None:
        from botocore.exceptions import ClientError

        key = self._key(folder, relative)
        with self._calling(f" ({key})"):
            try:
                answer = self.client.get_object(Bucket=self.bucket, Key=key)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                    return None
                raise
            return bytes(answer["Body"].read())

    def put(self, folder: str, relative: str, content: Content) -> None:
        key = self._key(folder, relative)
        with contextlib.ExitStack() as stack:
            body = (stack.enter_context(content.open("rb")) if isinstance(content, Path)
                    else content)
            stack.enter_context(self._calling(f" ({key})"))
            self.client.put_object(Bucket=self.bucket, Key=key, Body=body,
                                   ContentType=content_type(relative),
                                   CacheControl=cache_control(relative))

    def delete(self, folder: str, relatives: Iterable[str]) -> None:
        keys = [{"Key": self._key(folder, relative)} for relative in relatives]
        for start in range(0, len(keys), DELETE_BATCH):
            batch = keys[start:start + DELETE_BATCH]
            with self._calling():
                answer = self.client.delete_objects(Bucket=self.bucket,
                                                    Delete={"Objects": batch, "Quiet": True})
            if answer.get("Errors"):
                first = answer["Errors"][0]
                raise PublishError(f"{self.address}: could not delete {first['Key']}: "
                                   f"{first.get('Message', first.get('Code'))}")
