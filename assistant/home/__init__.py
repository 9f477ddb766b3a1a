"""Home Assistant over MQTT: a thin client of the daemon's request handler."""
