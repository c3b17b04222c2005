"""Many writers at once, across the server's Gunicorn workers: nothing lost, no 5xx, one winner."""

import threading
from concurrent.futures import ThreadPoolExecutor

from contract_tests.helpers import assert_error

CREATES = 200
THREADS = 8
RACERS = 16


def test_200_creates_from_8_threads_are_all_stored(api, unique_name):
    names = [f"{unique_name}-{number:03}" for number in range(CREATES)]
    with ThreadPoolExecutor(THREADS) as pool:
        responses = list(
            pool.map(lambda name: api.request("POST", "/api/items", payload={"name": name}), names)
        )
    assert [response.status_code for response in responses] == [201] * CREATES
    stored = []
    for offset in range(0, CREATES, 100):
        page = api.get("/api/items", params={"q": unique_name, "limit": 100, "offset": offset})
        assert page.json()["count"] == CREATES
        stored += [item["name"] for item in page.json()["items"]]
    assert sorted(stored) == names


def test_16_simultaneous_creates_of_one_name_give_one_201_and_fifteen_409(api, unique_name):
    barrier = threading.Barrier(RACERS)

    def create(_):
        barrier.wait()
        return api.request("POST", "/api/items", payload={"name": unique_name})

    with ThreadPoolExecutor(RACERS) as pool:
        responses = list(pool.map(create, range(RACERS)))
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * (RACERS - 1)
    for response in responses:
        if response.status_code == 409:
            assert_error(response, 409, "conflict", {"name"})
    assert api.count(unique_name) == 1
