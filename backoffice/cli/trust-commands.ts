// The `trust` commands: the offline ceremony (sign, show) and the online issuer-key step (new-issuer-key).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { TesseraError, systemClock } from '#common';
import { loadKeyFile, toHex } from '#protocol';
import type { BackOffice } from '../backoffice.js';
import { writeNewFile } from '../home.js';
import { createIssuerKey, ISSUER_ROLES } from '../trust-admin.js';
import { describeTrustList, formatTrustList, parseRoles, readTrustList, roleNames, signNextTrustList, type NewKey } from '../trust-ceremony.js';

export interface CliHelpers<G> {
  print(g: G, value: unknown, text: string): void;
  withBackOffice<T>(g: G, fn: (bo: BackOffice) => Promise<T>): Promise<T>;
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (e) {
    throw new TesseraError('CONFIG_NOT_FOUND', `cannot read the ${what} ${path}: ${(e as Error).message}`, { cause: e });
  }
}

function positiveDays(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) <= 0) throw new TesseraError('USAGE', `--key-days must be a positive whole number of days, got "${v}"`);
  return Number(v);
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

export function addTrustCommands<G extends { json?: boolean }>(program: Command, h: CliHelpers<G>): void {
  const trust = program
    .command('trust')
    .description(
      'Trust-list ceremonies. `trust sign` and `trust show` run on the offline machine that holds the root key (no back-office home needed); `trust new-issuer-key` runs on the online back office. Install a signed list with `publish-trust FILE`.',
    );

  trust
    .command('sign')
    .description(
      'Offline: sign the next trust list (version + 1, issued now) from the current one with the root key. Every key of the current list is carried over as it is, whatever its roles, unless retired; --add-key lists a new one. Writes TL1 text to --out for `publish-trust`.',
    )
    .requiredOption('--root-key <file>', 'the root key (PEM, 0600), from the offline media')
    .requiredOption('--current <file>', 'the trust list in force (TL1 text): the last one signed, or the back office\'s trust-list.txt')
    .requiredOption('--out <file>', 'where to write the new list (refuses to overwrite)')
    .option('--add-key <hex>', 'add this public key (33-byte compressed P-256, hex), e.g. from `trust new-issuer-key`')
    .option('--roles <names>', `roles of the added key, comma-separated (${roleNames(0xffff).filter((r) => !/^\d/.test(r)).join(', ')})`)
    .option('--name <name>', 'a name for the added key', undefined)
    .option('--key-days <n>', 'validity of the added key, in days', positiveDays, 3 * 365)
    .option('--retire <kid>', 'drop the key with this kid (hex); repeatable', collect, [])
    .action(async (o: { rootKey: string; current: string; out: string; addKey?: string; roles?: string; name?: string; keyDays: number; retire: string[] }, cmd: Command) => {
      const g = cmd.optsWithGlobals<G>();
      if (o.addKey && !o.roles) throw new TesseraError('USAGE', '--add-key needs --roles (for an issuer key: terminals,purses,fleet)');
      if (!o.addKey && (o.roles || o.name)) throw new TesseraError('USAGE', '--roles and --name describe a key given with --add-key');
      const root = loadKeyFile(o.rootKey);
      const add: NewKey[] = o.addKey ? [{ publicKey: o.addKey, roles: parseRoles(o.roles as string), days: o.keyDays, ...(o.name ? { name: o.name } : {}) }] : [];
      const next = await signNextTrustList(root, readText(o.current, 'current trust list'), { add, retire: o.retire }, Math.floor(systemClock.now() / 1000));
      writeNewFile(o.out, next.text + '\n');
      const view = describeTrustList(next.list);
      h.print(
        g,
        { out: o.out, previousVersion: next.previousVersion, added: next.added, retired: next.retired, list: view },
        `${formatTrustList(view)}\nwritten to ${o.out}: carry it to the back office and run: tessera-backoffice publish-trust ${o.out}`,
      );
    });

  trust
    .command('show')
    .description('Show a trust list file (version, issue time, keys with kid, name, roles and validity) after checking its root signature.')
    .argument('<file>', 'TL1 text file')
    .requiredOption('--root <hex-or-keyfile>', 'the root public key (hex) or the root key file')
    .action((file: string, o: { root: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<G>();
      const rootPublicKey = /^[0-9a-fA-F]{66}$/.test(o.root.trim()) ? Buffer.from(o.root.trim(), 'hex') : loadKeyFile(o.root).publicKey;
      const view = describeTrustList(readTrustList(readText(file, 'trust list'), rootPublicKey).list);
      h.print(g, view, formatTrustList(view));
    });

  trust
    .command('new-issuer-key')
    .description(
      'Online: create the next issuer key (0600, in the home; it never leaves this machine) and print its public key for the offline ceremony. The back office keeps signing with the current key until a list naming the new one is installed.',
    )
    .action(async (_o: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<G>();
      await h.withBackOffice(g, async (bo) => {
        const k = createIssuerKey(bo.paths, bo.trustList);
        const publicKey = toHex(k.publicKey);
        const roles = roleNames(ISSUER_ROLES).join(',').toLowerCase();
        const next = bo.trustList.version + 1;
        const ceremony = `tessera-backoffice trust sign --root-key root.key --current trust-list.v${bo.trustList.version}.txt --add-key ${publicKey} --roles ${roles} --name issuer-${toHex(k.kid).slice(0, 8)} --out trust-list.v${next}.txt`;
        h.print(
          g,
          { kid: toHex(k.kid), publicKey, roles, currentVersion: bo.trustList.version, ceremony },
          `new issuer key ${toHex(k.kid)} created (not used until a trust list names it)\npublic key ${publicKey}\non the offline machine, with trust-list.v${bo.trustList.version}.txt (a copy of ${bo.paths.trustList}):\n  ${ceremony}`,
        );
      });
    });
}
