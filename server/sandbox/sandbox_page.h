/*
 * sandbox_page.h - the web chat page (server/web/sandbox.html), embedded in
 * the binary at build time by cmake/embed.cmake.
 */
#ifndef BORGERBOT_SANDBOX_PAGE_H
#define BORGERBOT_SANDBOX_PAGE_H

#include <stddef.h>

extern const char sandbox_page_html[];
extern const size_t sandbox_page_html_len;

#endif
