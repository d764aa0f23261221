// The connection banner: "slow" while a request takes long, "offline" when one could not leave the browser.
import { useEffect, useState, type ReactNode } from 'react';
import { onNetState } from '../api/client.js';

/** "Waiting for the back office" after a moment without an answer, and "offline" when a request could not go out. */
export function NetBanner(): ReactNode {
  const [s, setS] = useState({ pending: 0, offline: !navigator.onLine });
  const [slow, setSlow] = useState(false);
  useEffect(() => onNetState(setS), []);
  useEffect(() => {
    const on = () => setS((x) => ({ ...x, offline: !navigator.onLine }));
    window.addEventListener('online', on);
    window.addEventListener('offline', on);
    return () => {
      window.removeEventListener('online', on);
      window.removeEventListener('offline', on);
    };
  }, []);
  useEffect(() => {
    if (s.pending === 0) return setSlow(false);
    const t = setTimeout(() => setSlow(true), 1_500);
    return () => clearTimeout(t);
  }, [s.pending]);
  if (s.offline) return <div className="banner offline" role="status">Offline: the back office cannot be reached. What you see may be out of date.</div>;
  if (slow) return <div className="banner slow" role="status">The back office is slow to answer; still waiting…</div>;
  return null;
}
