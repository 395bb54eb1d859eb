"""Structured logs: JSON lines carrying the request id, team and task id."""

import json
import logging

from config.logging import ContextFilter, JsonFormatter, clear_log_context, log_context


def _formatted(message: str) -> dict:
    record = logging.LogRecord("spendlane.test", logging.WARNING, __file__, 1, message, (), None)
    ContextFilter().filter(record)
    return json.loads(JsonFormatter().format(record))


def test_it_writes_one_json_object_with_the_context():
    log_context(request_id="abc123", team="pixels")
    try:
        line = _formatted("budget crossed")
    finally:
        clear_log_context()

    assert line["message"] == "budget crossed"
    assert line["level"] == "WARNING"
    assert (line["request_id"], line["team"]) == ("abc123", "pixels")
    assert line["time"].endswith("Z")


def test_it_gives_every_response_a_request_id(client, db):
    echoed = client.get("/healthz", HTTP_X_REQUEST_ID="from-the-proxy-1")
    fresh = client.get("/healthz")

    assert echoed["X-Request-ID"] == "from-the-proxy-1"
    assert len(fresh["X-Request-ID"]) == 32


def test_it_logs_each_request_with_its_id_and_status(client, db, caplog):
    with caplog.at_level(logging.INFO, logger="spendlane.request"):
        response = client.get("/healthz")

    (record,) = [r for r in caplog.records if r.name == "spendlane.request"]
    assert (record.method, record.path, record.status) == ("GET", "/healthz", 200)
    assert record.duration_ms >= 0
    assert response["X-Request-ID"]
