"""Open311 GeoReport v2 against the real binary over HTTP: discovery,
services and service definitions, filing requests (form-encoded and JSON)
through the same path as the bot's cases (duplicates join the open case),
reading them with filters, and the errors: missing, invalid or wrongly
scoped api_key (403), unknown service code, malformed and oversized bodies,
wrong content types, unknown jurisdiction."""
import json
import subprocess
import time
import unittest
from urllib.parse import urlencode

from harness import BIN, ServerTestCase

FORM = "application/x-www-form-urlencoded"


def make_key(server, name, scopes):
    return subprocess.run([BIN, "apikey", "create", name, "--scope", scopes, "--db", server.db],
                          capture_output=True, text=True, check=True).stdout.strip()


class Open311TestCase(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.key = make_key(self.server, "sagssystem", "open311")

    def get(self, path):
        status, data, hdrs = self.server.request("GET", "/open311/v2/" + path)
        return status, json.loads(data) if data else None

    def post(self, fields, content_type=FORM, raw=None, with_key=True):
        if with_key and "api_key" not in fields:
            fields = dict(fields, api_key=self.key)
        if raw is None:
            raw = urlencode(fields) if content_type == FORM else json.dumps(fields)
        body = raw.encode() if isinstance(raw, str) else raw
        status, data, _ = self.server.request("POST", "/open311/v2/requests.json", body,
                                              {"Content-Type": content_type})
        return status, json.loads(data) if data else None

    def file(self, **fields):
        base = {"service_code": "streetlight_outage", "address_string": "Duevej 12",
                "description": "Intet lys i lygterne"}
        base.update(fields)
        status, body = self.post(base)
        self.assertEqual(status, 200, body)
        return body[0]


class DiscoveryAndServicesTest(Open311TestCase):
    def test_discovery_and_services(self):
        status, body = self.get("discovery.json")
        self.assertEqual(status, 200)
        self.assertIn("Solbjerg Kommune", body["contact"])
        self.assertTrue(body["endpoints"][0]["url"].endswith("/open311/v2"))
        status, body = self.get("services.json")
        self.assertEqual(status, 200)
        codes = {s["service_code"]: s for s in body}
        self.assertEqual(set(codes), {"streetlight_outage", "road_damage", "waste_collection"})
        self.assertTrue(codes["streetlight_outage"]["metadata"])
        self.assertEqual(codes["waste_collection"]["group"], "Affald og Genbrug")

    def test_service_definitions(self):
        status, body = self.get("services/streetlight_outage.json")
        self.assertEqual(status, 200)
        self.assertEqual(body["attributes"][0]["code"], "pole_number")
        self.assertFalse(body["attributes"][0]["required"])
        status, body = self.get("services/road_damage.json")
        self.assertEqual((status, body["attributes"]), (200, []))
        for path in ("services/graffiti.json", "services/a/b.json", "services.xml",
                     "services/streetlight_outage.xml", "nothing.json", "services"):
            status, body = self.get(path)
            self.assertEqual(status, 404, path)
            self.assertEqual(body[0]["code"], 404)
        self.assertEqual(self.get("services.json?jurisdiction_id=solbjerg.example")[0], 200)
        self.assertEqual(self.get("services.json?jurisdiction_id=gotham.example")[0], 404)


class PostRequestTest(Open311TestCase):
    def test_form_and_json_file_cases_and_duplicates_follow(self):
        first = self.file(**{"attribute[pole_number]": "P-117"})
        self.assertRegex(first["service_request_id"], r"^TM-20\d\d-00001$")
        self.assertIn("Vej og Park", first["service_notice"])
        status, body = self.post({"service_code": "streetlight_outage",
                                  "address_string": "duevej 16, 4990 Solbjerg"},
                                 content_type="application/json")
        self.assertEqual(status, 200, body)
        self.assertEqual(body[0]["service_request_id"], first["service_request_id"])
        self.assertIn("allerede meldt", body[0]["service_notice"])
        status, body = self.post({"service_code": "road_damage", "lat": 55.5, "long": 11.7,
                                  "media_url": "https://example.org/hul.jpg"},
                                 content_type="application/json; charset=utf-8")
        self.assertEqual(status, 200, body)
        row = self.server.query("SELECT street, house_number, pole_number, source FROM cases"
                                " WHERE seq = 1")[0]
        self.assertEqual(row, ("Duevej", "12", "P-117", "open311"))
        self.assertEqual(self.server.scalar("SELECT photos FROM cases WHERE seq = 2"),
                         '["https://example.org/hul.jpg"]')

    def test_api_key_problems_are_403(self):
        staff = make_key(self.server, "vejogpark", "cases")
        fields = {"service_code": "road_damage", "address_string": "Rosenvej 1"}
        for key in (None, "", "bbk_" + "1" * 48, staff, "x" * 3000):
            f = dict(fields)
            if key is not None:
                f["api_key"] = key
            status, body = self.post(f, with_key=False)
            self.assertEqual(status, 403, key and key[:10])
            self.assertEqual(body[0]["code"], 403)
        self.assertEqual(self.server.scalar("SELECT COUNT(*) FROM cases"), 0)

    def test_malformed_requests(self):
        ok = {"service_code": "road_damage", "address_string": "Rosenvej 1"}
        bad = [
            ({"address_string": "Rosenvej 1"}, 400, "service_code was not provided"),
            (dict(ok, service_code="graffiti"), 400, "service_code was not found"),
            ({"service_code": "road_damage"}, 400, "location is required"),
            ({"service_code": "road_damage", "lat": "55.5"}, 400, "together"),
            ({"service_code": "road_damage", "lat": "north", "long": "12"}, 400, "decimal"),
            ({"service_code": "road_damage", "lat": "95", "long": "12"}, 400, "decimal"),
            ({"service_code": "road_damage", "lat": "nan", "long": "12"}, 400, "decimal"),
            (dict(ok, media_url="javascript:alert(1)"), 400, "media_url"),
            (dict(ok, description="x" * 5000), 400, "description is too long"),
            (dict(ok, **{"attribute[pole_number]": "9" * 50}), 400, "pole_number"),
            (dict(ok, jurisdiction_id="gotham.example"), 404, "jurisdiction"),
            (dict(ok, description="før\x00efter"), 400, "description is too long or not text"),
        ]
        for fields, code, text in bad:
            status, body = self.post(fields)
            self.assertEqual(status, code, fields)
            self.assertIn(text, body[0]["description"], fields)
        self.assertEqual(self.post(ok, raw="{broken", content_type="application/json")[0], 400)
        self.assertEqual(self.post(ok, raw="[1]", content_type="application/json")[0], 400)
        self.assertEqual(self.post(ok, content_type="text/plain")[0], 415)
        self.assertEqual(self.post(ok, raw=b"service_code=road_damage\x00&x=1")[0], 400)
        # text that is not UTF-8 is refused, not stored (it made the case unreadable)
        for raw in (b"service_code=road_damage&address_string=Duevej%2012&description=hul%FF%FE",
                    b"service_code=road_damage&address_string=Duev%C3ej&description=x",
                    b"service_code=road_damage&address_string=Duevej&description=%ED%A0%80"):
            status, body = self.post(ok, raw=raw + b"&api_key=" + self.key.encode())
            self.assertEqual(status, 400, raw)
            self.assertIn("UTF-8", body[0]["description"])
        big = dict(ok, description="x" * 20000)
        self.assertEqual(self.post(big)[0], 413)
        status, _, _ = self.server.request("PUT", "/open311/v2/requests.json", b"",
                                           {"Content-Type": FORM})
        self.assertEqual(status, 405)
        self.assertEqual(self.server.scalar("SELECT COUNT(*) FROM cases"), 0)
        self.assertEqual(self.post(ok)[0], 200)


class GetRequestsTest(Open311TestCase):
    def test_reading_needs_a_key_and_filters_work(self):
        a = self.file()["service_request_id"]
        b = self.file(service_code="road_damage", address_string="Rosenvej 1")[
            "service_request_id"]
        self.assertEqual(self.get("requests.json")[0], 403)
        status, body = self.get("requests.json?api_key=" + self.key)
        self.assertEqual(status, 200)
        self.assertEqual([r["service_request_id"] for r in body], [b, a])
        first = body[1]
        self.assertEqual((first["status"], first["service_code"], first["address"],
                          first["agency_responsible"]),
                         ("open", "streetlight_outage", "Duevej 12", "Vej og Park"))
        self.assertRegex(first["requested_datetime"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:00$")
        q = lambda s: self.get("requests.json?api_key=%s&%s" % (self.key, s))
        self.assertEqual([r["service_request_id"] for r in q("service_code=road_damage")[1]], [b])
        self.assertEqual(q("status=closed")[1], [])
        subprocess.run([BIN, "cases", "set-status", a, "resolved", "--note", "Ny pære",
                        "--db", self.server.db], check=True, capture_output=True)
        closed = q("status=closed")[1]
        self.assertEqual([r["service_request_id"] for r in closed], [a])
        self.assertEqual(closed[0]["status_notes"], "Ny pære")
        self.assertEqual(len(q("status=open,closed")[1]), 2)
        self.assertEqual(len(q("service_request_id=%s,%s" % (a, b))[1]), 2)
        self.assertEqual(q("start_date=2000-01-01T00:00:00Z&end_date=2000-01-02T00:00:00Z")[1],
                         [])
        today = time.strftime("%Y-%m-%d", time.gmtime())
        self.assertEqual(len(q("start_date=%sT00:00:00Z" % today)[1]), 2)
        for bad in ("status=pending", "start_date=yesterday", "end_date=2026-02-30T00:00:00Z",
                    "service_code=graffiti", "service_request_id=%27%20OR%201=1",
                    "service_request_id=" + ",".join(["TM-1"] * 200),
                    "start_date=2026-02-01T00:00:00Z&end_date=2026-01-01T00:00:00Z"):
            status, body = q(bad)
            self.assertEqual(status, 400, bad)
        status, body = self.get("requests/%s.json?api_key=%s" % (a, self.key))
        self.assertEqual((status, len(body), body[0]["service_request_id"]), (200, 1, a))
        self.assertEqual(self.get("requests/TM-2026-99999.json?api_key=" + self.key)[0], 404)
        self.assertEqual(self.get("requests/%s.json" % a)[0], 403)
        # a Bearer header works as well as the api_key parameter
        status, _, _ = self.server.request("GET", "/open311/v2/requests.json",
                                           headers={"Authorization": "Bearer " + self.key})
        self.assertEqual(status, 200)


class PublicReadTest(Open311TestCase):
    server_config = "open311_public_read = yes\n"

    def test_public_read_needs_no_key_but_post_does(self):
        self.file()
        status, body = self.get("requests.json")
        self.assertEqual((status, len(body)), (200, 1))
        status, _ = self.post({"service_code": "road_damage", "address_string": "Rosenvej 1"},
                              with_key=False)
        self.assertEqual(status, 403)


if __name__ == "__main__":
    unittest.main()
