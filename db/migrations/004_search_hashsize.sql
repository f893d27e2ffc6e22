-- 004_search_hashsize.sql: FTS5 keeps a transaction's new index entries in
-- an in-memory hash and writes them out as a segment when the hash reaches
-- 'hashsize' (1 MiB by default). A bulk import batch (up to 512 essays,
-- tens of MiB of entries) was cut into dozens of small segments that were
-- then merged again; with 64 MiB a batch is one segment. The hash only grows
-- with what one transaction writes, so an HTTP write of one article still
-- holds well under 1 MiB. Measured with `essayd import` of 2,000 generated
-- essays (bench/gen_corpus.py): 584-666 essays/s before, 737-841 after.
INSERT INTO search (search, rank) VALUES ('hashsize', 67108864);
