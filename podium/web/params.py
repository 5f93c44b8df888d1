"""Bounded types for path and query parameters, so no number or string reaches the database unchecked."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

MAX_ID = 2**31 - 1

ObjectId = Annotated[int, Path(ge=1, le=MAX_ID, description="A positive id")]
PageNo = Annotated[int, Query(ge=1, le=1_000_000)]
PerPage = Annotated[int, Query(ge=1, le=50)]
ShortText = Annotated[str, Query(max_length=200)]
IdList = Annotated[str, Query(max_length=100, pattern=r"^[0-9 ,]*$", description="entry ids, comma-separated")]
TaskKey = Annotated[str, Path(max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")]
