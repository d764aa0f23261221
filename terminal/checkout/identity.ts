// The terminal's identity from its installed files: key, certificate (TC1), trust list (TL1), root key.
import { readFileSync } from 'node:fs';
import { TesseraError } from '#common';
import { decodeObject, equalBytes, fromQrText, loadKeyFile, verifySign1, type CryptoBackend, type Signer, type TerminalCert, type TrustStore } from '#protocol';
import type { TerminalConfig } from '../config.js';
import { parseRootKey } from './fleet.js';

export interface TerminalIdentity {
  terminalId: string;
  merchantId: string;
  displayName: string;
  mode: TerminalCert['mode'];
  cert: TerminalCert;
  /** The certificate's COSE bytes, embedded in every payment request. */
  certBytes: Uint8Array;
  signer: Signer;
}

export interface InstalledFiles {
  signer: Signer;
  certBytes: Uint8Array;
  trustListBytes: Uint8Array;
  rootPublicKey: Uint8Array;
  /** Fleet messages installed from the bundle (TF1: text), applied at start when newer than what sync applied. */
  fleet?: { file: string; text: string }[];
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (e) {
    throw new TesseraError('CONFIG_INVALID', `cannot read ${what} ${path}: ${(e as Error).message} (is the terminal provisioned?)`, { cause: e });
  }
}

function qrBytes(kind: 'TERMINAL_CERT' | 'TRUST_LIST', text: string, path: string): Uint8Array {
  const b = fromQrText(kind, text);
  if (!b.ok) throw new TesseraError('KEY_INVALID', `${path}: ${b.reason} (${b.detail})`);
  return b.value;
}

/** Reads the installed files named in config (the key file must be 0600). */
export function readInstalledFiles(identity: TerminalConfig['identity'], backend?: CryptoBackend): InstalledFiles {
  const certPath = identity.certFile;
  return {
    signer: loadKeyFile(identity.keyFile, backend),
    certBytes: qrBytes('TERMINAL_CERT', readText(certPath, 'terminal certificate'), certPath),
    trustListBytes: qrBytes('TRUST_LIST', readText(identity.trustListFile, 'trust list'), identity.trustListFile),
    rootPublicKey: readRootKey(identity.rootKeyFile),
    fleet: [
      ...(identity.fleetConfigFile ? [{ file: identity.fleetConfigFile, text: readText(identity.fleetConfigFile, 'fleet config message') }] : []),
      ...(identity.denylistFile ? [{ file: identity.denylistFile, text: readText(identity.denylistFile, 'deny list message') }] : []),
    ],
  };
}

/** Refuses a config whose `terminal` section contradicts the installed certificate (a half-finished re-enrolment). */
export function checkTerminalSection(section: TerminalConfig['terminal'], cert: TerminalCert): void {
  if (!section) return;
  const diff = (['id', 'mode', 'merchantId'] as const)
    .map((k) => [k, section[k], k === 'id' ? cert.terminalId : cert[k]] as const)
    .filter(([, a, b]) => a !== b)
    .map(([k, a, b]) => `terminal.${k} is ${a}, the certificate says ${b}`);
  if (diff.length) throw new TesseraError('CONFIG_INVALID', `config does not match the installed certificate: ${diff.join('; ')} (re-run tessera provision init/install)`);
}

/** The installed root public key (verify-journal checks the stored trust list, and with it the last ack, against it). */
export function readRootKey(rootKeyFile: string): Uint8Array {
  return parseRootKey(readText(rootKeyFile, 'root public key'));
}

/** The certificate without the key file (verify-journal needs only the public key). */
export function readTerminalCert(certFile: string): TerminalCert {
  const d = decodeObject('TERMINAL_CERT', qrBytes('TERMINAL_CERT', readText(certFile, 'terminal certificate'), certFile));
  if (!d.ok) throw new TesseraError('KEY_INVALID', `${certFile}: ${d.reason} (${d.detail})`);
  return d.value.value;
}

/**
 * Checks the certificate's issuer signature against the trust list and that it certifies our key.
 * Its validity window is checked per decision against trusted time (an expired certificate puts
 * the terminal out of order; it does not stop the daemon, so status and sync still work).
 */
export function buildIdentity(signer: Signer, certBytes: Uint8Array, trust: TrustStore): TerminalIdentity {
  const d = decodeObject('TERMINAL_CERT', certBytes);
  if (!d.ok) throw new TesseraError('KEY_INVALID', `terminal certificate: ${d.reason} (${d.detail})`);
  const keys = trust.keysFor(d.value.sign1.kid, 'TERMINALS');
  if (!keys.some((k) => verifySign1(d.value.sign1, k.publicKey, trust.backend))) {
    throw new TesseraError('KEY_INVALID', 'terminal certificate is not signed by a trusted issuer key');
  }
  const cert = d.value.value;
  if (!equalBytes(cert.publicKey, signer.publicKey)) throw new TesseraError('KEY_INVALID', 'terminal certificate is for another key than the terminal key file');
  return { terminalId: cert.terminalId, merchantId: cert.merchantId, displayName: cert.displayName, mode: cert.mode, cert, certBytes, signer };
}
