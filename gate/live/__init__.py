"""Live status (trạng thái trực tuyến): projections of the database into boards and streams,
published with per-channel sequence numbers and fanned out to websocket viewers."""
