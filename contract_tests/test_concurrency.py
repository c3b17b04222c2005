"""Many writers at once, across the server's Gunicorn workers: nothing lost, no 5xx, one winner."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from contract_tests.helpers import assert_error, expected
from twin_servers.client import ITEM_PATH

CREATES = 200
THREADS = 8
RACERS = 16
ROUNDS = 4
# One item's writers, all at once: updates racing each other and the deletes that end it.
WRITES = ["PUT", "PATCH"] * 7 + ["DELETE"] * 2
# What each may answer, whoever wins: never a 5xx (SQLite's "database is locked" included).
ANSWERS = {"PUT": {200, 404}, "PATCH": {200, 404}, "DELETE": {204, 404}}


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


# Several rounds, a fresh item each: the race is a different one every time.
@pytest.mark.parametrize("round_number", range(ROUNDS))
def test_simultaneous_puts_patches_and_deletes_of_one_item_answer_no_5xx(
    api, unique_name, round_number
):
    path = ITEM_PATH.format(id=api.create(name=unique_name)["id"])
    barrier = threading.Barrier(len(WRITES))

    def write(numbered):
        number, method = numbered
        payload = {"PUT": {"name": unique_name, "quantity": number}, "PATCH": {"quantity": number}}
        barrier.wait()
        return method, api.request(method, path, payload=payload.get(method)).status_code

    with ThreadPoolExecutor(len(WRITES)) as pool:
        answers = list(pool.map(write, enumerate(WRITES)))
    unexpected = [(method, status) for method, status in answers if status not in ANSWERS[method]]
    assert not unexpected, expected("answers", ANSWERS, unexpected)
    deleted = sorted(status for method, status in answers if method == "DELETE")
    assert deleted == [204, 404], expected("the DELETEs' answers", [204, 404], deleted)
