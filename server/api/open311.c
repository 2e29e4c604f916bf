/*
 * open311.c - Open311 GeoReport v2 (see open311.h, docs/open311.md).
 *
 * Request flow: /open311/v2/<resource>.json -> route by resource and method
 * -> parameters from the query string (GET) or the body (POST; form-encoded
 * or JSON, read whole within max_body_bytes) -> api_key checked (scope
 * open311) -> cases read through case_list(), or a report filed with
 * case_file() inside one store_write() transaction -> JSON.
 */
#include "open311.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domain/apikey.h"
#include "domain/content_data.h"
#include "store/db.h"
#include "core/clock.h"
#include "core/log.h"

#define PREFIX "/open311/v2"
#define SPEC_URL "http://wiki.open311.org/GeoReport_v2"
#define DEFAULT_DAYS 90

struct open311 {
	struct open311_options opt;
	/* Set only in a request's own copy (handler()): the current data files. */
	const struct case_rules *rules;
	const struct winter_plan *winter;
	const struct content *content;
};

struct open311 *open311_new(const struct open311_options *opt, char *err, size_t errlen)
{
	struct open311 *o = calloc(1, sizeof(*o));
	if (!o) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	o->opt = *opt;
	return o;
}

void open311_free(struct open311 *o)
{
	free(o);
}

/* ---- replies ------------------------------------------------------------ */

static int reply_error(struct http_req *req, int status, const char *description)
{
	return http_reply_json(
	    req, status, json_pack("[{s:i, s:s}]", "code", status, "description", description),
	    NULL);
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

/* ---- parameters: query string, form body or JSON body ------------------ */

struct params {
	const char *form; /* URL-encoded pairs, or NULL */
	size_t formlen;
	json_t *json; /* object, or NULL */
};

/* Finds name in URL-encoded pairs, decoding names too ("attribute%5Bpole_number%5D").
 * 1 found (decoded into buf), 0 absent, -1 too long or not text (%00). */
static int form_param(const char *form, size_t len, const char *name, char *buf, size_t size)
{
	int n = http_form_var(form, len, name, buf, size);
	return n >= 0 ? 1 : n == -1 ? 0 : -1;
}

/* 1 found (copied), 0 absent, -1 too long or not a string. */
static int param(const struct params *p, const char *name, char *buf, size_t size)
{
	if (p->json) {
		json_t *v = json_object_get(p->json, name);
		if (!v || json_is_null(v))
			return 0;
		if (json_is_number(v)) {
			snprintf(buf, size, "%.10g", json_number_value(v));
			return 1;
		}
		if (!json_is_string(v) || json_string_length(v) >= size ||
		    strlen(json_string_value(v)) != json_string_length(v))
			return -1;
		memcpy(buf, json_string_value(v), json_string_length(v) + 1);
		return 1;
	}
	return p->form ? form_param(p->form, p->formlen, name, buf, size) : 0;
}

/* The API key from the parameters or an Authorization: Bearer header. */
static int check_key(struct open311 *o, struct http_req *req, sqlite3 *db, const struct params *p,
                     char *actor, size_t actorlen)
{
	char key[128] = "";
	const char *bearer = apikey_from_bearer(http_req_header(req, "Authorization"));
	if (param(p, "api_key", key, sizeof(key)) <= 0 && bearer)
		snprintf(key, sizeof(key), "%s", bearer);
	(void)o;
	int rc = key[0] ? apikey_check(db, key, "open311", actor, actorlen) : APIKEY_UNKNOWN;
	if (rc == APIKEY_OK)
		return 0;
	if (rc == APIKEY_ERROR)
		return reply_error(req, 500, "cannot check the api_key");
	return reply_error(req, 403,
	                   rc == APIKEY_SCOPE ? "api_key lacks the open311 scope"
	                   : key[0]           ? "api_key is invalid"
	                                      : "api_key was not provided");
}

static int check_jurisdiction(struct open311 *o, struct http_req *req, const struct params *p)
{
	char j[128];
	int r = param(p, "jurisdiction_id", j, sizeof(j));
	const char *mine = content_get(o->content, "jurisdiction_id");
	if (r < 0 || (r > 0 && (!mine || strcasecmp(j, mine) != 0)))
		return reply_error(req, 404, "jurisdiction_id was not found");
	return 0;
}

static sqlite3 *open_db(struct open311 *o)
{
	char err[300];
	sqlite3 *db = store_thread_db(o->opt.store, err, sizeof(err));
	if (!db)
		log_event(LOG_ERROR, "open311_db", "error", err, NULL);
	return db;
}

/* ---- discovery and services --------------------------------------------- */

static void base_url(struct http_req *req, char *buf, size_t size)
{
	const char *host = http_req_header(req, "Host");
	int ok = host && strlen(host) < 200;
	for (const char *h = host; ok && *h; h++)
		ok = isalnum((unsigned char)*h) || strchr(".-:[]", *h);
	snprintf(buf, size, "%s://%s%s", http_req_is_tls(req) ? "https" : "http",
	         ok ? host : "localhost", PREFIX);
}

static int discovery(struct open311 *o, struct http_req *req)
{
	char url[300], contact[600];
	base_url(req, url, sizeof(url));
	const struct content *c = o->content;
	snprintf(contact, sizeof(contact), "%s, %s, %s", content_get(c, "name"),
	         content_get(c, "phone"), content_get(c, "email"));
	return http_reply_json(
	    req, 200,
	    json_pack("{s:s, s:s, s:s, s:[{s:s, s:s, s:s, s:s, s:[s]}]}", "changeset",
	              "2026-11-24T00:00:00+01:00", "contact", contact, "key_service",
	              "Ask the municipality for an API key with the scope open311.", "endpoints",
	              "specification", SPEC_URL, "url", url, "changeset",
	              "2026-11-24T00:00:00+01:00", "type", "production", "formats",
	              "application/json"),
	    NULL);
}

static json_t *service_json(const struct case_category *c)
{
	return json_pack("{s:s, s:s, s:s, s:b, s:s, s:s, s:s}", "service_code", c->code,
	                 "service_name", c->name, "description", c->description, "metadata",
	                 c->pole_number, "type", "realtime", "keywords", "", "group",
	                 c->department);
}

static int services(struct open311 *o, struct http_req *req)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < case_rules_count(o->rules); i++)
		json_array_append_new(arr, service_json(case_rules_at(o->rules, i)));
	return http_reply_json(req, 200, arr, NULL);
}

