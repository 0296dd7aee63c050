/*
 * html_report.h — a self-contained HTML page with inline SVG bar charts, no scripts and no
 * network (html_report.c): the report `cliq compare --html` writes (per output, per layer and
 * per quantizer SQNR), readable in any browser and attachable to a bug report.
 */
#ifndef CLIQ_TOOLS_HTML_REPORT_H
#define CLIQ_TOOLS_HTML_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Opens path and writes the head of a page titled `title`; NULL when the file cannot be written. */
FILE *html_begin(const char *path, const char *title);
/* A heading and a paragraph (text escaped; the paragraph is printf-formatted). */
void html_heading(FILE *f, const char *text);
void html_para(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A horizontal bar chart of n rows: labels[i] and values a[i] (dB), plus a second series b[i]
 * when b is not NULL (drawn under a, named name_b); `goal` draws a dashed line (0: none).
 * Non-finite values show as text without a bar. */
void html_bars(FILE *f, const char *caption, const char *const *labels, const double *a, const char *name_a,
               const double *b, const char *name_b, size_t n, double goal);
/* Writes the end of the page and closes f; false when a write failed. */
bool html_end(FILE *f);

#endif /* CLIQ_TOOLS_HTML_REPORT_H */
