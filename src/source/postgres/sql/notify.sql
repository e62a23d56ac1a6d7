-- The change-notification trigger function. `__SCHEMA__` is replaced by the quoted schema.
-- Statement-level: one call per INSERT/UPDATE/DELETE statement, reading the changed rows
-- from the transition tables `gt_new` / `gt_old`. Arguments: the key column to send, and
-- the channel. Payload: {"s": schema, "t": table, "c": key column, "k": [keys as text]}. Payloads stay far below PostgreSQL's 8000-byte NOTIFY limit: keys in chunks
-- of 200; a statement touching more than 5000 rows (or a key too long to fit) sends one
-- {"all": true} notice for the table instead; TRUNCATE always does.
CREATE OR REPLACE FUNCTION __SCHEMA__.gridtiles_notify() RETURNS trigger
LANGUAGE plpgsql AS $gridtiles$
DECLARE
    key_col text := TG_ARGV[0];
    channel text := TG_ARGV[1];
    everything text := json_build_object('s', TG_TABLE_SCHEMA, 't', TG_TABLE_NAME, 'c', key_col, 'all', true)::text;
    rows_sql text;
    n bigint;
    payload text;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify(channel, everything);
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        rows_sql := format('SELECT %I::text AS k FROM gt_new', key_col);
    ELSIF TG_OP = 'DELETE' THEN
        rows_sql := format('SELECT %I::text AS k FROM gt_old', key_col);
    ELSE
        rows_sql := format('SELECT %1$I::text AS k FROM gt_new UNION SELECT %1$I::text FROM gt_old', key_col);
    END IF;
    EXECUTE 'SELECT count(*) FROM (' || rows_sql || ') r' INTO n;
    IF n = 0 THEN
        RETURN NULL;
    END IF;
    IF n > 5000 THEN
        PERFORM pg_notify(channel, everything);
        RETURN NULL;
    END IF;
    FOR payload IN EXECUTE
        'SELECT json_build_object(''s'', $1, ''t'', $2, ''c'', $3, ''k'', json_agg(k))::text '
        || 'FROM (SELECT k, (row_number() OVER () - 1) / 200 AS chunk '
        || 'FROM (SELECT DISTINCT k FROM (' || rows_sql || ') r WHERE k IS NOT NULL) d) c '
        || 'GROUP BY chunk'
        USING TG_TABLE_SCHEMA, TG_TABLE_NAME, key_col
    LOOP
        IF octet_length(payload) > 7900 THEN
            PERFORM pg_notify(channel, everything);
            RETURN NULL;
        END IF;
        PERFORM pg_notify(channel, payload);
    END LOOP;
    RETURN NULL;
END
$gridtiles$;
