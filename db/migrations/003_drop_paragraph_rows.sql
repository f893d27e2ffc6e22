-- 003_drop_paragraph_rows.sql: the search index no longer holds a row per
-- paragraph. No query ever read them (articles match on their whole text,
-- the "document" row; claims on their own rows), and they were a third of
-- the index: bulk import wrote and merged them for nothing.
DELETE FROM search WHERE kind = 'paragraph';