static int service_definition(struct open311 *o, struct http_req *req, const char *code)
{
	const struct case_category *c = case_rules_find(o->rules, code);
	if (!c)
		return reply_error(req, 404, "service_code was not found");
	json_t *attrs = json_array();
	if (c->pole_number)
		json_array_append_new(
		    attrs, json_pack("{s:b, s:s, s:s, s:b, s:s, s:i, s:s}", "variable", 1, "code",
		                     "pole_number", "datatype", "string", "required", 0,
		                     "datatype_description",
		                     "Nummeret på lygtepælen (står på en lille plade på pælen)",
		                     "order", 1, "description", "Lygtepælens nummer"));
	return http_reply_json(
	    req, 200, json_pack("{s:s, s:o}", "service_code", c->code, "attributes", attrs), NULL);
}

/* ---- reading requests ----------------------------------------------------- */

static const char *open311_status(const char *status)
{
	return !strcmp(status, "resolved") || !strcmp(status, "rejected") ? "closed" : "open";
}

static json_t *request_json(struct open311 *o, const struct case_row *r)
{
	char created[40], updated[40], address[160];
	const struct case_category *c = case_rules_find(o->rules, r->category);
	content_iso8601(r->created_at, created, sizeof(created));
	content_iso8601(r->updated_at, updated, sizeof(updated));
	snprintf(address, sizeof(address), "%s%s%s", r->street, r->house_number[0] ? " " : "",
	         r->house_number);
	json_t *photos = r->photos ? json_loads(r->photos, 0, NULL) : NULL;
	json_t *media = json_is_array(photos) && json_is_string(json_array_get(photos, 0))
	                    ? json_incref(json_array_get(photos, 0))
	                    : json_null();
	json_decref(photos);
	json_t *v = json_pack(
	    "{s:s, s:s, s:o, s:s, s:s, s:o, s:s, s:n, s:s, s:s, s:n, s:o, s:n, s:n, s:o, s:o, s:o}",
	    "service_request_id", r->reference, "status", open311_status(r->status), "status_notes",
	    str_or_null(r->status_note), "service_name", c ? c->name : r->category, "service_code",
	    r->category, "description", str_or_null(r->description), "agency_responsible",
	    r->department, "service_notice", "requested_datetime", created, "updated_datetime",
	    updated, "expected_datetime", "address", str_or_null(address), "address_id", "zipcode",
	    "lat", r->has_location ? json_real(r->lat) : json_null(), "long",
	    r->has_location ? json_real(r->lon) : json_null(), "media_url", media);
	if (v && r->pole_number[0])
		json_object_set_new(v, "attributes",
		                    json_pack("{s:s}", "pole_number", r->pole_number));
	return v;
}

