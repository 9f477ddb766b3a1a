"""Running as a service: sd_notify, the control socket, reload and clock sanity."""
