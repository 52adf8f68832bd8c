"""Publishing domain events after commit: in memory in one process, through Redis across many."""

from gate.bus.events import EventBus, InMemoryEventBus, RedisEventBus, create_event_bus

__all__ = ["EventBus", "InMemoryEventBus", "RedisEventBus", "create_event_bus"]