struct collect {
	struct open311 *o;
	json_t *arr;
};

static int collect_row(void *arg, const struct case_row *row)
{
	struct collect *c = arg;
	json_array_append_new(c->arr, request_json(c->o, row));
	return 0;
}

/* ",A,B," from "A,B" with checked ids; -1 if malformed. */
static int id_list(const char *in, char *out, size_t size)
{
	size_t n = 0, count = 0;
	out[n++] = ',';
	for (const char *p = in; *p; p++) {
		char ch = *p == ' ' ? ',' : *p;
		if (!(isalnum((unsigned char)ch) || ch == '-' || ch == ','))
			return -1;
		if (n + 2 >= size)
			return -1;
		if (ch == ',' && out[n - 1] == ',')
			continue;
		count += ch == ',';
		out[n++] = ch;
	}
	if (out[n - 1] != ',')
		out[n++] = ',';
	out[n] = '\0';
	return n > 1 && count < 100 ? 0 : -1;
}

static int status_mask(const char *s, int *mask)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "%s", s);
	*mask = 0;
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (!strcmp(t, "open"))
			*mask |= CASE_STATUS_OPEN | CASE_STATUS_IN_PROGRESS;
		else if (!strcmp(t, "closed"))
			*mask |= CASE_STATUS_RESOLVED | CASE_STATUS_REJECTED;
		else
			return -1;
	}
	return *mask ? 0 : -1;
}

static int list_requests(struct open311 *o, struct http_req *req, sqlite3 *db,
                         const struct params *p, const char *single)
{
	char ids[4096], raw[2048], code[64], status[64], start[48], end[48];
	struct case_filter f = {0};
	int r;
	f.limit = single ? 1 : 1000;
	if (single) {
		if (id_list(single, ids, sizeof(ids)) < 0 || strchr(single, ','))
			return reply_error(req, 404, "service_request_id was not found");
		f.references = ids;
	} else if ((r = param(p, "service_request_id", raw, sizeof(raw))) != 0) {
		if (r < 0 || id_list(raw, ids, sizeof(ids)) < 0)
			return reply_error(req, 400,
			                   "service_request_id must be a comma-separated "
			                   "list of at most 100 ids");
		f.references = ids;
	}
	if ((r = param(p, "service_code", code, sizeof(code))) < 0)
		return reply_error(req, 400, "service_code is too long");
	if (r > 0 && !case_rules_find(o->rules, code))
		return reply_error(req, 400, "service_code was not found");
	f.category = r > 0 ? code : NULL;
	if ((r = param(p, "status", status, sizeof(status))) < 0 ||
	    (r > 0 && status_mask(status, &f.status_mask) < 0))
		return reply_error(req, 400, "status must be open or closed");
	if ((r = param(p, "start_date", start, sizeof(start))) < 0 ||
	    (r > 0 && content_parse_iso8601(start, &f.since_ms) < 0))
		return reply_error(req, 400, "start_date must be an ISO 8601 date and time");
	int has_start = r > 0;
	if ((r = param(p, "end_date", end, sizeof(end))) < 0 ||
	    (r > 0 && content_parse_iso8601(end, &f.until_ms) < 0))
		return reply_error(req, 400, "end_date must be an ISO 8601 date and time");
	if (has_start && r > 0 && f.until_ms < f.since_ms)
		return reply_error(req, 400, "end_date is before start_date");
	if (!f.references && !has_start) /* the spec's default window */
		f.since_ms = (r > 0 ? f.until_ms : clock_now_ms()) - DEFAULT_DAYS * 86400000LL;
	struct collect c = {o, json_array()};
	if (case_list(db, &f, collect_row, &c) < 0) {
		json_decref(c.arr);
		return reply_error(req, 500, "cannot read service requests");
	}
	if (single && json_array_size(c.arr) == 0) {
		json_decref(c.arr);
		return reply_error(req, 404, "service_request_id was not found");
	}
	return http_reply_json(req, 200, c.arr, NULL);
}

