"""Driving a direct upload as the page's JavaScript does: start, sign each
part, PUT its bytes where the signed URL says, finish, read the status."""

import json
from urllib.parse import urlsplit

import requests


def post_json(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def start(client, album, name, size, content_type="image/jpeg", **extra):
    return post_json(
        client,
        f"/a/{album.code}/uploads/",
        {"name": name, "size": size, "type": content_type, **extra},
    )


def put_part(client, signed, data):
    """Send one part where the signed URL says: through the test client for
    the local storage's endpoint, over HTTP (requests) for S3."""
    url = signed["url"]
    if url.startswith("/"):
        parts = urlsplit(url)
        return client.generic(
            "PUT",
            parts.path + "?" + parts.query,
            data,
            content_type=signed["headers"].get("Content-Type", ""),
        )
    return requests.put(url, data=data, headers=signed["headers"], timeout=30)


def send(client, album, name, data, content_type="image/jpeg", parts_data=None):
    """Start, sign and send every part of `data`, finish; returns the finish
    response and the start answer."""
    started = start(client, album, name, len(data), content_type).json()
    part_size = started["part_size"]
    for number in range(1, started["parts"] + 1):
        signed = post_json(client, started["sign_url"], {"part": number}).json()
        chunk = data[(number - 1) * part_size : number * part_size]
        put_part(client, signed, chunk)
    finished = client.post(started["finish_url"])
    return finished, started
