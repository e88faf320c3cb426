# Run by fdock on a cluster's manager, in a short-lived container of the app's gunicorn image with
# the engine's socket (src/core/cluster/deploy/manager-save.ts): `docker save` of one image, read
# here from the engine's API, written to stdout without the archive entries named in FDOCK_SKIP
# (the layers the receiving nodes have). Only what the nodes lack then crosses the SSH link; each
# entry kept is passed byte for byte (headers included). At the end, one line of JSON on stderr:
# the entries left out, with their sizes, and manifest.json's text.
import http.client
import json
import os
import socket
import sys
import urllib.parse

BLOCK = 512


class EngineConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost")
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.unix_path)


def chunks_of(stream, n):
    """The next n bytes of the stream, a megabyte at most at a time."""
    while n > 0:
        chunk = stream.read(min(n, 1 << 20))
        if not chunk:
            raise EOFError("the archive ended inside an entry")
        yield chunk
        n -= len(chunk)


def read_exactly(stream, n):
    return b"".join(chunks_of(stream, n))


def size_of(header):
    field = header[124:136]
    if field[0] & 0x80:  # GNU base-256
        return int.from_bytes(field[1:], "big")
    text = field.split(b"\0", 1)[0].strip()
    return int(text, 8) if text else 0


def name_of(header):
    name = header[0:100].split(b"\0", 1)[0].decode()
    prefix = header[345:500].split(b"\0", 1)[0].decode() if header[257:262] == b"ustar" else ""
    return f"{prefix}/{name}" if prefix else name


def pax_path(data):
    for record in data.decode("utf-8", "replace").split("\n"):
        key, _, value = record.partition(" ")[2].partition("=")
        if key == "path":
            return value
    return None


def main():
    ref = os.environ["FDOCK_IMAGE"]
    skip = set(json.loads(os.environ["FDOCK_SKIP"]))
    engine = EngineConnection("/var/run/docker.sock")
    engine.request("GET", "/images/get?names=" + urllib.parse.quote(ref))
    saved = engine.getresponse()
    if saved.status != 200:
        sys.stderr.write(f"docker save {ref}: {saved.status} {saved.read().decode(errors='replace').strip()}\n")
        return 2
    out = sys.stdout.buffer
    dropped, manifest, pending, pending_path = [], None, [], None
    while True:
        header = read_exactly(saved, BLOCK)
        if header == b"\0" * BLOCK:
            # The end of the archive: its zero blocks and whatever follows, as they are.
            out.write(header)
            out.write(saved.read())
            break
        if sum(header[:148]) + 8 * 32 + sum(header[156:]) != int(header[148:156].split(b"\0", 1)[0].strip() or b"0", 8):
            raise ValueError("a header's checksum does not match")
        kind = header[156:157].decode()
        size = size_of(header)
        padded = (size + BLOCK - 1) // BLOCK * BLOCK
        if kind in ("x", "L", "K"):
            # An extended header: it belongs to the next entry, which decides for both.
            data = read_exactly(saved, padded)
            if kind == "x":
                pending_path = pax_path(data[:size]) or pending_path
            elif kind == "L":
                pending_path = data[:size].split(b"\0", 1)[0].decode()
            pending += [header, data]
            continue
        name = pending_path or name_of(header)
        data_size = 0 if kind in ("1", "2", "3", "4", "5", "6") else size
        data_padded = (data_size + BLOCK - 1) // BLOCK * BLOCK
        if name in skip:
            dropped.append([name, data_size])
            for _ in chunks_of(saved, data_padded):
                pass
        else:
            out.write(b"".join(pending))
            out.write(header)
            if name == "manifest.json":
                data = read_exactly(saved, data_padded)
                manifest = data[:data_size].decode()
                out.write(data)
            else:
                for chunk in chunks_of(saved, data_padded):
                    out.write(chunk)
        pending, pending_path = [], None
    out.flush()
    sys.stderr.write(json.dumps({"dropped": dropped, "manifest": manifest}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
