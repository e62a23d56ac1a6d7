// Assistant: one box that finds assets, feeders, substations, crews and outages by id or
// name (`/api/search`) and answers operational questions (`/api/assistant`, deterministic):
// the answer as a table, its assets highlighted on the map, suggestions when not understood.

import { useEffect, useState } from 'preact/hooks';
import { Table, type Column } from '../../components/Table';
import { Section, Show, useLoad, type Loaded } from '../../components/status';
import { opsApi, type AssistantAnswer, type SearchResult } from '../../opsApi';
import { navigate } from '../../app/router';
import { flyTo, highlight, select } from '../../app/mapBus';
import type { WorkspaceProps } from '../../app/Shell';

const RESULT_COLUMNS: Column<SearchResult>[] = [
  { key: 'kind', label: 'Kind', value: (r) => r.kind },
  { key: 'id', label: 'Id', value: (r) => r.id, numeric: true },
  { key: 'label', label: 'Name', value: (r) => r.label },
];

function openResult(r: SearchResult): void {
  if (r.kind === 'outage') navigate(`/outages/${r.id}`);
  else if (r.kind === 'crew') navigate(`/field/crews/${r.id}`);
  else if (r.bbox) {
    highlight(r.layer ? [{ layer: r.layer, id: r.id }] : []);
    const [w, south, e, n] = r.bbox;
    flyTo({ bbox: [w, south, e, n] });
  } else select(r.layer ?? 'substations', r.id, r.lon, r.lat, 15);
}

function Answer({ answer }: { answer: Loaded<AssistantAnswer> }) {
  useEffect(() => {
    if (answer.state !== 'ok' || !answer.data.understood) return;
    const bbox = answer.data.highlight?.bbox;
    if (bbox && bbox.length === 4) flyTo({ bbox: [bbox[0], bbox[1], bbox[2], bbox[3]] });
  }, [answer]);
  return (
    <Show value={answer} what="assistant">
      {(a) =>
        a.understood && a.answer ? (
          <div data-testid="answer" data-intent={a.intent}>
            <table class="data" aria-label="answer">
              <thead>
                <tr>{a.answer.columns.map((c) => <th key={c}>{c}</th>)}</tr>
              </thead>
              <tbody>
                {a.answer.rows.slice(0, 200).map((row, i) => (
                  <tr key={i}>{row.map((v, j) => <td key={j}>{v === null ? '—' : String(v)}</td>)}</tr>
                ))}
              </tbody>
            </table>
            <p class="muted">answered from {(a.calls ?? []).join(', ')}</p>
          </div>
        ) : (
          <div data-testid="suggestions">
            <p>I can answer questions like:</p>
            <ul>
              {(a.suggestions ?? []).map((s) => (
                <li key={s}>
                  <button type="button" class="link" onClick={() => navigate(`/assistant?q=${encodeURIComponent(s)}`)}>{s}</button>
                </li>
              ))}
            </ul>
          </div>
        )
      }
    </Show>
  );
}

export function Assistant({ route }: WorkspaceProps) {
  const q = route.query.get('q') ?? '';
  const [text, setText] = useState(q);
  useEffect(() => setText(q), [q]);
  const results = useLoad(() => (q ? opsApi.search(q, 20) : Promise.resolve(null)), [q]);
  const answer = useLoad(() => (q ? opsApi.assistant(q) : Promise.resolve(null)), [q]);
  return (
    <>
      <Section title="Ask or search">
        <form class="filters" role="search" onSubmit={(e) => { e.preventDefault(); navigate(`/assistant?q=${encodeURIComponent(text.trim())}`); }}>
          <input type="search" class="wide" aria-label="question or name" placeholder="e.g. outages on feeder 1000042, or a substation name"
            value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
          <button type="submit">ask</button>
        </form>
      </Section>
      {q && (
        <>
          <Section title="Matches">
            <Show value={results} what="search">
              {(d) => d && <Table label="search results" testId="search-results" columns={RESULT_COLUMNS} rows={d.results} rowKey={(r) => `${r.kind}-${r.id}`} onSelect={openResult} />}
            </Show>
          </Section>
          <Section title="Answer">
            {answer.state === 'ok' && answer.data === null ? null : <Answer answer={answer as Loaded<AssistantAnswer>} />}
          </Section>
        </>
      )}
    </>
  );
}
