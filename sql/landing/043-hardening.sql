-- One webhook_requests row per HTTP request: request_id is nginx's
-- $request_id, and a crash at commit time (or a spooled delivery replayed
-- after its first insert did commit) kept some requests twice. The
-- earliest row of each request stays; the writers (amosync_record_request,
-- amosync_inbox_put: sql/common/functions/) insert ON CONFLICT DO NOTHING
-- on this index. Safe to run twice.
DELETE FROM webhook_requests w
USING webhook_requests o
WHERE w.request_id IS NOT NULL
  AND o.request_id = w.request_id
  AND o.id < w.id;

CREATE UNIQUE INDEX IF NOT EXISTS webhook_requests_request_id_key
	ON webhook_requests (request_id) WHERE request_id IS NOT NULL;

-- A sale as large as money_parse() accepts (13 whole digits) is kept
-- whole, and a table of them summed: the landing amounts get 18 whole
-- digits (a wider precision is no rewrite of the table).
ALTER TABLE express_course_sales ALTER COLUMN amount TYPE numeric(20,2);
ALTER TABLE main_product_sales ALTER COLUMN amount TYPE numeric(20,2);
