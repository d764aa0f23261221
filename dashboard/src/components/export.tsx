// The "Export CSV" button of a list: fetches every item of the list as filtered, writes the file, says how many or why not.
import type { ReactNode } from 'react';
import { apiAll, type Query } from '../api/client.js';
import { download, toCsv } from '../csv.js';
import { useAction } from './hooks.js';
import { ErrorBox } from './ui.js';

export interface CsvExportProps<T> {
  /** The API list and its filters (every page is fetched, not only the one on screen). */
  path: string;
  query?: Query;
  /** Plural noun for the status line ("transactions"). */
  what: string;
  file: string;
  header: string[];
  row: (item: T) => (string | number | null | undefined)[];
}

export function CsvExport<T>({ path, query = {}, what, file, header, row }: CsvExportProps<T>): ReactNode {
  const exporter = useAction(async () => {
    const all = await apiAll<T>(path, query);
    download(file, toCsv(header, all.map(row)));
    return all.length;
  });
  return (
    <>
      <p>
        <button type="button" onClick={() => exporter.run()} disabled={exporter.busy}>
          {exporter.busy ? 'Exporting…' : 'Export CSV'}
        </button>{' '}
        {exporter.done !== undefined ? (
          <span role="status">
            Exported {exporter.done} {what}.
          </span>
        ) : null}
      </p>
      <ErrorBox error={exporter.error} />
    </>
  );
}
