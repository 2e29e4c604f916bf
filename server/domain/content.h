/*
 * content.h - routine answers from the municipality's content files: waste
 * collection days by area, and the opening hours and phone numbers of
 * citizen service and the recycling centre.
 *
 * Loaded from municipality.txt and waste.csv in the data folder (see
 * docs/cases.md); read-only afterwards, so any thread may use it. The
 * answers take lang: "en" for English (the files' optional "_en" texts,
 * else the Danish ones), anything else for Danish.
 */
#ifndef BORGERBOT_CONTENT_H
#define BORGERBOT_CONTENT_H

#include <stddef.h>

struct content;

struct content *content_load(const char *dir, char *err, size_t errlen);
void content_free(struct content *c);

/* A value from municipality.txt ("name", "phone", ...), or NULL. */
const char *content_get(const struct content *c, const char *key);

enum content_answer_kind {
	CONTENT_ANSWERED = 1,  /* the answer is complete */
	CONTENT_NEED_AREA = 2, /* the text asks for the address (area unknown) */
};

/*
 * The answer to a waste-collection question (not a missed collection: that
 * is a case): the collection days of area (as the intent engine or
 * winter_street_area() gives it; may be NULL). Returns the kind.
 */
int content_waste_answer(const struct content *c, const char *area, const char *lang, char *buf,
                         size_t buflen);

enum content_topic {
	CONTENT_TOPIC_ALL,
	CONTENT_TOPIC_CITIZEN_SERVICE,
	CONTENT_TOPIC_RECYCLING,
};

/* Which opening hours a message asks about (keywords such as "genbrug"). */
enum content_topic content_topic_of(const char *text);

/* The answer to an opening-hours question. Returns CONTENT_ANSWERED. */
int content_opening_hours_answer(const struct content *c, enum content_topic topic,
                                 const char *lang, char *buf, size_t buflen);

#endif
