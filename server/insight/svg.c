/*
 * svg.c - the report's three plots as SVG, drawn on the server so they read
 * without JavaScript, print, and paste into a council report: messages per
 * day stacked by outcome, an hour-of-week heat map, and the distribution of
 * staff first-response times. Each plot has a <title> and <desc> that say
 * its figures in words (screen readers, WCAG 1.1.1), presentation
 * attributes only (no style element, so a strict CSP can show it), and
 * colours that differ in lightness as well as hue, with a legend.
 */
#include "insight.h"

#include <string.h>

/* One colour per outcome (ColorBrewer-like, dark to light). */
static const char *const COLOURS[OUTCOME_COUNT] = {"#1b7837", "#5aae61", "#a6dba0", "#762a83",
                                                   "#b2182b", "#9970ab", "#878787", "#d9d9d9"};

static void header(FILE *f, int w, int h, const char *title)
{
	fprintf(f,
	        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" "
	        "height=\"%d\" role=\"img\" font-family=\"system-ui, Arial, sans-serif\" "
	        "font-size=\"12\"><title>%s</title>",
	        w, h, w, h, title);
}

static long long nice_max(long long v)
{
	long long step = 1;
	while (step * 10 < v)
		step *= 10;
	long long m = step;
	while (m < v)
		m += step;
	if (m < 4)
		m = 4;
	return (m + 3) / 4 * 4; /* four grid steps of whole messages */
}

int insight_svg_daily(FILE *f, const struct insight_report *r)
{
	const int w = 720, h = 300, left = 44, top = 14, plot_h = 200, legend_y = 262;
	header(f, w, h, "Beskeder pr. dag efter udfald");
	long long peak = 0;
	for (int d = 0; d < r->days; d++) {
		long long sum = 0;
		for (int o = 0; o < OUTCOME_COUNT; o++)
			sum += r->daily[d][o];
		peak = sum > peak ? sum : peak;
	}
	long long ymax = nice_max(peak);
	fprintf(f, "<desc>%lld beskeder på %d dage, højst %lld på én dag.</desc>", r->messages,
	        r->days, peak);
	for (int i = 0; i <= 4; i++) { /* grid and y labels */
		double y = top + plot_h - plot_h * i / 4.0;
		fprintf(
		    f,
		    "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#c9ced6\"/>"
		    "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#1b1b1b\">%lld</text>",
		    left, w - 8, y, y, left - 6, y + 4, ymax * i / 4);
	}
	double bw = (double)(w - left - 8) / (r->days > 0 ? r->days : 1);
	for (int d = 0; d < r->days; d++) {
		double y = top + plot_h;
		for (int o = 0; o < OUTCOME_COUNT; o++) {
			if (!r->daily[d][o])
				continue;
			double bh = (double)plot_h * (double)r->daily[d][o] / (double)ymax;
			y -= bh;
			fprintf(f,
			        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			        "fill=\"%s\"><title>%s: %lld</title></rect>",
			        left + d * bw + bw * 0.1, y, bw * 0.8, bh, COLOURS[o],
			        outcome_label_da(o), r->daily[d][o]);
		}
	}
	fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#1b1b1b\">%s</text>", left, top + plot_h + 18,
	        r->from);
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#1b1b1b\">%s</text>", w - 8,
	        top + plot_h + 18, r->to);
	for (int o = 0, x = left; o < OUTCOME_COUNT; o++) { /* legend, two rows */
		int row = o / 4, col = o % 4;
		x = left + col * 170;
		fprintf(f,
		        "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\" "
		        "stroke=\"#1b1b1b\" stroke-width=\"0.5\"/><text x=\"%d\" y=\"%d\" "
		        "fill=\"#1b1b1b\">%s</text>",
		        x, legend_y + row * 18, COLOURS[o], x + 16, legend_y + row * 18 + 10,
		        outcome_label_da(o));
	}
	fputs("</svg>", f);
	return ferror(f) ? -1 : 0;
}

