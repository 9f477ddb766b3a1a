"""[service]: running under systemd: control socket, watchdog, clock sanity."""

from __future__ import annotations

from pydantic import Field

from assistant.section import Section


class ServiceSection(Section):
    """[service]: the control socket, the watchdog and how the daemon treats the clock."""

    # Listen on a Unix socket in the runtime dir for `assistant trigger/status/say/reload`.
    control_socket: bool = True
    # A control request larger than this is refused with an error.
    max_request_bytes: int = Field(65536, ge=1024, le=1048576)
    # True: the clock is always right (a real-time clock, or a host that keeps the time);
    # false: ask timesyncd/the kernel whether NTP has set it.
    trust_clock: bool = False
    # Hold scheduled runs at most this long after start while the clock is not synchronised.
    sync_wait_s: float = Field(600.0, ge=0, le=86400)
    # A gap this large between wall-clock and monotonic time counts as a clock jump.
    clock_jump_s: float = Field(30.0, ge=1, le=3600)
    # A job whose run time passed this long ago without running stops the watchdog pings.
    overdue_s: float = Field(60.0, ge=5, le=3600)
    # Precompute (skills that opt in): start preparing a scheduled run this much earlier
    # than the slowest recent runs took (their 90th percentile), and this long ahead when
    # there is no history yet; a prepared reply older than precompute_fresh_s is made again.
    precompute_margin_s: float = Field(30.0, ge=0, le=3600)
    precompute_default_s: float = Field(180.0, ge=1, le=3600)
    precompute_fresh_s: float = Field(900.0, ge=10, le=86400)
    # Admission: a heavy job (indexing) waits while MemAvailable is below admission_min_mem_mb,
    # the SoC is at admission_max_temp_c or above or throttled, or a briefing is being
    # prepared or spoken; after admission_wait_s it goes ahead anyway.
    admission_min_mem_mb: float = Field(200.0, ge=0, le=1048576)
    admission_max_temp_c: float = Field(80.0, ge=30, le=120)
    admission_wait_s: float = Field(600.0, ge=0, le=86400)
