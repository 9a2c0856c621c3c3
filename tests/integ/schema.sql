-- The schema of a database as text, one object a line, for comparing two
-- databases (tests/integ/migrate.sh): functions (their whole definition),
-- triggers, indexes, columns and constraints of the public schema; the
-- migration tool's own tables included.
SELECT 'fn ' || p.oid::regprocedure::text || ' ' || md5(pg_get_functiondef(p.oid)) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
UNION ALL SELECT 'tg ' || pg_get_triggerdef(t.oid) FROM pg_trigger t WHERE NOT t.tgisinternal
UNION ALL SELECT 'ix ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
UNION ALL SELECT 'col ' || table_name || '.' || column_name || ' ' || data_type || ' ' || coalesce(column_default, '') || ' ' || is_nullable FROM information_schema.columns WHERE table_schema = 'public'
UNION ALL SELECT 'con ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace
ORDER BY 1;
