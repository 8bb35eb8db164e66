"""The offline writer: liner notes composed from the data, with no model and no network.

External contract: none. It is the default writer, and the one the others
fall back to in development. The composition itself lives in the pure domain
(``liner.domain.liner_notes``); this adapter only maps its errors onto the
Writer port's. Output always passes ``liner.domain.notes.check`` with the
snapshot's ``names_in``; it uses ``feedback`` (shorter text) and never returns
``previous`` again when anything else fits.
"""

from __future__ import annotations

from liner.domain.liner_notes import CompositionError, UnknownAlbum, compose
from liner.ports.writer import NoteRequest, WriterError, Written

__all__ = ["NothingToWrite", "OfflineWriter", "UnknownAlbumForCaption"]


class NothingToWrite(WriterError):
    """No text that passes the rules can be written from this data (yet)."""


class UnknownAlbumForCaption(WriterError):
    """A caption was asked for an album that is not among the person's top albums."""


class OfflineWriter:
    name = "offline"

    async def write(self, request: NoteRequest) -> Written:
        try:
            text = compose(
                request.kind,
                request.snapshot,
                request.display_name,
                album_id=request.album_id,
                seed=request.seed,
                feedback=request.feedback,
                previous=request.previous,
            )
        except UnknownAlbum as error:
            raise UnknownAlbumForCaption(str(error)) from error
        except CompositionError as error:
            raise NothingToWrite(str(error)) from error
        return Written(text=text, model=self.name)
