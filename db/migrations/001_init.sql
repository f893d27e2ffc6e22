-- 001_init.sql: the corpus schema. Applied by essayd inside one
-- transaction; PRAGMA user_version records how many migrations ran.

-- generation is bumped inside every write transaction, so a reader that
-- reads it in the same transaction as the data can key caches on it.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('generation', 0);

-- AUTOINCREMENT everywhere: an id, once handed out, never names another row.
CREATE TABLE articles (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    slug           TEXT NOT NULL UNIQUE,
    title          TEXT NOT NULL,
    category       TEXT,
    category_slug  TEXT,
    published      TEXT,            -- ISO 8601: YYYY, YYYY-MM or YYYY-MM-DD
    venue          TEXT,
    note           TEXT,
    authors        TEXT NOT NULL DEFAULT '[]',  -- JSON array of strings
    word_count     INTEGER NOT NULL,
    paragraph_count INTEGER NOT NULL,
    claim_count    INTEGER NOT NULL,
    endnote_count  INTEGER NOT NULL,
    slug_explicit  INTEGER NOT NULL DEFAULT 0,  -- slug came from a Slug: line
    source_name    TEXT,
    source_sha256  TEXT NOT NULL,
    parser_version INTEGER NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX articles_published ON articles (coalesce(published, ''), id);
CREATE INDEX articles_title ON articles (title COLLATE NOCASE, id);
CREATE INDEX articles_category ON articles (category_slug);

CREATE TABLE paragraphs (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    idx        INTEGER NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('text', 'quote')),
    text       TEXT NOT NULL,
    markers    TEXT NOT NULL DEFAULT '[]',  -- JSON [{n,start,end,start_utf16,end_utf16}]
    PRIMARY KEY (article_id, idx)
) WITHOUT ROWID;

CREATE TABLE endnotes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    n          INTEGER NOT NULL,
    raw        TEXT NOT NULL,
    author     TEXT,
    date       TEXT,
    title      TEXT,
    publisher  TEXT,
    retrieved  TEXT,
    url        TEXT,
    host       TEXT,
    domain     TEXT,
    UNIQUE (article_id, n)
);
CREATE INDEX endnotes_domain ON endnotes (domain, id);
CREATE INDEX endnotes_publisher ON endnotes (publisher, id);
CREATE INDEX endnotes_year ON endnotes (substr(date, 1, 4), id);

CREATE TABLE claims (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id  INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    idx         INTEGER NOT NULL,
    paragraph   INTEGER NOT NULL,
    start       INTEGER NOT NULL,
    "end"       INTEGER NOT NULL,
    start_utf16 INTEGER NOT NULL,
    end_utf16   INTEGER NOT NULL,
    text        TEXT NOT NULL,
    key         TEXT NOT NULL,
    cited       INTEGER NOT NULL,
    quote       INTEGER NOT NULL,
    statistic   INTEGER NOT NULL,
    normative   INTEGER NOT NULL,
    UNIQUE (article_id, idx)
);
CREATE INDEX claims_key ON claims (key);

-- One row per marker a claim carries, in order; endnote_id is NULL for a
-- marker with no endnote.
CREATE TABLE claim_endnotes (
    claim_id   INTEGER NOT NULL REFERENCES claims (id) ON DELETE CASCADE,
    pos        INTEGER NOT NULL,
    n          INTEGER NOT NULL,
    endnote_id INTEGER REFERENCES endnotes (id) ON DELETE CASCADE,
    PRIMARY KEY (claim_id, pos)
) WITHOUT ROWID;
CREATE INDEX claim_endnotes_endnote ON claim_endnotes (endnote_id, claim_id);
