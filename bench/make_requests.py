#!/usr/bin/env python3
"""Pre-signed webhook requests for the ingest benchmark (stdlib only).

Writes COUNT complete HTTP/1.1 POST /webhook requests, dealt round-robin
into SHARDS files OUT.0 .. OUT.<SHARDS-1> (one per wrk thread), each request
as a record

    <length in bytes> LF <the raw request: request line, headers, body>

so that bench/webhook.lua can read one request at a time without parsing.
Each body is a Messenger text-message delivery as Meta sends it (one entry,
one messaging event, about 600 bytes), with its own message mid, so every
request is a new event for the server; the signature is HMAC-SHA256 of the
exact body bytes with the app secret (plus the legacy sha1 header and the
other headers Meta sends).

usage: make_requests.py --secret S --count N --out PREFIX [--shards N]
                        [--page-id ID] [--citizens N] [--seed N]
"""
import argparse
import base64
import hashlib
import hmac
import json
import random
import string
import sys
import time

# Danish citizen messages of the kind the municipality's page receives.
TEXTS = [
    "Hej, gadelyset på Solbjergvej ud for nr. 14 har været slukket i tre dage nu. "
    "Det er helt mørkt når børnene går i skole om morgenen, og bilerne kan ikke se dem. "
    "Masten har nummeret 2231 på et lille skilt. Kan I sende nogen ud at kigge på den?",
    "Der er et stort hul i vejen på Engvej lige ved busstoppestedet over for Netto, "
    "cyklisterne kører udenom ude på kørebanen og det går galt en dag. Hullet er vel "
    "en halv meter bredt og dybt nok til at man kan slå en fælg. Hvornår bliver det lavet?",
    "Hvornår bliver der saltet på cykelstien langs Skolevej? Den var spejlblank i "
    "morges og min datter faldt på vej til skole. Der er saltet på vejen men ikke på "
    "stien, og det er den de fleste børn bruger. Tak for svar på forhånd. Venlig hilsen",
    "Skraldespanden ved legepladsen i Kirkeparken er fuld og flyder over, der er "
    "krager og måger over det hele og affaldet blæser ud på plænen hvor de små leger. "
    "Den har ikke været tømt i over en uge. Kan den blive tømt inden weekenden? Mvh.",
    "Jeg vil gerne vide hvordan jeg søger om parkeringstilladelse til min "
    "beboerbil, og om det kan gøres digitalt med MitID, eller om jeg skal møde op på "
    "rådhuset. Jeg er lige flyttet til Nørregade 7 og har fået en bøde to gange. Mvh",
    "Vejskiltet ved rundkørslen på Hovedgaden er væltet og ligger ude på "
    "fortovet. Det er farligt for gående og især for dem med barnevogn eller rollator. "
    "Det er stander nr. 3 fra syd, lige før indkørslen til tankstationen. Tak.",
]

PSID_DIGITS = string.digits


def psid(rng):
    return "".join(rng.choice(PSID_DIGITS) for _ in range(16))


def mid(rng, n):
    # Real mids: "m_" + about 130 URL-safe characters; the counter keeps them unique.
    tail = base64.urlsafe_b64encode(rng.getrandbits(720).to_bytes(90, "big")).decode()
    return "m_%s%012d" % (tail, n)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--secret", required=True, help="the app secret the server checks")
    ap.add_argument("--count", type=int, required=True, help="number of unique requests")
    ap.add_argument("--out", required=True, help="output prefix: PREFIX.0, PREFIX.1, ...")
    ap.add_argument("--shards", type=int, default=2, help="files (one per wrk thread)")
    ap.add_argument("--page-id", default="104236589012345")
    ap.add_argument("--citizens", type=int, default=5000, help="distinct senders (PSIDs)")
    ap.add_argument("--seed", type=int, default=2)
    args = ap.parse_args()

    rng = random.Random(args.seed)
    senders = [psid(rng) for _ in range(args.citizens)]
    key = args.secret.encode()
    t0 = int(time.time() * 1000)
    total = 0
    outs = [open("%s.%d" % (args.out, i), "wb") for i in range(args.shards)]
    for n in range(args.count):
        ts = t0 + n
        body = {
            "object": "page",
            "entry": [{
                "id": args.page_id,
                "time": ts + 40,
                "messaging": [{
                    "sender": {"id": rng.choice(senders)},
                    "recipient": {"id": args.page_id},
                    "timestamp": ts,
                    "message": {
                        "mid": mid(rng, n),
                        "text": TEXTS[n % len(TEXTS)],
                    },
                }],
            }],
        }
        raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        sig256 = "sha256=" + hmac.new(key, raw, hashlib.sha256).hexdigest()
        sig1 = "sha1=" + hmac.new(key, raw, hashlib.sha1).hexdigest()
        head = ("POST /webhook HTTP/1.1\r\n"
                "Host: 127.0.0.1\r\n"
                "User-Agent: facebookexternalua\r\n"
                "Accept: */*\r\n"
                "Accept-Encoding: deflate, gzip\r\n"
                "Content-Type: application/json\r\n"
                "X-Hub-Signature: %s\r\n"
                "X-Hub-Signature-256: %s\r\n"
                "Content-Length: %d\r\n"
                "\r\n" % (sig1, sig256, len(raw))).encode()
        req = head + raw
        out = outs[n % args.shards]
        out.write(b"%d\n" % len(req))
        out.write(req)
        total += len(raw)
    for out in outs:
        out.close()
    print("wrote %d requests to %s.0..%d (mean body %d bytes)" %
          (args.count, args.out, args.shards - 1, total // max(args.count, 1)), file=sys.stderr)


if __name__ == "__main__":
    main()
