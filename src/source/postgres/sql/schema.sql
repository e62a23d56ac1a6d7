-- The gridtiles reference schema. `__SCHEMA__` is replaced by the quoted schema name.
-- Idempotent: every statement can run again on an existing schema.
-- Asset tables are keyed by `id bigint` (ids unique across the grid: they are the vector tile
-- feature ids), geometry in `geom` (EPSG:4326) with a GiST index, attribute names as in the
-- demo grid. Foreign keys follow the topology: segments, devices and assets belong to a
-- feeder circuit, a circuit to a substation, a meter to its transformer.

CREATE SCHEMA IF NOT EXISTS __SCHEMA__;

CREATE TABLE IF NOT EXISTS __SCHEMA__.substations (
    id            bigint PRIMARY KEY,
    name          text NOT NULL,
    substation_id bigint,
    voltage_kv    double precision,
    capacity_mva  double precision,
    feeder_count  integer,
    status        text NOT NULL DEFAULT 'energized',
    geom          geometry(Point, 4326) NOT NULL
);
CREATE INDEX IF NOT EXISTS substations_geom_idx ON __SCHEMA__.substations USING gist (geom);

-- Feeder circuits (the `feeders` map layer is drawn from feeder_segments).
CREATE TABLE IF NOT EXISTS __SCHEMA__.feeders (
    id            bigint PRIMARY KEY,
    name          text NOT NULL,
    substation_id bigint NOT NULL REFERENCES __SCHEMA__.substations (id),
    voltage_kv    double precision,
    status        text NOT NULL DEFAULT 'energized'
);
CREATE INDEX IF NOT EXISTS feeders_substation_idx ON __SCHEMA__.feeders (substation_id);

-- One row per span between two nodes (poles or a substation bus).
CREATE TABLE IF NOT EXISTS __SCHEMA__.feeder_segments (
    id            bigint PRIMARY KEY,
    feeder_id     bigint NOT NULL REFERENCES __SCHEMA__.feeders (id),
    feeder_name   text,
    substation_id bigint,
    voltage_kv    double precision,
    phase         text,
    status        text NOT NULL DEFAULT 'energized',
    from_node     bigint,
    to_node       bigint,
    section       text,
    conductor     text,
    length_m      double precision,
    geom          geometry(LineString, 4326) NOT NULL
);
CREATE INDEX IF NOT EXISTS feeder_segments_geom_idx ON __SCHEMA__.feeder_segments USING gist (geom);
CREATE INDEX IF NOT EXISTS feeder_segments_feeder_idx ON __SCHEMA__.feeder_segments (feeder_id);

CREATE TABLE IF NOT EXISTS __SCHEMA__.switches (
    id            bigint PRIMARY KEY,
    name          text,
    feeder_id     bigint NOT NULL REFERENCES __SCHEMA__.feeders (id),
    substation_id bigint,
    node_id       bigint,
    device_type   text NOT NULL,
    normal_state  text NOT NULL,
    current_state text NOT NULL,
    status        text NOT NULL DEFAULT 'energized',
    tie_feeder_id bigint REFERENCES __SCHEMA__.feeders (id),
    geom          geometry(Point, 4326) NOT NULL
);
CREATE INDEX IF NOT EXISTS switches_geom_idx ON __SCHEMA__.switches USING gist (geom);
CREATE INDEX IF NOT EXISTS switches_feeder_idx ON __SCHEMA__.switches (feeder_id);

CREATE TABLE IF NOT EXISTS __SCHEMA__.transformers (
    id             bigint PRIMARY KEY,
    feeder_id      bigint NOT NULL REFERENCES __SCHEMA__.feeders (id),
    substation_id  bigint,
    node_id        bigint,
    kva            double precision,
    phase          text,
    load_pct       double precision,
    customer_count integer,
    status         text NOT NULL DEFAULT 'energized',
    geom           geometry(Point, 4326) NOT NULL
);
CREATE INDEX IF NOT EXISTS transformers_geom_idx ON __SCHEMA__.transformers USING gist (geom);
CREATE INDEX IF NOT EXISTS transformers_feeder_idx ON __SCHEMA__.transformers (feeder_id);

CREATE TABLE IF NOT EXISTS __SCHEMA__.poles (
    id            bigint PRIMARY KEY,
    feeder_id     bigint NOT NULL REFERENCES __SCHEMA__.feeders (id),
    substation_id bigint,
    height_ft     integer,
    material      text,
    install_year  integer,
    health_score  double precision,
    status        text NOT NULL DEFAULT 'energized',
    geom          geometry(Point, 4326) NOT NULL
);
CREATE INDEX IF NOT EXISTS poles_geom_idx ON __SCHEMA__.poles USING gist (geom);
CREATE INDEX IF NOT EXISTS poles_feeder_idx ON __SCHEMA__.poles (feeder_id);

