// Field Operations: the crews (status, assignment, depot, time on task), live on the map and
// in the list; `/field/crews/{id}` selects one; assigning an available crew to an outage
// (`POST /api/outages/{id}/dispatch`), with the server's JSON reason on a refusal.

import { useEffect, useState } from 'preact/hooks';
import { Table, type Column } from '../../components/Table';
import { Section } from '../../components/status';
import { crews, crewsAvailable, mapPick, outages } from '../../app/store';
import { duration } from '../../app/format';
import { idAt, navigate } from '../../app/router';
import { select } from '../../app/mapBus';
import type { Crew } from '../../opsApi';
import type { WorkspaceProps } from '../../app/Shell';
import { Dispatch } from './Dispatch';

const COLUMNS: Column<Crew>[] = [
  { key: 'name', label: 'Crew', value: (c) => c.name ?? String(c.id) },
  { key: 'status', label: 'Status', value: (c) => c.status, render: (c) => <span class={`badge s-${c.status}`}>{(c.status ?? '—').replace('_', ' ')}</span> },
  { key: 'outage', label: 'Assignment', value: (c) => c.assignment?.outage_id ?? null,
    render: (c) => (c.assignment ? <a href={`/outages/${c.assignment.outage_id}`} onClick={(e) => { e.preventDefault(); navigate(`/outages/${c.assignment!.outage_id}`); }}>outage {c.assignment.outage_id}</a> : '—') },
  { key: 'depot', label: 'Depot', value: (c) => c.substation_name ?? c.substation_id },
  { key: 'task', label: 'On task', value: (c) => c.time_on_task_s ?? null, render: (c) => duration(c.time_on_task_s), numeric: true },
];

export function Field({ route }: WorkspaceProps) {
  const selected = route.rest[0] === 'crews' ? idAt(route.rest, 1) : null;
  const [status, setStatus] = useState('all');
  const list = crews.value.filter((c) => status === 'all' || c.status === status);
  const chosen = selected === null ? null : crews.value.find((c) => c.id === selected) ?? null;
  useEffect(() => {
    if (chosen) select('crews', chosen.id, chosen.lon, chosen.lat, 14);
  }, [chosen?.id, chosen === null]);
  useEffect(() => {
    const p = mapPick.value;
    if (p && p.layer === 'crews') navigate(`/field/crews/${p.id}`);
  }, [mapPick.value]);
  const counts = new Map<string, number>();
  for (const c of crews.value) counts.set(c.status ?? '?', (counts.get(c.status ?? '?') ?? 0) + 1);
  const outageParam = route.query.get('outage');
  return (
    <>
      <Dispatch
        initialOutage={outageParam && /^\d+$/.test(outageParam) ? Number(outageParam) : null}
        initialCrew={selected}
        crews={crews.value}
        outages={[...outages.value.values()]}
      />
      <Section title="Crews">
        {crewsAvailable.value === false ? (
          <p class="unavailable" data-state="unavailable">crews: not available on this server</p>
        ) : (
          <>
            <div class="filters">
              <select aria-label="crew status" value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
                {['all', 'available', 'dispatched', 'on_site'].map((s) => (
                  <option key={s} value={s}>
                    {s.replace('_', ' ')}
                    {s !== 'all' ? ` (${counts.get(s) ?? 0})` : ''}
                  </option>
                ))}
              </select>
            </div>
            <Table
              label="crews"
              testId="crews"
              columns={COLUMNS}
              rows={list}
              rowKey={(c) => c.id}
              selected={selected}
              initialSort={{ key: 'status', desc: false }}
              onSelect={(c) => navigate(`/field/crews/${c.id}`)}
            />
          </>
        )}
      </Section>
    </>
  );
}