/* ---- filing a request ----------------------------------------------------- */

/* "Duevej 12B, 4990 Solbjerg" -> street "Duevej", number "12B". */
static void split_address(const char *addr, char *street, size_t ssize, char *number, size_t nsize)
{
	const char *p = addr;
	while (*p && *p != ',' && !isdigit((unsigned char)*p))
		p++;
	size_t n = (size_t)(p - addr);
	while (n > 0 && (addr[n - 1] == ' ' || addr[n - 1] == '\t'))
		n--;
	snprintf(street, ssize, "%.*s", (int)n, addr);
	size_t k = 0;
	if (isdigit((unsigned char)*p)) {
		while (k + 1 < nsize && (isalnum((unsigned char)p[k])))
			k++;
	}
	snprintf(number, nsize, "%.*s", (int)k, p);
}

static int parse_coord(const char *s, double lim, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || *end || !isfinite(v) || fabs(v) > lim)
		return -1;
	*out = v;
	return 0;
}

struct post_fields {
	char code[64], lat[40], lon[40], address[300], address_id[64],
	    description[CASE_MAX_TEXT + 1];
	char media[1024], pole[40];
};

/* Fills r from the parameters; NULL, or the problem (possibly written into why). */
static const char *read_post_fields(struct open311 *o, const struct params *p,
                                    struct post_fields *f, struct case_report *r, char *photos,
                                    size_t photos_size, char *why, size_t whylen)
{
	int has_code = param(p, "service_code", f->code, sizeof(f->code));
	if (has_code <= 0)
		return has_code < 0 ? "service_code is too long" : "service_code was not provided";
	if (!case_rules_find(o->rules, f->code))
		return "service_code was not found";
	struct {
		const char *name;
		char *buf;
		size_t size;
		int got;
	} in[] = {
	    {"lat", f->lat, sizeof(f->lat), 0},
	    {"long", f->lon, sizeof(f->lon), 0},
	    {"address_string", f->address, sizeof(f->address), 0},
	    {"address_id", f->address_id, sizeof(f->address_id), 0},
	    {"description", f->description, sizeof(f->description), 0},
	    {"media_url", f->media, sizeof(f->media), 0},
	    {"attribute[pole_number]", f->pole, 32, 0},
	};
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		if ((in[i].got = param(p, in[i].name, in[i].buf, in[i].size)) < 0) {
			snprintf(why, whylen, "%s is too long or not text", in[i].name);
			return why;
		}
	int has_lat = in[0].got, has_lon = in[1].got, has_addr = in[2].got, has_id = in[3].got;
	int has_desc = in[4].got, has_media = in[5].got, has_pole = in[6].got;
	if (has_lat != has_lon)
		return "lat and long must be given together";
	if (has_lat &&
	    (parse_coord(f->lat, 90, &r->lat) < 0 || parse_coord(f->lon, 180, &r->lon) < 0))
		return "lat and long must be decimal degrees (WGS84)";
	r->has_location = has_lat > 0;
	if (!has_lat && !has_addr && !has_id)
		return "a location is required: lat and long, address_string or address_id";
	if (has_media && strncmp(f->media, "https://", 8) != 0 &&
	    strncmp(f->media, "http://", 7) != 0)
		return "media_url must be an http(s) URL";
	r->category = f->code;
	r->text = has_desc > 0 ? f->description : NULL;
	r->pole_number = has_pole > 0 && f->pole[0] ? f->pole : NULL;
	r->source = "open311";
	if (has_media > 0) {
		json_t *arr = json_pack("[s]", f->media);
		char *s = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
		json_decref(arr);
		if (!s || strlen(s) >= photos_size) {
			free(s);
			return "media_url is not valid";
		}
		memcpy(photos, s, strlen(s) + 1);
		free(s);
		r->photos_json = photos;
	}
	return NULL;
}

