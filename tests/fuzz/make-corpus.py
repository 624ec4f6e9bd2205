#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz harnesses into tests/fuzz/corpus/<harness>/.

fuzz_connection: every request of the conformance cases (tests/conformance/cases), as
  the bytes the conformance runner sends, behind the harness's 2-byte header (flags, no
  cuts); a `pipeline`/`conn=` group of requests becomes one stream.
fuzz_conf: the conf files of tests/conf/cases and the conformance cases' confs, wrapped
  as tests/conformance/README.md describes.
fuzz_tracefile: one line per event kind and yield reason (engine/trace/probes.h), and a
  few whole traces.

Deterministic: re-running it rewrites the same files (named by content hash)."""

import hashlib
import pathlib
import re
import shutil

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests/fuzz/corpus"


def write(harness, data):
    folder = OUT / harness
    folder.mkdir(parents=True, exist_ok=True)
    (folder / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


def sections(text):
    """[(kind, args, lines)] of a case file."""
    result = []
    for line in text.split("\n"):
        if line.startswith("=== "):
            head = line[4:].split(" ", 1)
            result.append((head[0], head[1] if len(head) > 1 else "", []))
        elif result:
            result[-1][2].append("===" + line[4:] if line.startswith("\\===") else line)
    for _, _, lines in result:
        while lines and lines[-1] == "":
            lines.pop()
    return result


def unescape(line):
    def repeat(m):
        return m.group(2) * int(m.group(1))
    line = re.sub(r"\{\{(\d+)\*(.*?)\}\}", repeat, line)
    out = bytearray()
    i = 0
    simple = {"r": b"\r", "n": b"\n", "t": b"\t", "0": b"\0", "\\": b"\\", "{": b"{"}
    while i < len(line):
        c = line[i]
        if c == "\\" and i + 1 < len(line):
            n = line[i + 1]
            if n in simple:
                out += simple[n]
                i += 2
                continue
            if n == "x" and i + 3 < len(line) + 1:
                out.append(int(line[i + 2:i + 4], 16))
                i += 4
                continue
        out += c.encode()
        i += 1
    return bytes(out)


def request_bytes(args, lines):
    options = args.split()
    if "raw" in options:
        return b"".join(unescape(l) for l in lines)
    while lines and lines[0] == "":
        lines = lines[1:]
    if not lines:
        return b""
    if "" in lines:
        cut = lines.index("")
        head, body = lines[:cut], lines[cut + 1:]
    else:
        head, body = lines, []
    head = [unescape(l) for l in head]
    body = b"\r\n".join(unescape(l) for l in body)
    first = head[0].split(b" ")
    if len(first) == 2:
        names = [h.split(b":", 1)[0].strip().lower() for h in head[1:]]
        head[0] += b" HTTP/1.1"
        if b"host" not in names:
            head.append(b"Host: localhost")
        if b"connection" not in names and not any(o.startswith("conn=") for o in options):
            head.append(b"Connection: close")
        if body and b"content-length" not in names and b"transfer-encoding" not in names:
            head.append(b"Content-Length: " + str(len(body)).encode())
    return b"\r\n".join(head) + b"\r\n\r\n" + body


def conformance():
    confs, streams = [], []
    for path in sorted((ROOT / "tests/conformance/cases").rglob("*.case")):
        parts = sections(path.read_text(errors="replace"))
        main = http = server = ""
        groups = {}
        pending = b""
        for kind, args, lines in parts:
            text = "\n".join(lines)
            if kind == "main":
                main = text
            elif kind == "http":
                http = text
            elif kind == "server":
                server = text
            elif kind == "request":
                data = pending + request_bytes(args, lines)
                pending = b""
                if "pipeline" in args.split():
                    pending = data
                    continue
                conn = next((o[5:] for o in args.split() if o.startswith("conn=")), None)
                if conn:
                    groups[conn] = groups.get(conn, b"") + data
                streams.append(data)
        streams.extend(groups.values())
        conf = "daemon off;\nmaster_process off;\n%s\nevents { worker_connections 1024; }\n" \
               "http {\n    access_log off;\n%s\n" % (main, http)
        if server or not http:
            conf += "    server {\n        listen 127.0.0.1:8080;\n%s\n    }\n" % server
        conf += "}\n"
        confs.append(conf.replace("@PORT@", "8080").replace("@PREFIX@", "/tmp/p").encode())
    return confs, streams


def conf_cases():
    confs = []
    for path in sorted((ROOT / "tests/conf/cases").glob("*.case")):
        for kind, args, lines in sections(path.read_text(errors="replace")):
            if kind == "file" and args.split()[0].endswith(".conf"):
                confs.append(("\n".join(lines) + "\n").encode())
    return confs


def trace_seeds():
    probes = (ROOT / "engine/trace/probes.h").read_text()
    kinds = re.findall(r'X\(\w+, "([^"]+)"\)', probes)
    lines = []
    for seq, kind in enumerate(kinds, 1):
        lines.append('{"seq":%d,"t":%d,"kind":"%s","request":3,"vm":1,"co":7,"parent":5,'
                     '"reason":"sleep","value":%d,"text":"GET /a\\"b\\\\c\\u00e9"}'
                     % (seq, 5100586147439 + seq * 1000, kind, seq))
    seeds = [l.encode() + b"\n" for l in lines]
    seeds.append(("\n".join(lines) + "\n").encode())
    seeds.append(b'{"seq":1,"t":0,"kind":"resume"}\n\n{"seq":2,"t":-5,"kind":"yield",'
                 b'"co":1,"reason":"thread wait","value":-1}\n')
    return seeds


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    confs, streams = conformance()
    for data in streams:
        write("fuzz_connection", b"\x00\x00" + data)
    for data in confs + conf_cases():
        write("fuzz_conf", data)
    for data in trace_seeds():
        write("fuzz_tracefile", data)
    for harness in sorted(p.name for p in OUT.iterdir()):
        print(harness, len(list((OUT / harness).iterdir())), "seeds")


if __name__ == "__main__":
    main()
