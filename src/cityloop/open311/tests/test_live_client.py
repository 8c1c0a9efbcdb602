"""The real Open311 client from PyPI (`georeport`, which speaks through `requests`) against a live server.

POST has no method in that client, so it goes as the spec describes it: a plain form-encoded UTF-8 body
(httpx), after which the client reads the new request back, in JSON and in XML.
"""

import datetime as dt
import re
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from cityloop.core import clock
from cityloop.tickets.models import Ticket

georeport = pytest.importorskip("georeport", reason="pip install georeport==0.3.1 (the PyPI Open311 client)")

W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")


def as_list(value: Any) -> list[Any]:
    """xmltodict gives a dict for one element and a list for several."""
    return value if isinstance(value, list) else [value]


@pytest.mark.django_db(transaction=True)
def test_georeport_client_against_live_server(world: Any, live_server: Any, api_key: str,
                                              attributes: Any) -> None:
    root = f"{live_server.url}/open311/v2"
    body = urlencode({"api_key": api_key, "service_code": "0101", "lat": "30.605", "long": "114.305",
                      "address_string": "临江市望江路8号", "description": "垃圾桶满溢，气味很大",
                      "attribute[where]": "东门", "attribute[kind]": "household",
                      "attribute[smells][]": ["sour", "rotten"], "first_name": "三", "last_name": "张",
                      "phone": "13800001111", "email": "zs@example.org", "device_id": "dev-1"}, doseq=True)
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    response = httpx.post(f"{root}/requests.json", content=body.encode("utf-8"), headers=headers)
    assert response.status_code == 201, response.text
    [answer] = response.json()
    number = answer["service_request_id"]
    assert Ticket.objects.get(number=number).channel == "open311"
    retried = httpx.post(f"{root}/requests.json", content=body.encode("utf-8"), headers=headers)
    assert retried.json()[0]["service_request_id"] == number
    assert Ticket.objects.count() == 1

    missing_key = httpx.post(f"{root}/requests.xml", content=body.replace(api_key, "").encode(), headers=headers)
    assert missing_key.status_code == 403
    assert b"<errors><error><code>403</code>" in missing_key.content

    start = (clock.now() - dt.timedelta(days=1)).astimezone(dt.timezone(dt.timedelta(hours=8))).replace(
        microsecond=0).isoformat()
    for fmt in ("json", "xml"):
        client = georeport.GeoReport(root, api_key=api_key, output_format=fmt)
        services = as_list(client.get_service_list())
        assert [(s["service_code"], s["service_name"], s["group"]) for s in services] == [("0101", "市容环卫",
                                                                                            "城乡建设")]
        assert str(services[0]["metadata"]).lower() == "true"
        definition = client.get_service_definition("0101")
        attributes_ = as_list(definition["attributes"] if fmt == "json" else definition["attributes"]["attribute"])
        assert [a["code"] for a in attributes_] == ["where", "count", "seen_at", "details", "kind", "smells"]
        assert [a["datatype"] for a in attributes_] == ["string", "number", "datetime", "text", "singlevaluelist",
                                                        "multivaluelist"]

        request = client.get_service_request(number)
        assert request["service_request_id"] == number
        assert request["status"] == "open"
        assert request["service_code"] == "0101"
        assert request["address"] == "临江市望江路8号"
        assert request["description"].startswith("垃圾桶满溢，气味很大")
        assert float(request["lat"]) == 30.605
        assert W3C.match(request["requested_datetime"])
        assert W3C.match(request["updated_datetime"])
        for personal in ("张三", "13800001111", "zs@example.org"):
            assert personal not in str(request)

        found = as_list(client.get_service_requests(service_code="0101", start_date=start, status="open"))
        assert [r["service_request_id"] for r in found] == [number]
        by_id = as_list(client.get_service_requests(service_request_id=number))
        assert [r["service_request_id"] for r in by_id] == [number]

    with pytest.raises(Exception, match="404"):
        georeport.GeoReport(root).get_service_definition("9999")
    too_long = httpx.get(f"{root}/requests.json", params={"start_date": "2026-01-01T00:00:00Z",
                                                          "end_date": "2026-06-01T00:00:00Z"})
    assert too_long.status_code == 400
    assert too_long.json()[0]["code"] == 400
