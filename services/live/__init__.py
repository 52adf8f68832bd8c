"""Live status: websocket channels (public board, officer queue, an enterprise's vehicles) and
the public board as JSON for those who poll."""

from litestar import Router

from services.live.endpoints import (
    board_socket,
    enterprise_socket,
    get_board,
    officer_socket,
)

realtime_router = Router(
    path="/", route_handlers=[get_board, board_socket, officer_socket, enterprise_socket]
)

__all__ = ["realtime_router"]
