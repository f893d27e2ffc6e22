/*
 * citeformat.h — one endnote object, as the API serves it (render.h:
 * {"id", "article_id", "n", "raw", "author", "date", "title", "publisher",
 * "retrieved", "url", "host", "domain", "cited_by"}), → an entry for a
 * reference manager: CSL-JSON (Zotero, Pandoc, citeproc) or biblatex.
 *
 * Both take the fields citation_parse (citations.h) read; a field that is
 * null, missing, not a string, empty or blank is left out, never invented (no
 * "n.d.", no empty strings). date and retrieved must be ISO 8601 with
 * precision YYYY, YYYY-MM or YYYY-MM-DD; anything else is left out too.
 * raw, n, article_id, host, domain and cited_by are not exported.
 * No I/O. tests/schema/README.md has the same mapping as a table.
 */
#ifndef ESSAYD_CITEFORMAT_H
#define ESSAYD_CITEFORMAT_H

#include <jansson.h>

#include "text.h"

/* The CSL-JSON item for endnote (schema: tests/schema/csl-data.json, one
 * element of its top-level array):
 *
 *   "id"              "essayd-endnote-<id>"
 *   "type"            "webpage" when url is set, else "document"
 *   "title"           title
 *   "author"          author, split into names:
 *                       "Stewart, P."           [{"family": "Stewart",
 *                                                 "given": "P."}]
 *                       "Smith, J., & Doe, A."  two such names (any number
 *                       "Smith, J., Doe, A., & Roe, B."   is read)
 *                       "Smith, J., Jr."        {..., "suffix": "Jr."}
 *                       "BBC News" (no comma),  [{"literal": <the whole
 *                       or anything not read    string>}]
 *                       as "Family, Given" pairs
 *   "issued"          date as {"date-parts": [[2017, 10, 26]]}, with only
 *                     the parts it has ([[2017]], [[2017, 10]])
 *   "accessed"        retrieved, likewise
 *   "container-title" publisher (news outlets and magazines are the
 *                     containers of their articles in CSL)
 *   "URL"             url
 *
 * and nothing else (no "note", no "publisher"). Returns a new reference
 * the caller releases with json_decref, or NULL if endnote is not an
 * object with an integer "id" or jansson failed (no memory; a string that
 * is not valid UTF-8) — never a partial item. endnote is not modified. */
json_t *csl_from_endnote(const json_t *endnote);

/* Appends to out one biblatex entry for endnote:
 *
 *   @online{essayd-endnote-2,             (@misc when no url is written)
 *     author = {Stewart, P.},
 *     title = {Mattis talks diplomacy ...},
 *     date = {2017-10-26},
 *     urldate = {2017-12-22},
 *     url = {https://www.reuters.com/...},
 *     organization = {Reuters},
 *   }
 *
 * one "  key = {value}," line per field that is set, in that order, then
 * "}" and a newline. author is read as for CSL: personal names are written
 * "Family, Given" (", Suffix" after them), corporate names and anything
 * not read as names are wrapped in an extra pair of braces ({{BBC News}}),
 * several names are joined with " and ". date and urldate are the ISO
 * dates as they are; organization is the publisher. In every value but
 * url the characters \ { } $ & % # _ ^ ~ are written \textbackslash{} \{
 * \} \$ \& \% \# \_ \textasciicircum{} \textasciitilde{}; UTF-8 is kept.
 * url is a verbatim field in biblatex, so it is written as it is, and
 * left out if it contains { or } (braces cannot be balanced safely there);
 * the entry is then a @misc, since biblatex requires url in an @online.
 *
 * Returns 0, or -1 on allocation failure or if endnote is not an object
 * with an integer "id"; out is then left as it was. */
int bibtex_from_endnote(const json_t *endnote, strbuf *out);

#endif
