// The trust bundle file (docs/protocol.md §10.2): what the back office hands a technician and `tessera provision install` takes.

export const BUNDLE_FORMAT = 'tessera-bundle/1';

/** JSON; every object in it is QR text (TC1/TL1/TF1) so it can be shown, copied or scanned as is. */
export interface TrustBundle {
  format: typeof BUNDLE_FORMAT;
  terminalId: string;
  terminalCert: string;
  trustList: string;
  /** Hex of the 33-byte compressed root key: the one trust anchor. */
  rootPublicKey: string;
  /** Optional signed fleet config (fares) for this terminal. */
  config?: string;
  /** Optional signed deny list. */
  denylist?: string;
}
