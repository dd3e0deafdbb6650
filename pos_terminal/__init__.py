"""A reference offline POS terminal for Zargar's sync protocol v1.

Library:  Terminal(db_path, server_url, shop_host) -> enroll / status / pull /
          sell / push / sync; Store for the local SQLite queue and catalogue;
          price_line for offline pricing from pulled rows.
CLI:      python -m pos_terminal --help
"""
__version__ = "1.0.0"

from pos_terminal.errors import (  # noqa: E402
    AlreadyEnrolled,
    AuthenticationFailed,
    CatalogueError,
    DeviceRevoked,
    EnrollmentFailed,
    EnvelopeError,
    NotEnrolled,
    ServerError,
    ServerUnavailable,
    TerminalError,
)
from pos_terminal.pricing import LinePrice, price_line, sale_total  # noqa: E402
from pos_terminal.store import Operation, Store  # noqa: E402
from pos_terminal.client import PullSummary, PushSummary, Sale, Terminal  # noqa: E402

__all__ = [
    "__version__", "Terminal", "Store", "Operation", "Sale", "PushSummary", "PullSummary", "LinePrice", "price_line",
    "sale_total", "TerminalError", "NotEnrolled", "AlreadyEnrolled", "CatalogueError", "ServerError", "EnrollmentFailed",
    "EnvelopeError", "AuthenticationFailed", "DeviceRevoked", "ServerUnavailable",
]