/* Files the case in one transaction. */
struct file_txn {
	const struct case_rules *rules;
	const struct case_report *report;
	struct case_result res;
	int rc; /* case_file's result */
	char *err;
	size_t errlen;
};

static int file_case(sqlite3 *db, void *arg)
{
	struct file_txn *t = arg;
	t->rc = case_file(db, t->rules, t->report, &t->res, t->err, t->errlen);
	return t->rc == CASE_OK ? 0 : 1;
}

static int file_request(struct open311 *o, struct http_req *req, sqlite3 *db,
                        const struct params *p)
{
	struct post_fields *f = calloc(1, sizeof(*f));
	struct case_report r = {0};
	char photos[1200], street[200] = "", number[16] = "", err[300] = "";
	if (!f)
		return reply_error(req, 500, "out of memory");
	char whybuf[120];
	const char *why =
	    read_post_fields(o, p, f, &r, photos, sizeof(photos), whybuf, sizeof(whybuf));
	if (why) {
		free(f);
		return reply_error(req, 400, why);
	}
	if (f->address[0]) {
		split_address(f->address, street, sizeof(street), number, sizeof(number));
		const char *canon = winter_street(o->winter, street);
		r.street = canon ? canon : street[0] ? street : NULL;
		r.house_number = number[0] ? number : NULL;
	}
	struct file_txn t = {o->rules, &r, {0}, CASE_ERROR, err, sizeof(err)};
	int rc = store_write(o->opt.store, db, file_case, &t, NULL, 0) == 0 ? CASE_OK
	         : t.rc != CASE_OK                                          ? t.rc
	                                                                    : CASE_ERROR;
	struct case_result res = t.res;
	free(f);
	if (rc == CASE_INVALID)
		return reply_error(req, 400, err);
	if (rc != CASE_OK)
		return reply_error(req, 503, "the service request could not be stored; try again");
	char notice[300];
	if (res.existing)
		snprintf(notice, sizeof(notice),
		         "Fejlen er allerede meldt og behandles i sag %s hos %s.", res.reference,
		         res.department);
	else
		snprintf(notice, sizeof(notice), "Tak. Sagen er sendt til %s.", res.department);
	log_event(LOG_INFO, "open311_request", "reference", res.reference, "existing",
	          res.existing ? "yes" : "no", NULL);
	return http_reply_json(req, 200,
	                       json_pack("[{s:s, s:s, s:n}]", "service_request_id", res.reference,
	                                 "service_notice", notice, "account_id"),
	                       NULL);
}

/* ---- routing ---------------------------------------------------------------- */

