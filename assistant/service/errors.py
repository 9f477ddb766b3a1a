"""Errors of the service area: talking to the daemon over its control socket."""

from __future__ import annotations

from assistant.errors import AssistantError


class ServiceError(AssistantError):
    """Something about running as a service failed (socket, install, notify)."""


class DaemonUnavailableError(ServiceError):
    """No daemon answers on the control socket."""


class ControlError(ServiceError):
    """The daemon answered a control request with an error, or not in our protocol."""


class DaemonRunningError(ServiceError):
    """Another daemon already answers on the control socket."""
