// Incidents: what clearing could not take as-is (unknown terminal, bad record, gap, fork, chain break...).
import type { ReactNode } from 'react';
import type { Incident } from '../../api/types.js';
import { PagedTable } from '../../components/paged.js';
import { Time } from '../../components/ui.js';

export default function Incidents(): ReactNode {
  return (
    <>
      <h1>Incidents</h1>
      <PagedTable<Incident>
        path="/incidents"
        what="incidents"
        caption="Incidents, newest first"
        rowKey={(i) => String(i.id)}
        empty="No incident: every journal record chained and verified."
        columns={[
          { label: 'Kind', cell: (i) => i.kind },
          { label: 'Terminal', cell: (i) => i.terminalId },
          { label: 'Records', cell: (i) => (i.index === null ? '—' : i.lastIndex !== null && i.lastIndex !== i.index ? `#${i.index}–#${i.lastIndex}` : `#${i.index}`) },
          { label: 'Count', num: true, cell: (i) => i.count },
          { label: 'Detail', cell: (i) => i.detail },
          { label: 'First', cell: (i) => <Time at={i.at} /> },
          { label: 'Last', cell: (i) => <Time at={i.lastAt} /> },
        ]}
      />
    </>
  );
}
