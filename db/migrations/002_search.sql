-- 002_search.sql: full-text search over the corpus (issue 4).
--
-- One FTS5 table for every kind of text, so that bm25 scores compare
-- across kinds: article titles, paragraphs, claims, endnotes (title; author
-- and publisher). The rowid is (article_id << 20) + n, so an article's rows
-- form one rowid range and are replaced with a range delete, never a scan.
-- porter stems ("negotiate" finds "negotiations"); unicode61 folds case and
-- diacritics.
CREATE VIRTUAL TABLE search USING fts5(
    title,
    body,
    kind,                  -- article (title) | document (title and text) | claim | endnote
                           -- (paragraph rows until migration 003);
                           -- indexed, so that queries filter kinds inside FTS5 ("kind : claim")
    ref UNINDEXED,         -- article id, paragraph index, claim id, endnote id
    article_id UNINDEXED,
    tokenize = 'porter unicode61 remove_diacritics 2'
);

INSERT INTO search (rowid, title, body, kind, ref, article_id)
SELECT (article_id << 20) + row_number() OVER (PARTITION BY article_id ORDER BY k, ref),
       title, body, kind, ref, article_id
FROM (
    SELECT 0 AS k, id AS article_id, title, '' AS body, 'article' AS kind, id AS ref FROM articles
    UNION ALL
    SELECT 0, a.id, a.title, (SELECT group_concat(text, ' ') FROM (SELECT text FROM paragraphs p
                                WHERE p.article_id = a.id ORDER BY idx)), 'document', a.id FROM articles a
    UNION ALL
    SELECT 1, article_id, '', text, 'paragraph', idx FROM paragraphs
    UNION ALL
    SELECT 2, article_id, '', text, 'claim', id FROM claims
    UNION ALL
    SELECT 3, article_id, coalesce(title, ''), trim(coalesce(author, '') || ' ' || coalesce(publisher, '')),
           'endnote', id FROM endnotes
);
