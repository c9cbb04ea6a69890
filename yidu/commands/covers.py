"""`yidu covers`: cover images libraries and feeds supply (api.coverstore; served at /covers/ISBN.jpg).

  yidu covers add ISBN FILE [--source TEXT]    store (or replace) a JPEG or PNG cover
  yidu covers remove ISBN                      back to the generated cover
"""
from __future__ import annotations

import argparse
from pathlib import Path

from api.coverstore import CoverError, CoverStore
from yidu import identifiers


def register(subparsers) -> None:
    group = subparsers.add_parser("covers", help="book covers supplied by libraries and feeds")
    group.set_defaults(func=_help(group))
    sub = group.add_subparsers(dest="covers_command", metavar="ACTION")

    add = sub.add_parser("add", help="store a JPEG or PNG cover for an ISBN (replacing any earlier one)")
    add.add_argument("isbn", metavar="ISBN", help="ISBN-10 or -13, hyphens allowed")
    add.add_argument("file", metavar="FILE")
    add.add_argument("--source", default="cli", help="who supplied it (kept with the image)")
    add.set_defaults(func=cmd_add)

    remove = sub.add_parser("remove", help="delete a stored cover (the generated one is served again)")
    remove.add_argument("isbn", metavar="ISBN")
    remove.set_defaults(func=cmd_remove)


def _help(parser: argparse.ArgumentParser):
    def show(args, settings) -> int:
        parser.print_help()
        return 2
    return show


def _isbn(value: str) -> str:
    found = identifiers.isbn13(value)
    if found is None:
        raise CoverError(f"{value!r} is not a valid ISBN-10 or ISBN-13")
    return found


def cmd_add(args, settings) -> int:
    isbn = _isbn(args.isbn)
    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        raise CoverError(f"cannot read {args.file}: {exc.strerror or exc}", ref=args.file) from None
    store = CoverStore.for_settings(settings)
    try:
        cover = store.put(isbn, data, source=args.source)
    finally:
        store.close()
    print(f"stored the cover of {isbn}: {cover.media}, {cover.width}x{cover.height}, {len(cover.data)} bytes "
          f"(/covers/{isbn}.{cover.extension})")
    return 0


def cmd_remove(args, settings) -> int:
    isbn = _isbn(args.isbn)
    store = CoverStore.for_settings(settings)
    try:
        removed = store.remove(isbn)
    finally:
        store.close()
    print(f"removed the cover of {isbn}" if removed else f"no stored cover for {isbn}")
    return 0
