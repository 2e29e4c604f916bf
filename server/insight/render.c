/*
 * render.c - the report as text (the terminal, e-mail), CSV (a spreadsheet:
 * one "section,name,value" row per figure) and HTML (a self-contained page
 * for the city council with the three SVG plots inline: no script, no
 * external file, readable printed). All text here is the municipality's own
 * (labels, intent and reason names); no citizen text ever reaches a report.
 */
#include "insight.h"

#include <string.h>

static double pct(long long part, long long whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* The Danish words for a hand-over reason (conversation.h's names). */
static const char *reason_da(const char *reason)
{
	static const char *const map[][2] = {
	    {"crisis", "Krise"},
	    {"citizen_asked", "Borgeren bad om en medarbejder"},
	    {"complaint", "Klage"},
	    {"anger", "Borgeren var utilfreds"},
	    {"not_understood", "Borgerbot forstod ikke beskeden"},
	    {"unknown_place", "Stedet kunne ikke findes"},
	    {"no_answer", "Borgerbot havde ikke et svar"},
	    {"other_topic", "Andet emne"},
	    {"hazard", "Akut fare på vejen"},
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(map[i][0], reason))
			return map[i][1];
	return reason;
}

/* "12,5 %" (Danish decimal comma) in buf. */
static const char *pcts(long long part, long long whole, char *buf, size_t size)
{
	snprintf(buf, size, "%.1f %%", pct(part, whole));
	char *dot = strchr(buf, '.');
	if (dot)
		*dot = ',';
	return buf;
}

/* "12 min", "3,5 t", "2,1 døgn" */
static void span(double s, char *buf, size_t size)
{
	if (s < 3600)
		snprintf(buf, size, "%.0f min", s / 60.0);
	else if (s < 48 * 3600)
		snprintf(buf, size, "%.1f t", s / 3600.0);
	else
		snprintf(buf, size, "%.1f døgn", s / 86400.0);
	for (char *p = buf; *p; p++) /* Danish decimal comma */
		if (*p == '.')
			*p = ',';
}

static void times_text(FILE *f, const char *what, const struct insight_times *t)
{
	char m[32], p[32];
	if (!t->n) {
		fprintf(f, "  %-34s ingen endnu\n", what);
		return;
	}
	span(t->median_s, m, sizeof(m));
	span(t->p90_s, p, sizeof(p));
	fprintf(f, "  %-34s median %s, 90 %% inden for %s, %.0f %% inden for målet (%lld)\n", what,
	        m, p, pct(t->within_target, t->n), t->n);
}

int insight_write_text(FILE *f, const struct insight_report *r)
{
	fprintf(f, "Borgerbot – effekt %s til %s (%d dage)\n\n", r->from, r->to, r->days);
	fprintf(f, "Samtaler                             %lld\n", r->conversations);
	char p[16];
	fprintf(f, "  klaret uden en medarbejder         %lld (%s)\n", r->automated_conversations,
	        pcts(r->automated_conversations, r->conversations, p, sizeof(p)));
	fprintf(f, "Beskeder fra borgere                 %lld\n", r->messages);
	for (int o = 0; o < OUTCOME_COUNT; o++)
		if (r->by_outcome[o])
			fprintf(f, "  %-34s %lld (%s)\n", outcome_label_da(o), r->by_outcome[o],
			        pcts(r->by_outcome[o], r->messages, p, sizeof(p)));
	fprintf(f, "  uden for åbningstid                %lld (%s)\n", r->after_hours,
	        pcts(r->after_hours, r->messages, p, sizeof(p)));
	if (!r->messages)
		fprintf(f, "  (ingen beskeder fra borgere i perioden)\n");
	fprintf(f, "  ikke forstået af Borgerbot         %lld\n", r->not_understood);
	fprintf(f, "\nGivet til en medarbejder, efter årsag\n");
	if (!r->n_handovers)
		fprintf(f, "  ingen\n");
	for (size_t i = 0; i < r->n_handovers; i++)
		fprintf(f, "  %-34s %lld\n", reason_da(r->handovers[i].name), r->handovers[i].n);
	fprintf(f, "\nMedarbejdernes svartider\n");
	times_text(f, "første svar", &r->first_response);
	times_text(f, "tilbage til Borgerbot eller lukket", &r->resolution);
	fprintf(f, "  %-34s %lld\n", "venter stadig på første svar", r->handed_over_waiting);
	fprintf(f, "\nSager oprettet                       %lld\n", r->cases_filed);
	fprintf(f, "  borgere der fulgte en åben sag     %lld\n", r->cases_joined);
	for (size_t i = 0; i < r->n_categories; i++) {
		const struct insight_category *c = &r->categories[i];
		char m[32] = "–";
		if (c->resolved)
			span(c->median_resolve_s, m, sizeof(m));
		fprintf(f, "  %-34s %lld oprettet, %lld løst, median %s til løst\n", c->name,
		        c->filed, c->resolved, m);
	}
	fprintf(f, "\nBorgerpanelet: %lld meldt ind, %lld meldt ud\n", r->panel_joined,
	        r->panel_left);
	for (size_t i = 0; i < r->n_consultations; i++) {
		const struct insight_consultation *c = &r->consultations[i];
		fprintf(f, "  %-34s %lld af %lld svarede (%s)\n", c->id, c->answered, c->offered,
		        pcts(c->answered, c->offered, p, sizeof(p)));
	}
	fprintf(f, "\nHyppigste emner\n");
	if (!r->n_top_intents)
		fprintf(f, "  ingen\n");
	for (size_t i = 0; i < r->n_top_intents; i++)
		fprintf(f, "  %-34s %lld\n", r->top_intents[i].name, r->top_intents[i].n);
	return ferror(f) ? -1 : 0;
}

/* ---- CSV ------------------------------------------------------------------ */

/* Names are the municipality's own ([a-z_], departments and categories);
 * quote them anyway so a comma in a category cannot shift a column. */
static void csv_row(FILE *f, const char *section, const char *name, double value)
{
	fputs(section, f);
	fputs(",\"", f);
	for (const char *p = name; *p; p++) {
		if (*p == '"')
			fputc('"', f);
		fputc(*p, f);
	}
	fprintf(f, "\",%.10g\n", value);
}

static void csv_times(FILE *f, const char *section, const struct insight_times *t)
{
	csv_row(f, section, "count", (double)t->n);
	csv_row(f, section, "median_seconds", t->median_s);
	csv_row(f, section, "p90_seconds", t->p90_s);
	csv_row(f, section, "within_target", (double)t->within_target);
}

int insight_write_csv(FILE *f, const struct insight_report *r)
{
	fprintf(f, "section,name,value\n");
	csv_row(f, "range", "days", r->days);
	csv_row(f, "totals", "conversations", (double)r->conversations);
	csv_row(f, "totals", "automated_conversations", (double)r->automated_conversations);
	csv_row(f, "totals", "automation_rate",
	        pct(r->automated_conversations, r->conversations) / 100);
	csv_row(f, "totals", "messages", (double)r->messages);
	csv_row(f, "totals", "after_hours", (double)r->after_hours);
	csv_row(f, "totals", "not_understood", (double)r->not_understood);
	for (int o = 0; o < OUTCOME_COUNT; o++)
		csv_row(f, "outcome", outcome_name(o), (double)r->by_outcome[o]);
	for (size_t i = 0; i < r->n_handovers; i++)
		csv_row(f, "handover_reason", r->handovers[i].name, (double)r->handovers[i].n);
	csv_times(f, "first_response", &r->first_response);
	csv_times(f, "resolution", &r->resolution);
	csv_row(f, "first_response", "waiting", (double)r->handed_over_waiting);
	for (int b = 0; b < INSIGHT_RESPONSE_BUCKETS; b++)
		csv_row(f, "first_response_bucket", insight_response_labels[b],
		        (double)r->response_buckets[b]);
	csv_row(f, "cases", "filed", (double)r->cases_filed);
	csv_row(f, "cases", "joined", (double)r->cases_joined);
	for (size_t i = 0; i < r->n_categories; i++) {
		char name[64];
		const struct insight_category *c = &r->categories[i];
		snprintf(name, sizeof(name), "%s.filed", c->name);
		csv_row(f, "case_category", name, (double)c->filed);
		snprintf(name, sizeof(name), "%s.resolved", c->name);
		csv_row(f, "case_category", name, (double)c->resolved);
		snprintf(name, sizeof(name), "%s.median_resolve_seconds", c->name);
		csv_row(f, "case_category", name, c->median_resolve_s);
	}
	for (size_t i = 0; i < r->n_top_intents; i++)
		csv_row(f, "intent", r->top_intents[i].name, (double)r->top_intents[i].n);
	csv_row(f, "panel", "joined", (double)r->panel_joined);
	csv_row(f, "panel", "left", (double)r->panel_left);
	for (size_t i = 0; i < r->n_consultations; i++) {
		char name[64];
		snprintf(name, sizeof(name), "%s.offered", r->consultations[i].id);
		csv_row(f, "consultation", name, (double)r->consultations[i].offered);
		snprintf(name, sizeof(name), "%s.answered", r->consultations[i].id);
		csv_row(f, "consultation", name, (double)r->consultations[i].answered);
	}
	return ferror(f) ? -1 : 0;
}

/* ---- HTML ----------------------------------------------------------------- */

static void esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

static void row(FILE *f, const char *label, long long n, long long whole)
{
	fputs("<tr><th scope=\"row\">", f);
	esc(f, label);
	fprintf(f, "</th><td>%lld</td>", n);
	char p[16];
	if (whole >= 0)
		fprintf(f, "<td>%s</td>", pcts(n, whole, p, sizeof(p)));
	else
		fputs("<td></td>", f);
	fputs("</tr>\n", f);
}

static void times_row(FILE *f, const char *label, const struct insight_times *t)
{
	char m[32] = "–", p[32] = "–";
	if (t->n) {
		span(t->median_s, m, sizeof(m));
		span(t->p90_s, p, sizeof(p));
	}
	fputs("<tr><th scope=\"row\">", f);
	esc(f, label);
	fprintf(f, "</th><td>%lld</td><td>%s</td><td>%s</td><td>%.0f %%</td></tr>\n", t->n, m, p,
	        pct(t->within_target, t->n));
}

int insight_write_html(FILE *f, const struct insight_report *r)
{
	fprintf(f,
	        "<!doctype html>\n<html lang=\"da\"><head><meta charset=\"utf-8\">\n"
	        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	        "<title>Borgerbot – effekt %s til %s</title>\n<style>\n"
	        "body{font-family:system-ui,Arial,sans-serif;color:#1b1b1b;max-width:60rem;"
	        "margin:0 auto;padding:1rem;line-height:1.5}\n"
	        "table{border-collapse:collapse;margin:.5rem 0 1.5rem}"
	        "th,td{padding:.3rem .8rem;border-bottom:1px solid #c9ced6;text-align:left}"
	        "td{text-align:right}\nfigure{margin:1rem 0 2rem}svg{max-width:100%%;height:auto}\n"
	        "</style></head><body>\n",
	        r->from, r->to);
	fprintf(f,
	        "<h1>Borgerbot – effekt</h1>\n<p>%s til %s (%d dage). Alle tal er talt i "
	        "databasen; se docs/insight.md for hvordan.</p>\n",
	        r->from, r->to, r->days);
	fputs("<h2>Samtaler og beskeder</h2>\n<table><thead><tr><th scope=\"col\">Mål</th>"
	      "<th scope=\"col\">Antal</th><th scope=\"col\">Andel</th></tr></thead><tbody>\n",
	      f);
	row(f, "Samtaler", r->conversations, -1);
	row(f, "Klaret uden en medarbejder", r->automated_conversations, r->conversations);
	row(f, "Beskeder fra borgere", r->messages, -1);
	for (int o = 0; o < OUTCOME_COUNT; o++)
		row(f, outcome_label_da(o), r->by_outcome[o], r->messages);
	row(f, "Uden for åbningstid", r->after_hours, r->messages);
	row(f, "Ikke forstået af Borgerbot", r->not_understood, r->messages);
	fputs("</tbody></table>\n<figure>", f);
	insight_svg_daily(f, r);
	fputs("<figcaption>Beskeder pr. dag efter udfald.</figcaption></figure>\n", f);
	fputs("<figure>", f);
	insight_svg_heatmap(f, r);
	fputs("<figcaption>Beskeder pr. time i ugen (mørkere = flere).</figcaption></figure>\n", f);
	fputs("<h2>Givet til en medarbejder</h2>\n<table><thead><tr><th scope=\"col\">Årsag</th>"
	      "<th scope=\"col\">Antal</th><th scope=\"col\">Andel</th></tr></thead><tbody>\n",
	      f);
	long long handed = 0;
	for (size_t i = 0; i < r->n_handovers; i++)
		handed += r->handovers[i].n;
	for (size_t i = 0; i < r->n_handovers; i++)
		row(f, reason_da(r->handovers[i].name), r->handovers[i].n, handed);
	if (!r->n_handovers)
		fputs("<tr><td colspan=\"3\">Ingen i perioden.</td></tr>\n", f);
	fputs("</tbody></table>\n<h2>Medarbejdernes svartider</h2>\n<table><thead><tr>"
	      "<th scope=\"col\">Mål</th><th scope=\"col\">Antal</th><th scope=\"col\">Median</th>"
	      "<th scope=\"col\">90 %</th><th scope=\"col\">Inden for målet</th></tr></thead>"
	      "<tbody>\n",
	      f);
	times_row(f, "Første svar", &r->first_response);
	times_row(f, "Tilbage til Borgerbot eller lukket", &r->resolution);
	fprintf(f, "</tbody></table>\n<p>Venter stadig på første svar: %lld.</p>\n<figure>",
	        r->handed_over_waiting);
	insight_svg_response(f, r);
	fputs("<figcaption>Tid til første svar fra en medarbejder.</figcaption></figure>\n", f);
	fputs("<h2>Sager</h2>\n<table><thead><tr><th scope=\"col\">Kategori</th>"
	      "<th scope=\"col\">Oprettet</th><th scope=\"col\">Løst</th>"
	      "<th scope=\"col\">Median til løst</th></tr></thead><tbody>\n",
	      f);
	for (size_t i = 0; i < r->n_categories; i++) {
		const struct insight_category *c = &r->categories[i];
		char m[32] = "–";
		if (c->resolved)
			span(c->median_resolve_s, m, sizeof(m));
		fputs("<tr><th scope=\"row\">", f);
		esc(f, c->name);
		fprintf(f, "</th><td>%lld</td><td>%lld</td><td>%s</td></tr>\n", c->filed,
		        c->resolved, m);
	}
	fprintf(f,
	        "</tbody></table>\n<p>Borgere der meldte noget, som allerede var en åben sag: "
	        "%lld.</p>\n",
	        r->cases_joined);
	fprintf(f,
	        "<h2>Borgerpanelet</h2>\n<p>%lld meldte sig ind og %lld meldte sig ud i "
	        "perioden.</p>\n<table><thead><tr><th scope=\"col\">Undersøgelse</th>"
	        "<th scope=\"col\">Tilbudt</th><th scope=\"col\">Svarede</th>"
	        "<th scope=\"col\">Svarprocent</th></tr></thead><tbody>\n",
	        r->panel_joined, r->panel_left);
	for (size_t i = 0; i < r->n_consultations; i++) {
		const struct insight_consultation *c = &r->consultations[i];
		char p[16];
		fputs("<tr><th scope=\"row\">", f);
		esc(f, c->id);
		fprintf(f, "</th><td>%lld</td><td>%lld</td><td>%s</td></tr>\n", c->offered,
		        c->answered, pcts(c->answered, c->offered, p, sizeof(p)));
	}
	if (!r->n_consultations)
		fputs("<tr><td colspan=\"4\">Ingen undersøgelser i perioden.</td></tr>\n", f);
	fputs("</tbody></table>\n", f);
	fputs("<h2>Hyppigste emner</h2>\n<table><thead><tr><th scope=\"col\">Emne</th>"
	      "<th scope=\"col\">Beskeder</th><th scope=\"col\">Andel</th></tr></thead><tbody>\n",
	      f);
	for (size_t i = 0; i < r->n_top_intents; i++)
		row(f, r->top_intents[i].name, r->top_intents[i].n, r->messages);
	fputs("</tbody></table>\n</body></html>\n", f);
	return ferror(f) ? -1 : 0;
}
