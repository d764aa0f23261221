// Loads the clearing key (role CLEARING: signs acks and resync requests) and refuses a home whose trust list does not carry it.
import { existsSync } from 'node:fs';
import { TesseraError } from '#common';
import { ROLE, equalBytes, loadKeyFile, toHex, type CryptoBackend, type KeySigner, type TrustList } from '#protocol';
import type { BackOfficePaths } from './home.js';

/**
 * Terminals move their cursor only for acks signed by a CLEARING key of their trust list, so a
 * clearing key the list does not name would leave every terminal unsettled. A home created before
 * acks were signed has no such key: it is refused with what to do, rather than patched on open,
 * because adding a key means a new root-signed trust list (the root key belongs offline).
 */
export function loadClearingKey(paths: BackOfficePaths, list: TrustList, backend?: CryptoBackend): KeySigner {
  if (!existsSync(paths.clearingKey)) {
    throw new TesseraError(
      'CONFIG_INVALID',
      `${paths.home} has no clearing key (${paths.clearingKey}): it was created before acks were signed. ` +
        'Generate one (a 0600 P-256 PEM key file at that path), sign a new trust list that lists its public key with role CLEARING (16) with the root key, ' +
        'install it as trust-list.txt and publish it to the terminals (docs/backoffice.md, clearing key).',
    );
  }
  const key = loadKeyFile(paths.clearingKey, backend);
  const listed = list.keys.some((k) => (k.roles & ROLE.CLEARING) !== 0 && equalBytes(k.publicKey, key.publicKey));
  if (!listed) {
    throw new TesseraError('CONFIG_INVALID', `the trust list in ${paths.trustList} does not list the clearing key ${toHex(key.kid)} with role CLEARING: terminals would refuse every ack`);
  }
  return key;
}
