// One outage (`/outages/{id}`): its fields, ETR and isolation trace highlighted on the map
// (`/api/outages/{id}`'s trace, or `/api/trace/{device}?direction=isolate` where the server
// has no outage API), the map flown to it. Escape goes back to the list.

import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../../api';
import { opsApi, type Outage } from '../../opsApi';
import { clearHighlight, flyTo, highlightTrace } from '../../app/mapBus';
import { navigate } from '../../app/router';
import { dateTime, duration, fmt, since } from '../../app/format';
import { now } from '../../app/store';

type TraceState = { state: 'loading' } | { state: 'ok'; assets: number; customers: number | null; devices: number[] } | { state: 'error'; message: string };

/** The trace's asset lists in the shape `FeatureStates.setTraced` takes. */
export function OutageDetail({ id, outage }: { id: number; outage: Outage | null }) {
  const [detail, setDetail] = useState<Outage | null>(null);
  const [trace, setTrace] = useState<TraceState>({ state: 'loading' });
  const o = detail ?? outage;
  useEffect(() => {
    let live = true;
    setTrace({ state: 'loading' });
    (async () => {
      // The outage as the server answered it, else as the live list has it.
      let known: Outage | null = outage;
      try {
        const d = await opsApi.outage(id);
        if (!live) return;
        setDetail(d);
        known = d;
        flyTo({ lon: d.lon, lat: d.lat, zoom: 14 });
        if (d.trace) {
          const n = highlightTrace(d.trace.de_energized);
          setTrace({ state: 'ok', assets: n, customers: d.trace.customer_count, devices: d.trace.devices_to_open });
          return;
        }
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 404)) throw err;
      }
      // No outage API (or no trace in it, as for an outage being restored): the isolation
      // trace of the outage's device.
      if (!known) {
        setTrace({ state: 'error', message: `outage ${id} is not open` });
        return;
      }
      const device = known.device_id;
      flyTo({ lon: known.lon, lat: known.lat, zoom: 14 });
      if (device === null) {
        setTrace({ state: 'error', message: 'no device recorded for this outage' });
        return;
      }
      const t = await opsApi.isolate(device);
      if (!live) return;
      const n = highlightTrace(t.ids);
      setTrace({ state: 'ok', assets: n, customers: t.customer_count ?? null, devices: [device] });
    })().catch((err: unknown) => live && setTrace({ state: 'error', message: err instanceof Error ? err.message : String(err) }));
    return () => {
      live = false;
      clearHighlight();
    };
    // Re-run when the outage first shows up in the live list (deep link before the list loaded).
  }, [id, outage === null]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') navigate('/outages');
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
  return (
    <section class="ws-section detail" data-outage={id} aria-label={`outage ${id}`}>
      <button type="button" class="close" aria-label="close" onClick={() => navigate('/outages')}>
        ×
      </button>
      <h2>Outage {id}</h2>
      {o ? (
        <dl class="facts">
          <dt>Status</dt>
          <dd>{o.status}</dd>
          <dt>Feeder</dt>
          <dd>{o.feeder_name ?? o.feeder_id ?? '—'}</dd>
          <dt>Substation</dt>
          <dd>{o.substation_name ?? o.substation_id ?? '—'}</dd>
          <dt>Device</dt>
          <dd>{o.device_id === null ? '—' : `${o.device_kind ?? ''} ${o.device_id}`}</dd>
          <dt>Cause</dt>
          <dd>{o.cause ?? '—'}</dd>
          <dt>Customers out</dt>
          <dd data-testid="detail-customers">{fmt(o.customers_out)}</dd>
          <dt>Started</dt>
          <dd>
            {dateTime(o.start_time)} ({duration(since(o.start_time, now.value))})
          </dd>
          <dt>Crew</dt>
          <dd>{o.crew_name ?? o.crew_id ?? 'none'}</dd>
          <dt>ETR</dt>
          <dd data-testid="detail-etr" data-median={o.etr?.median_minutes} data-p90={o.etr?.p90_minutes} data-confidence={o.etr?.confidence}>
            {o.etr
              ? `${dateTime(o.etr.time)} (${fmt(o.etr.minutes_remaining)} min left; median ${fmt(o.etr.median_minutes)}, p90 ${fmt(o.etr.p90_minutes)} min; ${o.etr.confidence} confidence)`
              : 'no estimate'}
          </dd>
        </dl>
      ) : (
        <p class="muted">not in the open outages (restored, or not loaded yet)</p>
      )}
      <p class="trace-result" data-testid="trace" data-state={trace.state} data-assets={trace.state === 'ok' ? trace.assets : undefined}>
        {trace.state === 'loading' && 'tracing the isolation…'}
        {trace.state === 'error' && `trace: ${trace.message}`}
        {trace.state === 'ok' &&
          `isolation: open ${trace.devices.join(', ')}; ${fmt(trace.assets)} assets de-energized${trace.customers !== null ? `, ${fmt(trace.customers)} customers` : ''}`}
      </p>
      {o && o.status === 'active' && o.crew_id === null && (
        <button type="button" onClick={() => navigate(`/field?outage=${id}`)}>
          assign a crew…
        </button>
      )}
    </section>
  );
}