CREATE TABLE IF NOT EXISTS __SCHEMA__.meters (
    id             bigint PRIMARY KEY,
    feeder_id      bigint NOT NULL REFERENCES __SCHEMA__.feeders (id),
    substation_id  bigint,
    transformer_id bigint REFERENCES __SCHEMA__.transformers (id),
    customer_class text,
    kwh            double precision,
    phase          text,
    status         text NOT NULL DEFAULT 'energized',
    geom           geometry(Point, 4326) NOT NULL
);
CREATE INDEX IF NOT EXISTS meters_geom_idx ON __SCHEMA__.meters USING gist (geom);
CREATE INDEX IF NOT EXISTS meters_transformer_idx ON __SCHEMA__.meters (transformer_id);

-- KPI and analytics (IEEE 1366 indices, AMI). No foreign keys to assets: history outlives
-- asset replacement.
CREATE TABLE IF NOT EXISTS __SCHEMA__.outage_events (
    id                    bigint PRIMARY KEY,
    feeder_id             bigint NOT NULL,
    substation_id         bigint NOT NULL,
    device_id             bigint,
    start_time            timestamptz NOT NULL,
    end_time              timestamptz,
    customers_interrupted integer NOT NULL CHECK (customers_interrupted >= 0),
    customer_minutes      double precision,
    cause                 text NOT NULL,
    geom                  geometry(Point, 4326),
    status                text NOT NULL DEFAULT 'active',
    crew_id               bigint,
    CHECK (end_time IS NULL OR end_time >= start_time)
);
-- Added after the first release: `db init` upgrades an existing table.
ALTER TABLE __SCHEMA__.outage_events ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'active';
ALTER TABLE __SCHEMA__.outage_events ADD COLUMN IF NOT EXISTS crew_id bigint;
CREATE INDEX IF NOT EXISTS outage_events_start_idx ON __SCHEMA__.outage_events (start_time);
CREATE INDEX IF NOT EXISTS outage_events_feeder_idx ON __SCHEMA__.outage_events (feeder_id);
CREATE INDEX IF NOT EXISTS outage_events_open_idx ON __SCHEMA__.outage_events (feeder_id)
    WHERE end_time IS NULL;

CREATE TABLE IF NOT EXISTS __SCHEMA__.circuit_status (
    feeder_id      bigint PRIMARY KEY,
    energized      boolean NOT NULL,
    load_mw        double precision,
    customers_out  integer NOT NULL DEFAULT 0,
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- The `crews` map layer: field crews (`status` available | dispatched | on_site), the outage
-- a crew works on, its home depot (a substation id).
CREATE TABLE IF NOT EXISTS __SCHEMA__.crews (
    id                 bigint PRIMARY KEY,
    name               text NOT NULL,
    status             text NOT NULL,
    assigned_outage_id bigint,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    geom               geometry(Point, 4326),
    substation_id      bigint,
    dispatched_at      timestamptz
);
ALTER TABLE __SCHEMA__.crews ADD COLUMN IF NOT EXISTS substation_id bigint;
-- When the crew was dispatched to its outage (`/api/crews` time on task).
ALTER TABLE __SCHEMA__.crews ADD COLUMN IF NOT EXISTS dispatched_at timestamptz;

-- The `outages` map layer: the outage events in progress (`end_time IS NULL`) that have a
-- location, with the layer's attribute names. Setting `end_time` takes a row out of the
-- view; the layer watches `outage_events` by id, so the change notification re-reads the
-- id, finds no row, and deletes the feature.
CREATE OR REPLACE VIEW __SCHEMA__.outages_active AS
    SELECT id, feeder_id, substation_id, device_id, cause,
           customers_interrupted AS customers_out, start_time, status, crew_id, geom
    FROM __SCHEMA__.outage_events
    WHERE end_time IS NULL AND geom IS NOT NULL;

-- 15-minute readings (`ts` = interval start), range-partitioned by `ts`: one partition per
-- UTC month (`ami_readings_pYYYYMM`, created by `gridtiles db load` for the months it loads)
-- and a default partition for any other time. The primary key includes the partition key;
-- queries filter `meter_id = ANY(...)` and a `ts` range, so they read the primary key index
-- of the months in range only (partition pruning). `db init` converts a table created
-- before partitioning (rows moved, same columns).
CREATE TABLE IF NOT EXISTS __SCHEMA__.ami_readings (
    meter_id bigint NOT NULL,
    ts       timestamptz NOT NULL,
    kwh      double precision NOT NULL,
    peak_kw  double precision,
    voltage  double precision,
    PRIMARY KEY (meter_id, ts)
) PARTITION BY RANGE (ts);
CREATE TABLE IF NOT EXISTS __SCHEMA__.ami_readings_default
    PARTITION OF __SCHEMA__.ami_readings DEFAULT;
CREATE INDEX IF NOT EXISTS ami_readings_ts_idx ON __SCHEMA__.ami_readings (ts);
