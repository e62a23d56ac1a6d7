// Assign an available crew to an open outage without one: `POST /api/outages/{id}/dispatch`
// with `{"crew_id"}`. The list, the map and the KPIs follow from the event stream; a refusal
// (unknown, busy, closed: 4xx) shows the server's JSON message.

import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../../api';
import { opsApi, type Crew, type Outage } from '../../opsApi';
import { Section } from '../../components/status';
import { refreshCrews, refreshOutages } from '../../app/store';

type Result = { state: 'idle' } | { state: 'busy' } | { state: 'ok'; text: string } | { state: 'error'; text: string };

interface Props {
  initialOutage: number | null;
  initialCrew: number | null;
  crews: Crew[];
  outages: Outage[];
}

export function Dispatch({ initialOutage, initialCrew, crews, outages }: Props) {
  const [outage, setOutage] = useState<number | null>(initialOutage);
  const [crew, setCrew] = useState<number | null>(initialCrew);
  const [result, setResult] = useState<Result>({ state: 'idle' });
  useEffect(() => setOutage(initialOutage ?? outage), [initialOutage]);
  useEffect(() => setCrew(initialCrew ?? crew), [initialCrew]);
  const open = outages.filter((o) => o.crew_id === null && o.status === 'active').sort((a, b) => b.customers_out - a.customers_out);
  const available = crews.filter((c) => c.status === 'available');
  const submit = async (e: Event) => {
    e.preventDefault();
    if (outage === null || crew === null) {
      setResult({ state: 'error', text: 'choose an outage and a crew' });
      return;
    }
    setResult({ state: 'busy' });
    try {
      const r = await opsApi.dispatch(outage, crew);
      setResult({ state: 'ok', text: `crew ${r.crew_id} ${r.crew_status} to outage ${r.outage_id} (${r.outage_status.replace('_', ' ')})` });
      void refreshCrews();
      void refreshOutages();
    } catch (err) {
      const text =
        err instanceof ApiError
          ? err.status === 404 && err.message.startsWith('no such')
            ? 'dispatch is not available on this server'
            : `${err.status}: ${err.message}`
          : String(err);
      setResult({ state: 'error', text });
    }
  };
  const num = (v: string) => (v === '' ? null : Number(v));
  return (
    <Section title="Assign a crew">
      <form class="dispatch" onSubmit={submit} aria-label="assign a crew to an outage">
        <label>
          outage
          <select data-testid="dispatch-outage" value={outage ?? ''} onChange={(e) => setOutage(num((e.target as HTMLSelectElement).value))}>
            <option value="">choose…</option>
            {outage !== null && !open.some((o) => o.id === outage) && <option value={outage}>outage {outage}</option>}
            {open.map((o) => (
              <option key={o.id} value={o.id}>
                {o.id} · feeder {o.feeder_name ?? o.feeder_id} · {o.customers_out} out
              </option>
            ))}
          </select>
        </label>
        <label>
          crew
          <select data-testid="dispatch-crew" value={crew ?? ''} onChange={(e) => setCrew(num((e.target as HTMLSelectElement).value))}>
            <option value="">choose…</option>
            {crew !== null && !available.some((c) => c.id === crew) && <option value={crew}>crew {crew}</option>}
            {available.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name ?? c.id} · {c.substation_name ?? ''}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={result.state === 'busy'}>
          dispatch
        </button>
      </form>
      {result.state === 'ok' && <p class="ok" role="status" data-testid="dispatch-result">{result.text}</p>}
      {result.state === 'error' && <p class="error" role="alert" data-testid="dispatch-result">{result.text}</p>}
    </Section>
  );
}