/* Reads a POST body as form or JSON into p (*body owns the text). 0, or the status sent. */
static int read_post(struct open311 *o, struct http_req *req, struct params *p, char **body)
{
	int form = http_req_content_type_is(req, "application/x-www-form-urlencoded");
	int json = http_req_content_type_is(req, "application/json");
	if (!form && !json)
		return reply_error(req, 415,
		                   "Content-Type must be "
		                   "application/x-www-form-urlencoded or application/json");
	size_t len;
	enum http_body rb = http_read_body(req, o->opt.max_body_bytes, body, &len);
	if (rb != HTTP_BODY_OK)
		return reply_error(req, rb == HTTP_BODY_TOO_LARGE ? 413 : 400,
		                   rb == HTTP_BODY_TOO_LARGE ? "request body too large"
		                                             : "cannot read the request body");
	if (json) {
		p->json = json_loadb(*body, len, JSON_REJECT_DUPLICATES, NULL);
		if (!json_is_object(p->json)) {
			json_decref(p->json);
			p->json = NULL;
			return reply_error(req, 400, "the body must be a JSON object");
		}
	} else {
		if (strlen(*body) != len)
			return reply_error(req, 400, "the body contains a NUL byte");
		p->form = *body;
		p->formlen = len;
	}
	return 0;
}

/* The query string as parameters. */
static struct params query_params(const struct http_req *req)
{
	const char *q = http_req_query(req);
	return (struct params){q, q ? strlen(q) : 0, NULL};
}

static int requests(struct open311 *o, struct http_req *req, const char *single, int post)
{
	struct params p = query_params(req);
	char *body = NULL;
	int rc = 0;
	if (post && (rc = read_post(o, req, &p, &body)) != 0) {
		free(body);
		json_decref(p.json);
		return rc;
	}
	sqlite3 *db = open_db(o);
	char actor[80];
	if (!db)
		rc = reply_error(req, 500, "database unavailable");
	else if ((rc = check_jurisdiction(o, req, &p)) == 0 &&
	         ((!post && o->opt.public_read) ||
	          (rc = check_key(o, req, db, &p, actor, sizeof(actor))) == 0))
		rc = post ? file_request(o, req, db, &p) : list_requests(o, req, db, &p, single);
	free(body);
	json_decref(p.json);
	return rc;
}

/* Strips ".json" from the last part of path into buf; -1 for other formats. */
static int strip_format(const char *path, char *buf, size_t size)
{
	size_t n = strlen(path);
	if (n < 6 || strcmp(path + n - 5, ".json") != 0 || n - 5 >= size)
		return -1;
	memcpy(buf, path, n - 5);
	buf[n - 5] = '\0';
	return 0;
}

static int route(struct open311 *o, struct http_req *req)
{
	const char *path = http_req_path(req) + strlen(PREFIX);
	int get = http_req_method_is(req, "GET"), post = http_req_method_is(req, "POST");
	char res[200];
	if (*path != '/' || strip_format(path + 1, res, sizeof(res)) < 0)
		return reply_error(req, 404,
		                   strstr(path, ".xml") ? "only the json format is served"
		                                        : "not found");
	if (!strcmp(res, "requests") && (get || post))
		return requests(o, req, NULL, post);
	if (!get)
		return reply_error(req, 405, "method not allowed");
	if (!strcmp(res, "discovery"))
		return discovery(o, req);
	struct params p = query_params(req);
	if (!strcmp(res, "services"))
		return check_jurisdiction(o, req, &p) ? 404 : services(o, req);
	if (!strncmp(res, "services/", 9) && !strchr(res + 9, '/'))
		return check_jurisdiction(o, req, &p) ? 404 : service_definition(o, req, res + 9);
	if (!strncmp(res, "requests/", 9) && res[9] && !strchr(res + 9, '/'))
		return requests(o, req, res + 9, 0);
	return reply_error(req, 404, "not found");
}

static int handler(struct http_req *req, void *cbdata)
{
	const struct open311 *shared = cbdata;
	struct open311 o = *shared; /* this request's view of the data files */
	const struct municipality_data *d = municipality_hold(shared->opt.data);
	o.rules = d->cases;
	o.winter = d->winter;
	o.content = d->content;
	int rc = route(&o, req);
	municipality_release(shared->opt.data, d);
	return rc;
}

void open311_register(struct http *h, struct open311 *o)
{
	http_route(h, PREFIX, handler, o);
}
