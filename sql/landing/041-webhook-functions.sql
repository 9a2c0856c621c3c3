-- The webhook path's statements as functions (issue 8 item 3), as in
-- sql/traffic/044-webhook-functions.sql: their plans are kept per server
-- connection instead of being made again for every request, and it works
-- through a transaction-mode pooler. The C side: lib/sales/landing.c and
-- lib/sales/ingest.c.

-- Its functions and triggers moved to sql/landing/functions/ (the SQL floors,
-- issue 20); a database that applied an earlier version keeps it:
-- amosync-migrate: was 97eadd7c16d777cd
