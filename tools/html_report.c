/*
 * html_report.c — the page and SVG charts of html_report.h. Charts are horizontal bars so long
 * tensor names fit; the scale starts at 0 dB (negative values draw no bar) and ends a little past
 * the largest finite value or the goal line, whichever is larger.
 */
#include "html_report.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

enum { LABEL_W = 360, BAR_W = 440, VALUE_W = 70, ROW_H = 18, TOP = 24 };

static void esc(FILE *f, const char *s) {
  for (; s && *s; s++) {
    switch (*s) {
    case '&': fputs("&amp;", f); break;
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '"': fputs("&quot;", f); break;
    default: fputc(*s, f);
    }
  }
}

FILE *html_begin(const char *path, const char *title) {
  FILE *f = fopen(path, "w");
  if (!f) return NULL;
  fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>", f);
  esc(f, title);
  fputs("</title>\n<style>body{font-family:sans-serif;max-width:960px;margin:2em auto;color:#222}"
        "svg text{font-family:monospace;font-size:11px}h1{font-size:1.4em}h2{font-size:1.1em;margin-top:2em}"
        ".legend span{display:inline-block;width:12px;height:10px;margin:0 4px 0 12px}</style></head><body>\n<h1>",
        f);
  esc(f, title);
  fputs("</h1>\n", f);
  return f;
}

void html_heading(FILE *f, const char *text) {
  fputs("<h2>", f);
  esc(f, text);
  fputs("</h2>\n", f);
}

void html_para(FILE *f, const char *fmt, ...) {
  char buf[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  fputs("<p>", f);
  esc(f, buf);
  fputs("</p>\n", f);
}

/* The label as shown: its last 50 characters (names differ at the end: ".../conv2d_14/BiasAdd:0"). */
static void short_label(FILE *f, const char *s) {
  size_t n = s ? strlen(s) : 0;
  if (n > 50) {
    fputs("...", f);
    s += n - 47;
  }
  esc(f, s);
}

static void bar(FILE *f, double v, double scale, int y, int h, const char *color) {
  if (!isfinite(v) || v <= 0) return;
  fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>\n", LABEL_W, y, v * scale, h, color);
}

static void value(FILE *f, double v, int y) {
  fprintf(f, "<text x=\"%d\" y=\"%d\">", LABEL_W + BAR_W + 6, y);
  if (isnan(v))
    fputs("-", f);
  else if (isinf(v))
    fputs(v > 0 ? "inf" : "-inf", f);
  else
    fprintf(f, "%.2f", v);
  fputs("</text>\n", f);
}

void html_bars(FILE *f, const char *caption, const char *const *labels, const double *a, const char *name_a,
               const double *b, const char *name_b, size_t n, double goal) {
  static const char *const ca = "#4878a8", *const cb = "#e8a040";
  double top = goal > 0 ? goal : 0;
  for (size_t i = 0; i < n; i++) {
    if (isfinite(a[i]) && a[i] > top) top = a[i];
    if (b && isfinite(b[i]) && b[i] > top) top = b[i];
  }
  if (top <= 0) top = 1;
  double scale = BAR_W / (top * 1.05);
  fputs("<figure>\n<figcaption>", f);
  esc(f, caption);
  fputs("<span class=\"legend\"><span style=\"background:", f);
  fputs(ca, f);
  fputs("\"></span>", f);
  esc(f, name_a);
  if (b) {
    fprintf(f, "<span style=\"background:%s\"></span>", cb);
    esc(f, name_b);
  }
  fputs("</span></figcaption>\n", f);
  int height = TOP + (int)n * ROW_H + 8;
  fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\">\n", LABEL_W + BAR_W + VALUE_W + 60, height);
  for (int t = 0; t <= 4; t++) { /* axis ticks at fifths of the scale, in whole dB */
    double v = floor(top * 1.05 * t / 4.0);
    fprintf(f, "<text x=\"%.1f\" y=\"12\">%.0f</text>\n", LABEL_W + v * scale - 4, v);
  }
  for (size_t i = 0; i < n; i++) {
    int y = TOP + (int)i * ROW_H;
    fprintf(f, "<text x=\"0\" y=\"%d\">", y + 12);
    short_label(f, labels[i]);
    fputs("</text>\n", f);
    if (b) {
      bar(f, a[i], scale, y + 1, 7, ca);
      bar(f, b[i], scale, y + 9, 7, cb);
      value(f, a[i], y + 8);
      fprintf(f, "<g transform=\"translate(60,0)\">");
      value(f, b[i], y + 16);
      fputs("</g>\n", f);
    } else {
      bar(f, a[i], scale, y + 2, ROW_H - 5, ca);
      value(f, a[i], y + 12);
    }
  }
  if (goal > 0)
    fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"16\" y2=\"%d\" stroke=\"#c0392b\" stroke-dasharray=\"4 3\"/>\n",
            LABEL_W + goal * scale, LABEL_W + goal * scale, height);
  fputs("</svg>\n</figure>\n", f);
}

bool html_end(FILE *f) {
  fputs("</body></html>\n", f);
  bool ok = !ferror(f);
  return fclose(f) == 0 && ok;
}
