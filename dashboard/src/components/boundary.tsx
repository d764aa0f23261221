// Catches a page that failed to load or render (a chunk fetch while offline, a bug) and says so in words instead of a blank page.
import { Component, type ReactNode } from 'react';

export class PageBoundary extends Component<{ children: ReactNode }, { error: unknown }> {
  override state: { error: unknown } = { error: undefined };

  static getDerivedStateFromError(error: unknown): { error: unknown } {
    return { error };
  }

  override render(): ReactNode {
    if (this.state.error === undefined) return this.props.children;
    const e = this.state.error;
    const offline = !navigator.onLine || (e instanceof TypeError && /fetch|import/i.test(e.message));
    return (
      <div className="error" role="alert">
        <strong>{offline ? 'This page could not be loaded' : 'This page failed'}:</strong> {e instanceof Error ? e.message : String(e)}
        {offline ? ' The back office may be unreachable.' : ''}{' '}
        <button type="button" className="link" onClick={() => location.reload()}>
          Reload
        </button>
      </div>
    );
  }
}
