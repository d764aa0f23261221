// The signed-in session in sessionStorage (one tab's life): the access token, its expiry and the page to return to.

const KEY = 'tessera.session';
const RETURN = 'tessera.returnTo';
const PENDING = 'tessera.pending';

export interface Session {
  accessToken: string;
  idToken?: string;
  /** Epoch ms after which the token is treated as expired. */
  expiresAt: number;
}

export interface Pending {
  state: string;
  verifier: string;
  nonce: string;
}

function read<T>(key: string): T | undefined {
  try {
    const v = sessionStorage.getItem(key);
    return v ? (JSON.parse(v) as T) : undefined;
  } catch {
    return undefined;
  }
}

export const session = {
  get(now = Date.now()): Session | undefined {
    const s = read<Session>(KEY);
    return s && s.expiresAt > now ? s : undefined;
  },
  /** The stored session even past its expiry (its ID token still names the user to the issuer at sign-out). */
  peek(): Session | undefined {
    return read<Session>(KEY);
  },
  set(s: Session): void {
    sessionStorage.setItem(KEY, JSON.stringify(s));
  },
  clear(): void {
    sessionStorage.removeItem(KEY);
  },
  /** The in-app path to come back to after signing in (kept across the round trip to the issuer). */
  rememberReturn(path: string): void {
    sessionStorage.setItem(RETURN, path);
  },
  takeReturn(): string | undefined {
    const v = sessionStorage.getItem(RETURN) ?? undefined;
    sessionStorage.removeItem(RETURN);
    return v;
  },
  setPending(p: Pending): void {
    sessionStorage.setItem(PENDING, JSON.stringify(p));
  },
  takePending(): Pending | undefined {
    const p = read<Pending>(PENDING);
    sessionStorage.removeItem(PENDING);
    return p;
  },
};
