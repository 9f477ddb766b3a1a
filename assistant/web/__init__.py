"""The small web page the daemon serves: a thin client of the daemon's request handler."""
