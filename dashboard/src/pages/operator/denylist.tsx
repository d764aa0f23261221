// The deny list: which purses terminals refuse, the version signed, and what is not yet published.
import type { ReactNode } from 'react';
import { apiGet } from '../../api/client.js';
import type { DenyListView } from '../../api/types.js';
import { useLoad } from '../../components/hooks.js';
import { Link, Loadable, Table } from '../../components/ui.js';

export default function DenyList(): ReactNode {
  const list = useLoad((signal) => apiGet<DenyListView>('/denylist', { limit: 500 }, signal), []);
  return (
    <>
      <h1>Deny list</h1>
      <Loadable state={list} what="the deny list">
        {(d) => (
          <>
            <p>
              {d.total} purse(s) denied. Version signed: <strong>v{d.version}</strong>
              {d.unpublished ? ` · ${d.unpublished} denied since, not yet published` : ''}. Publish a new version from{' '}
              <Link to="/fleet">Fleet publishing</Link>; deny or undeny a purse from <Link to="/purses">Purses</Link>.
            </p>
            <Table
              caption="Denied purses"
              rows={d.items}
              rowKey={(e) => e.purseId}
              empty="No purse is denied."
              columns={[
                { label: 'Purse', cell: (e) => <Link to={`/transactions?purse=${e.purseId}`}>{e.purseId}</Link> },
              ]}
            />
          </>
        )}
      </Loadable>
    </>
  );
}
