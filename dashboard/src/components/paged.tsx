// One API list as a table: cursor paging, waiting and error states; the page's reload is handed back for actions.
import { useEffect, type ReactNode } from 'react';
import { apiPage } from '../api/client.js';
import type { Page } from '../api/types.js';
import { useLoad } from './hooks.js';
import { Loadable, Pager, Table, usePager, type Column } from './ui.js';

export interface PagedProps<T> {
  path: string;
  query?: Record<string, string | number | undefined>;
  what: string;
  caption: string;
  columns: Column<T>[];
  rowKey: (r: T) => string;
  empty?: string;
  limit?: number;
  /** Receives reload(), so forms beside the table can refresh it after an action. */
  onReload?: (reload: () => void) => void;
  /** Extra content under the table, given the page shown. */
  after?: (page: Page<T>) => ReactNode;
}

export function PagedTable<T>({ path, query = {}, what, caption, columns, rowKey, empty, limit = 50, onReload, after }: PagedProps<T>): ReactNode {
  const pager = usePager();
  const key = JSON.stringify(query);
  const { reset } = pager;
  useEffect(() => reset(), [key, reset]);
  const list = useLoad((signal) => apiPage<T>(path, query, pager.cursor, limit, signal), [path, key, pager.cursor, limit]);
  useEffect(() => onReload?.(list.reload), [onReload, list.reload]);
  return (
    <Loadable state={list} what={what}>
      {(page) => (
        <>
          <Table caption={caption} rows={page.items} rowKey={rowKey} columns={columns} {...(empty ? { empty } : {})} />
          <Pager pager={pager} page={page} />
          {after?.(page)}
        </>
      )}
    </Loadable>
  );
}
