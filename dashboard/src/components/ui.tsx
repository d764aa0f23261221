// Shared building blocks: error and waiting states, tables with cursor paging, money, times, key/value views.
import { useCallback, useState, type ReactNode } from 'react';
import { ApiError, SessionExpired } from '../api/client.js';
import type { Amount, Page } from '../api/types.js';
import { money, time } from '../format.js';
import { href, navigate } from '../router.js';

/** An error in words: the API's message and code (and request id, for the operator's logs); never a blank page. */
export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }): ReactNode {
  if (error === undefined || error === null) return null;
  let title = 'Something went wrong';
  let body: ReactNode = error instanceof Error ? error.message : String(error);
  if (error instanceof SessionExpired) title = 'Session ended';
  else if (error instanceof ApiError) {
    title = error.status === 403 ? 'Refused' : error.status === 404 ? 'Not found' : error.code === 'OFFLINE' ? 'Back office unreachable' : 'The back office refused this';
    body = (
      <>
        {error.message} <code className="code">{error.code}</code>
        {error.requestId ? <span className="muted"> (request {error.requestId})</span> : null}
      </>
    );
  }
  return (
    <div className="error" role="alert">
      <strong>{title}:</strong> {body}
      {onRetry ? (
        <button type="button" className="link" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function Waiting({ what = 'data' }: { what?: string }): ReactNode {
  return (
    <p className="waiting" role="status">
      Waiting for the back office ({what})…
    </p>
  );
}

/** Waiting / error / content, in that order of precedence (stale data stays visible under an error). */
export function Loadable<T>({ state, what, children }: { state: { data: T | undefined; error: unknown; loading: boolean; reload(): void }; what: string; children: (d: T) => ReactNode }): ReactNode {
  return (
    <>
      <ErrorBox error={state.error} onRetry={state.reload} />
      {state.data === undefined ? state.loading ? <Waiting what={what} /> : null : children(state.data)}
    </>
  );
}

export function Money({ amount, currency }: { amount: Amount; currency?: string | undefined }): ReactNode {
  return <span className="num">{money(amount, currency ?? 'EUR')}</span>;
}

export function Time({ at }: { at: number | null | undefined }): ReactNode {
  return at ? <time dateTime={new Date(at * 1000).toISOString()}>{time(at)}</time> : <>—</>;
}

/** An in-app link (history navigation, still a real href for keyboard, middle click and screen readers). */
export function Link({ to, children, className }: { to: string; children: ReactNode; className?: string }): ReactNode {
  return (
    <a
      href={href(to)}
      className={className}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}

export interface Column<T> {
  label: string;
  cell: (row: T) => ReactNode;
  num?: boolean;
}

export function Table<T>({ caption, columns, rows, rowKey, empty = 'Nothing here yet.' }: { caption: string; columns: Column<T>[]; rows: T[]; rowKey: (r: T) => string; empty?: string }): ReactNode {
  if (rows.length === 0) return <p className="empty">{empty}</p>;
  return (
    <div className="table-wrap" role="region" aria-label={caption} tabIndex={0}>
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.label} scope="col" className={c.num ? 'num' : undefined}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={rowKey(r)}>
              {columns.map((c) => (
                <td key={c.label} data-label={c.label} className={c.num ? 'num' : undefined}>
                  {c.cell(r)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Cursor paging: the cursors of the pages seen so far, so "Previous" works without offsets. */
export function usePager(): { cursor: string | null; page: number; next(c: string): void; prev(): void; reset(): void } {
  const [stack, setStack] = useState<(string | null)[]>([null]);
  const reset = useCallback(() => setStack((s) => (s.length === 1 ? s : [null])), []);
  return {
    cursor: stack[stack.length - 1] ?? null,
    page: stack.length,
    next: (c) => setStack((s) => [...s, c]),
    prev: () => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)),
    reset,
  };
}

export function Pager({ pager, page }: { pager: ReturnType<typeof usePager>; page: Page<unknown> | undefined }): ReactNode {
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" disabled={pager.page <= 1} onClick={pager.prev}>
        Previous
      </button>
      <span>Page {pager.page}</span>
      <button type="button" disabled={!page?.nextCursor} onClick={() => page?.nextCursor && pager.next(page.nextCursor)}>
        Next
      </button>
    </nav>
  );
}

/** A labelled value list for detail views. */
export function Fields({ items }: { items: [string, ReactNode][] }): ReactNode {
  return (
    <dl className="fields">
      {items.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v ?? '—'}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Structured evidence (decoded payment, journal record) as readable JSON. */
export function Json({ value, label }: { value: unknown; label: string }): ReactNode {
  if (value === undefined || value === null) return <p className="muted">{label}: not available.</p>;
  return (
    <pre className="json" aria-label={label} tabIndex={0}>
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}

export function Card({ label, value, note }: { label: string; value: ReactNode; note?: ReactNode }): ReactNode {
  return (
    <div className="card">
      <div className="card-label">{label}</div>
      <div className="card-value">{value}</div>
      {note ? <div className="card-note">{note}</div> : null}
    </div>
  );
}
