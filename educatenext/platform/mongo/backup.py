"""`flask backup` / `flask restore`: every collection (documents and indexes) in one archive
encrypted with AES-256-GCM; the restore checks integrity before writing anything.

Archive: MAGIC | nonce (12 bytes) | AES-256-GCM(zlib(manifest length | manifest JSON | BSON
documents)). The GCM tag authenticates everything; the manifest carries per-collection counts
and SHA-256 checksums of the BSON, which the restore verifies again before its first write.
"""

import base64
import hashlib
import json
import os
import struct
import zlib
from pathlib import Path

import bson
import click
from bson import json_util
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from flask.cli import with_appcontext

from educatenext.extensions import mongo
from educatenext.platform.values import utcnow

MAGIC = b"ENBAK\x00\x01\n"
NONCE_BYTES = 12


def load_key(key_file=None):
    """The 32-byte key from --key-file or BACKUP_KEY (base64); never a default."""
    if key_file:
        raw = Path(key_file).read_bytes().strip()
    else:
        raw = (current_app.config.get("BACKUP_KEY") or "").encode()
    if not raw:
        raise click.ClickException(
            "No backup key: set BACKUP_KEY (base64 of 32 bytes) or pass --key-file."
        )
    key = raw if len(raw) == 32 else base64.b64decode(raw, validate=True)
    if len(key) != 32:
        raise click.ClickException("The backup key must be 32 bytes (AES-256).")
    return key


def dump(db, progress=None):
    """(manifest, BSON payload) for every collection of the database."""
    manifest = {"createdAt": utcnow().isoformat(), "database": db.name, "collections": {}}
    chunks = []
    names = sorted(n for n in db.list_collection_names() if not n.startswith("system."))
    for name in progress(names) if progress else names:
        documents = b"".join(bson.encode(doc) for doc in db[name].find({}, sort=[("_id", 1)]))
        indexes = [
            {"name": index_name, **spec}
            for index_name, spec in db[name].index_information().items()
            if index_name != "_id_"
        ]
        manifest["collections"][name] = {
            "count": db[name].count_documents({}),
            "bytes": len(documents),
            "sha256": hashlib.sha256(documents).hexdigest(),
            "indexes": json.loads(json_util.dumps(indexes)),
        }
        chunks.append(documents)
    return manifest, b"".join(chunks)


def seal(manifest, payload, key):
    """Compress and encrypt; returns the archive bytes."""
    header = json.dumps(manifest, sort_keys=True).encode()
    plaintext = zlib.compress(struct.pack(">I", len(header)) + header + payload, 6)
    nonce = os.urandom(NONCE_BYTES)
    return MAGIC + nonce + AESGCM(key).encrypt(nonce, plaintext, MAGIC)


def unseal(archive, key):
    """(manifest, payload) after authenticating the archive; refuses anything tampered."""
    if not archive.startswith(MAGIC):
        raise click.ClickException("Not an EducateNext backup archive.")
    nonce = archive[len(MAGIC) : len(MAGIC) + NONCE_BYTES]
    try:
        plaintext = zlib.decompress(
            AESGCM(key).decrypt(nonce, archive[len(MAGIC) + NONCE_BYTES :], MAGIC)
        )
    except InvalidTag:
        raise click.ClickException(
            "Integrity check failed: wrong key or a damaged archive."
        ) from None
    (length,) = struct.unpack(">I", plaintext[:4])
    manifest = json.loads(plaintext[4 : 4 + length])
    return manifest, plaintext[4 + length :]


def split_collections(manifest, payload):
    """{name: [documents]} after checking every collection's size, checksum and count."""
    offset, result = 0, {}
    for name in sorted(manifest["collections"]):
        entry = manifest["collections"][name]
        chunk = payload[offset : offset + entry["bytes"]]
        offset += entry["bytes"]
        if hashlib.sha256(chunk).hexdigest() != entry["sha256"]:
            raise click.ClickException(f"Checksum mismatch in {name}.")
        documents = bson.decode_all(chunk)
        if len(documents) != entry["count"]:
            raise click.ClickException(f"Count mismatch in {name}.")
        result[name] = documents
    return result


# Run after every restore, in order: work the archive cannot hold (replaying erasures made
# after the backup was taken). Each hook(echo) answers a line to print.
_AFTER_RESTORE = []


def after_restore(hook):
    """Add a step every restore runs once the documents are back (once per hook)."""
    if hook not in _AFTER_RESTORE:
        _AFTER_RESTORE.append(hook)


def restore_into(db, manifest, collections, progress=None):
    """Write documents and indexes into an empty database."""
    if any(db[name].estimated_document_count() for name in db.list_collection_names()):
        raise click.ClickException(
            f"Database {db.name} is not empty; restore only into an empty one."
        )
    names = sorted(collections)
    existing = set(db.list_collection_names())
    for name in progress(names) if progress else names:
        documents = collections[name]
        if name not in existing:
            db.create_collection(name)  # empty collections come back too
        for start in range(0, len(documents), 1000):
            db[name].insert_many(documents[start : start + 1000], ordered=True)
        for index in json_util.loads(json.dumps(manifest["collections"][name]["indexes"])):
            options = {k: v for k, v in index.items() if k not in ("key", "v", "ns", "name")}
            db[name].create_index(list(index["key"]), name=index["name"], **options)


def _progress(label):
    """A progress bar over collections that closes itself when iteration ends."""

    def iterate(items):
        with click.progressbar(items, label=label) as bar:
            yield from bar

    return iterate


@click.command("backup")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False))
@click.option("--key-file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def backup_command(out_path, key_file):
    """Write an encrypted backup of the whole database."""
    if key_file and Path(key_file).resolve().parent == Path(out_path).resolve().parent:
        raise click.ClickException("Keep the key file away from the archive (another directory).")
    key = load_key(key_file)
    manifest, payload = dump(mongo.db, progress=_progress("backing up"))
    Path(out_path).write_bytes(seal(manifest, payload, key))
    total = sum(entry["count"] for entry in manifest["collections"].values())
    click.echo(f"wrote {out_path}: {len(manifest['collections'])} collections, {total} documents")


@click.command("restore")
@click.argument("archive_path", type=click.Path(exists=True, dir_okay=False))
@click.option("--key-file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def restore_command(archive_path, key_file):
    """Verify an encrypted backup completely, then restore it into an empty database."""
    manifest, payload = unseal(Path(archive_path).read_bytes(), load_key(key_file))
    collections = split_collections(manifest, payload)
    restore_into(mongo.db, manifest, collections, progress=_progress("restoring"))
    total = sum(len(documents) for documents in collections.values())
    click.echo(f"restored {len(collections)} collections, {total} documents into {mongo.db.name}")
    for hook in _AFTER_RESTORE:
        click.echo(hook())
