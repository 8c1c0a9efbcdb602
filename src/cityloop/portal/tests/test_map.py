"""The public map: anonymised counts at grid centroids, no personal data, bounded queries."""

import datetime as dt
import json
from typing import Any

from cityloop.conftest import World
from cityloop.core import clock
from cityloop.portal.tests.helpers import english
from cityloop.tickets.tests.flows import drive, new_ticket


def test_map_data_is_anonymised_and_snapped(world: World, django_assert_max_num_queries: Any) -> None:
    drive(world, new_ticket(world, latitude=30.6012, longitude=114.3087, citizen_email="wang@example.org",
                            address="望江路3号"), "closed")
    new_ticket(world, latitude=30.6093, longitude=114.3011)
    new_ticket(world, latitude=30.603, longitude=114.322, category_id=None, title="井盖缺失",
               description="路口井盖丢了。")  # the other grid (by its point), unclassified
    new_ticket(world, latitude=None, longitude=None)  # no point: not on the map
    with clock.frozen_at(clock.now() - dt.timedelta(days=91)):
        new_ticket(world, title="很久以前")
    invalid = new_ticket(world)
    drive(world, invalid, "invalid")
    client = english()  # the endpoint is public
    with django_assert_max_num_queries(3):  # the counts, the category names, the grid boundaries
        response = client.get("/portal/map/data.json")
    assert response.status_code == 200
    data = response.json()
    features = [(f["geometry"]["coordinates"], f["properties"]) for f in data["features"]]
    assert features == [
        ([114.305, 30.605], {"grid": world.grid.pk, "category": "城乡建设", "status": "closed", "count": 1}),
        ([114.305, 30.605], {"grid": world.grid.pk, "category": "城乡建设", "status": "open", "count": 1}),
        ([114.325, 30.605], {"grid": world.other_grid.pk, "category": "Not yet classified", "status": "open",
                             "count": 1}),
    ]
    text = json.dumps(data, ensure_ascii=False)
    for personal in ("王先生", "13812345678", "wang@example.org", "望江路3号", "小区门口垃圾堆积", "30.6012",
                     "114.3087", "很久以前", "number"):
        assert personal not in text


def test_map_page_and_grids_work_without_a_sign_in(world: World) -> None:
    new_ticket(world)
    anonymous = english()
    page = anonymous.get("/portal/map/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/portal/map/data.json" in html
    assert "/static/vendor/leaflet/leaflet.js" in html
    assert "城乡建设" in html  # the table beside the map
    grids = anonymous.get("/portal/map/grids.json").json()
    assert [f["properties"]["name"] for f in grids["features"]] == ["望江一网格", "江岸一网格"]
    assert set(grids["features"][0]) == {"type", "id", "properties", "geometry"}
