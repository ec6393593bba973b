"""The desk over a fresh working folder, and Starlette's test client in front of it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from govxl.desk.app import create_app
from govxl.desk.intake import Desk
from tests.desk.kit import open_desk


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    d = open_desk(tmp_path / "工作目录")
    yield d
    d.close()


@pytest.fixture
def client(desk: Desk) -> Iterator[TestClient]:
    with TestClient(create_app(desk), base_url="http://127.0.0.1:8765") as c:
        yield c
