"""A real uvicorn server on 127.0.0.1 in a thread, for any FastAPI app (real HTTP)."""

from __future__ import annotations

import threading
import time
from typing import Literal

import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine

from tests.support.databases import free_port

__all__ = ["ServerThread"]


class ServerThread:
    """A uvicorn server on 127.0.0.1 in a thread, started on creation."""

    def __init__(self, app: FastAPI, lifespan: Literal["on", "off"] = "off") -> None:
        """``lifespan="on"`` runs the app's start-up and shutdown (``off`` by default)."""
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan=lifespan
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("test server did not start")
            time.sleep(0.02)

    @property
    def engine(self) -> Engine:
        """The app's database engine."""
        engine: Engine = self.app.state.engine
        return engine

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        self.server.should_exit = True
        self.thread.join(timeout=10)
