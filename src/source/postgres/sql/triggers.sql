-- The four gridtiles triggers of one table. Placeholders: __TABLE__ (quoted, qualified),
-- __FUNCTION__ (quoted, qualified), __ARGS__ (key column and channel as string literals).
DROP TRIGGER IF EXISTS gridtiles_insert ON __TABLE__;
CREATE TRIGGER gridtiles_insert AFTER INSERT ON __TABLE__
    REFERENCING NEW TABLE AS gt_new
    FOR EACH STATEMENT EXECUTE FUNCTION __FUNCTION__(__ARGS__);
DROP TRIGGER IF EXISTS gridtiles_update ON __TABLE__;
CREATE TRIGGER gridtiles_update AFTER UPDATE ON __TABLE__
    REFERENCING OLD TABLE AS gt_old NEW TABLE AS gt_new
    FOR EACH STATEMENT EXECUTE FUNCTION __FUNCTION__(__ARGS__);
DROP TRIGGER IF EXISTS gridtiles_delete ON __TABLE__;
CREATE TRIGGER gridtiles_delete AFTER DELETE ON __TABLE__
    REFERENCING OLD TABLE AS gt_old
    FOR EACH STATEMENT EXECUTE FUNCTION __FUNCTION__(__ARGS__);
DROP TRIGGER IF EXISTS gridtiles_truncate ON __TABLE__;
CREATE TRIGGER gridtiles_truncate AFTER TRUNCATE ON __TABLE__
    FOR EACH STATEMENT EXECUTE FUNCTION __FUNCTION__(__ARGS__);
