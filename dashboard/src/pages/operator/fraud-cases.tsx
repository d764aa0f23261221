// Fraud cases: the open and resolved cases, newest first.
import type { ReactNode } from 'react';
import type { FraudCase } from '../../api/types.js';
import { PagedTable } from '../../components/paged.js';
import { Link, Money, Time } from '../../components/ui.js';
import { short } from '../../format.js';

export const caseState = (f: FraudCase): string => f.status ?? (f.resolution ? 'resolved' : 'open');

export default function FraudCases(): ReactNode {
  return (
    <>
      <h1>Fraud cases</h1>
      <PagedTable<FraudCase>
        path="/fraud-cases"
        what="fraud cases"
        caption="Fraud cases"
        rowKey={(f) => String(f.id)}
        empty="No fraud case: no purse has been spent twice or past its cap."
        columns={[
          { label: 'Case', cell: (f) => <Link to={`/fraud/${f.id}`}>#{f.id}</Link> },
          { label: 'Kind', cell: (f) => f.kind },
          { label: 'State', cell: (f) => <span className={`badge ${caseState(f) === 'open' ? 'bad' : 'ok'}`}>{caseState(f)}</span> },
          { label: 'Purse', cell: (f) => short(f.purseId) },
          { label: 'Where', cell: (f) => `${f.terminalId} #${f.index}` },
          { label: 'Opened', cell: (f) => <Time at={f.openedAt} /> },
          { label: 'Amount', num: true, cell: (f) => <Money amount={f.amount} /> },
        ]}
      />
    </>
  );
}