int insight_svg_heatmap(FILE *f, const struct insight_report *r)
{
	static const char *const DAYS[7] = {"man", "tir", "ons", "tor", "fre", "lør", "søn"};
	const int w = 720, h = 220, left = 40, top = 24, cell_w = 27, cell_h = 24;
	header(f, w, h, "Beskeder pr. time i ugen");
	long long peak = 0, busiest_n = 0;
	int busiest_d = 0, busiest_h = 0;
	for (int d = 0; d < 7; d++)
		for (int hr = 0; hr < 24; hr++)
			if (r->hour_of_week[d][hr] > peak) {
				peak = busiest_n = r->hour_of_week[d][hr];
				busiest_d = d;
				busiest_h = hr;
			}
	if (peak)
		fprintf(f, "<desc>Flest beskeder %s kl. %02d–%02d (%lld).</desc>", DAYS[busiest_d],
		        busiest_h, (busiest_h + 1) % 24, busiest_n);
	else
		fputs("<desc>Ingen beskeder i perioden.</desc>", f);
	for (int hr = 0; hr < 24; hr += 3)
		fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#1b1b1b\">%02d</text>",
		        left + hr * cell_w, top - 8, hr);
	for (int d = 0; d < 7; d++) {
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#1b1b1b\">%s</text>",
		        left - 6, top + d * cell_h + 16, DAYS[d]);
		for (int hr = 0; hr < 24; hr++) {
			long long n = r->hour_of_week[d][hr];
			/* white to dark blue in lightness steps */
			int shade = peak ? (int)(255 - 200 * n / peak) : 255;
			fprintf(
			    f,
			    "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
			    "fill=\"rgb(%d,%d,255)\" stroke=\"#ffffff\"><title>%s kl. %02d: %lld"
			    "</title></rect>",
			    left + hr * cell_w, top + d * cell_h, cell_w, cell_h, shade, shade,
			    DAYS[d], hr, n);
		}
	}
	fputs("</svg>", f);
	return ferror(f) ? -1 : 0;
}

int insight_svg_response(FILE *f, const struct insight_report *r)
{
	const int w = 720, h = 240, left = 44, top = 14, plot_h = 180;
	header(f, w, h, "Tid til første svar fra en medarbejder");
	long long peak = 0;
	for (int b = 0; b < INSIGHT_RESPONSE_BUCKETS; b++)
		peak = r->response_buckets[b] > peak ? r->response_buckets[b] : peak;
	fprintf(f, "<desc>%lld første svar.", r->first_response.n);
	for (int b = 0; b < INSIGHT_RESPONSE_BUCKETS; b++)
		if (r->response_buckets[b])
			fprintf(f, " %s: %lld.", insight_response_labels[b],
			        r->response_buckets[b]);
	fputs("</desc>", f);
	long long ymax = nice_max(peak);
	double bw = (double)(w - left - 8) / INSIGHT_RESPONSE_BUCKETS;
	for (int b = 0; b < INSIGHT_RESPONSE_BUCKETS; b++) {
		double bh = (double)plot_h * (double)r->response_buckets[b] / (double)ymax;
		double x = left + b * bw;
		fprintf(
		    f,
		    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#0b5394\">"
		    "<title>%s: %lld</title></rect>"
		    "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#1b1b1b\">%s</text>",
		    x + bw * 0.1, top + plot_h - bh, bw * 0.8, bh, insight_response_labels[b],
		    r->response_buckets[b], x + bw / 2, top + plot_h + 18,
		    insight_response_labels[b]);
		if (r->response_buckets[b])
			fprintf(f,
			        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
			        "fill=\"#1b1b1b\">%lld</text>",
			        x + bw / 2, top + plot_h - bh - 4, r->response_buckets[b]);
	}
	fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#1b1b1b\"/>", left,
	        w - 8, top + plot_h, top + plot_h);
	fputs("</svg>", f);
	return ferror(f) ? -1 : 0;
}
