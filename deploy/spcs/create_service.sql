-- gridtiles on Snowpark Container Services: image repository, compute pool, egress to
-- PostgreSQL, the database URL secret and the service (1 to 5 instances, never cold).
-- Run as a role that may create these objects (e.g. a dedicated GRIDTILES_ADMIN role).
-- Names in <angle brackets> are yours to fill in.

CREATE DATABASE IF NOT EXISTS gridtiles_db;
CREATE SCHEMA IF NOT EXISTS gridtiles_db.app;
USE SCHEMA gridtiles_db.app;

-- 1. Image repository. Push with:
--      docker login <repository_url>
--      docker build --platform linux/amd64 -t <repository_url>/gridtiles:1.0.0 .
--      docker push <repository_url>/gridtiles:1.0.0
CREATE IMAGE REPOSITORY IF NOT EXISTS gridtiles_db.app.images;
SHOW IMAGE REPOSITORIES IN SCHEMA gridtiles_db.app;   -- repository_url

-- 2. Compute pool: one node per instance at most, so MAX_NODES = MAX_INSTANCES. MIN_NODES = 1
--    and no auto-suspend: the first instance is always warm (a node takes minutes to
--    provision; nobody should wait for it).
CREATE COMPUTE POOL IF NOT EXISTS gridtiles_pool
  MIN_NODES = 1
  MAX_NODES = 5
  INSTANCE_FAMILY = CPU_X64_S
  AUTO_RESUME = TRUE
  AUTO_SUSPEND_SECS = 0
  COMMENT = 'gridtiles tile server';

-- 3. Egress to PostgreSQL: a network rule for the database host and an external access
--    integration the service is allowed to use.
CREATE OR REPLACE NETWORK RULE gridtiles_db.app.postgres_egress
  MODE = EGRESS
  TYPE = HOST_PORT
  VALUE_LIST = ('<postgres-host>:5432');

CREATE OR REPLACE SECRET gridtiles_db.app.database_url
  TYPE = GENERIC_STRING
  SECRET_STRING = 'postgres://<user>:<password>@<postgres-host>:5432/<database>?sslmode=require';

CREATE OR REPLACE EXTERNAL ACCESS INTEGRATION gridtiles_postgres_access
  ALLOWED_NETWORK_RULES = (gridtiles_db.app.postgres_egress)
  ENABLED = TRUE
  COMMENT = 'gridtiles → PostgreSQL';

-- 4. The service. Upload gridtiles.yaml to a stage, or paste it between $$ ... $$ with
--    FROM SPECIFICATION. MIN_INSTANCES = 1: no cold starts; Snowflake adds instances (up to
--    5) under load. Instances share nothing but the database.
CREATE STAGE IF NOT EXISTS gridtiles_db.app.specs;
-- PUT file://deploy/spcs/gridtiles.yaml @gridtiles_db.app.specs AUTO_COMPRESS = FALSE OVERWRITE = TRUE;

CREATE SERVICE IF NOT EXISTS gridtiles_db.app.gridtiles
  IN COMPUTE POOL gridtiles_pool
  FROM @gridtiles_db.app.specs
  SPECIFICATION_FILE = 'gridtiles.yaml'
  MIN_INSTANCES = 1
  MAX_INSTANCES = 5
  EXTERNAL_ACCESS_INTEGRATIONS = (gridtiles_postgres_access)
  COMMENT = 'gridtiles: front end, styles, vector tiles and API';

-- 5. Who may use the map: grant the service role of the public endpoint.
GRANT SERVICE ROLE gridtiles_db.app.gridtiles!map_user TO ROLE <map_users_role>;

-- 6. Check it.
SHOW SERVICE CONTAINERS IN SERVICE gridtiles_db.app.gridtiles;   -- status READY
SHOW ENDPOINTS IN SERVICE gridtiles_db.app.gridtiles;            -- ingress_url
SELECT SYSTEM$GET_SERVICE_LOGS('gridtiles_db.app.gridtiles', 0, 'gridtiles', 100);

-- Upgrade to a new image: push it with a new tag, edit the spec's image, PUT it again, then
--   ALTER SERVICE gridtiles_db.app.gridtiles FROM @gridtiles_db.app.specs SPECIFICATION_FILE = 'gridtiles.yaml';
-- (a rolling upgrade: instances drain on SIGTERM, see deploy/README.md).
