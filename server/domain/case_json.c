/*
 * case_json.c - a case as the JSON object the staff API and `borgerbot
 * cases` print (see case_json.h). One definition, so the API and the CLI
 * always show the same fields.
 */
#include "case_json.h"

#include "content_data.h"

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

json_t *case_row_json(const struct case_row *row)
{
	char created[40], updated[40];
	content_iso8601(row->created_at, created, sizeof(created));
	content_iso8601(row->updated_at, updated, sizeof(updated));
	json_t *photos = row->photos ? json_loads(row->photos, 0, NULL) : NULL;
	if (!json_is_array(photos)) {
		json_decref(photos);
		photos = json_array();
	}
	json_t *loc = row->has_location ? json_pack("{s:f, s:f}", "lat", row->lat, "long", row->lon)
	                                : json_null();
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:o, s:s, s:s,"
	                 " s:i}",
	                 "reference", row->reference, "category", row->category, "department",
	                 row->department, "status", row->status, "street", str_or_null(row->street),
	                 "house_number", str_or_null(row->house_number), "pole_number",
	                 str_or_null(row->pole_number), "location", loc, "description",
	                 str_or_null(row->description), "photos", photos, "source", row->source,
	                 "status_note", str_or_null(row->status_note), "created_at", created,
	                 "updated_at", updated, "followers", row->followers);
}

json_t *case_status_change_json(const struct case_status_change *ch, int sent_now)
{
	int in_window = 0;
	for (size_t i = 0; i < ch->nrecipients; i++)
		in_window += ch->recipients[i].in_window;
	return json_pack("{s:s, s:s, s:s, s:{s:i, s:i, s:i, s:s?}}", "reference", ch->reference,
	                 "old_status", ch->old_status, "status", ch->new_status, "notices",
	                 "queued", (int)ch->nrecipients, "in_window", in_window, "sent_now",
	                 sent_now, "text", ch->text[0] ? ch->text : NULL);
}
