// `provision devices`: picks the scanner, printer and display from discovery (or flags) and writes stable /dev/serial/by-id paths.
import { type ConfigObject, isObject } from '../config.js';
import { type StepContext, type StepResult, usage } from '../context.js';
import type { DeviceEntry, DeviceList, DeviceRole } from '../types.js';

export interface DevicesOptions {
  scanner?: string;
  printer?: string;
  display?: string;
}

/** A device entry in the drivers' own config shape, or null for "none, on purpose". */
type Choice = DeviceEntry | null;
interface Candidate {
  label: string;
  choice: DeviceEntry;
}

const SCANNER_WORDS = /scan|barcode|honeywell|zebra|symbol|datalogic|newland|zebex|opticon|code ?reader/i;
const PRINTER_WORDS = /print|epson|star|bixolon|citizen|thermal|receipt|tm-|pos-?58|pos-?80/i;

/** The stable name of a serial port: its /dev/serial/by-id link when discovery knows one. */
function stableSerial(list: DeviceList, path: string): string {
  const s = list.serial.find((d) => d.path === path || d.byId === path);
  return s?.byId ?? path;
}

function serialText(d: DeviceList['serial'][number]): string {
  return `${d.manufacturer ?? ''} ${d.product ?? ''} ${d.byId ?? ''}`;
}

function hidMode(list: DeviceList, vendorId: string, productId: string): 'pos' | 'keyboard' {
  return list.hid.some((h) => h.vendorId === vendorId && h.productId === productId && h.usage === 'pos') ? 'pos' : 'keyboard';
}

/** Candidates per role, best first; ambiguity is left to the caller. */
export function candidates(list: DeviceList, role: DeviceRole): Candidate[] {
  const serial = (words: RegExp): Candidate[] =>
    list.serial.filter((d) => words.test(serialText(d))).map((d) => ({ label: `serial ${d.byId ?? d.path} ${d.product ?? ''}`.trim(), choice: { type: 'serial', path: d.byId ?? d.path } }));
  if (role === 'scanner') {
    const hid = [...list.hid]
      .filter((d) => d.usage !== 'other')
      .sort((a, b) => Number(b.usage === 'pos') - Number(a.usage === 'pos'))
      .map((d) => ({ label: `hid ${d.vendorId}:${d.productId} ${d.product ?? ''}`.trim(), choice: { type: 'hid', vendorId: d.vendorId, productId: d.productId, mode: d.usage === 'pos' ? 'pos' : 'keyboard' } }));
    return [...serial(SCANNER_WORDS), ...hid];
  }
  if (role === 'printer') {
    return [...serial(PRINTER_WORDS), ...list.usblp.map((d) => ({ label: `usblp ${d.byId ?? d.path} ${d.product ?? ''}`.trim(), choice: { type: 'usblp', path: d.byId ?? d.path } }))];
  }
  return list.framebuffers.map((d) => ({ label: `framebuffer ${d.path} ${d.width}x${d.height} ${d.bitsPerPixel}bpp ${d.name ?? ''}`.trim(), choice: { type: 'framebuffer', device: d.path } }));
}

const FLAG_FORMS: Record<DeviceRole, string> = {
  scanner: 'a serial device path, hid:VID:PID, emulator or none',
  printer: 'a serial device path, /dev/usb/lpN, tcp:HOST:PORT, emulator or none',
  display: '/dev/fbN, vfd:SERIAL-PATH, console, emulator or none',
};

/** A flag value → a device entry in the drivers' shape (see FLAG_FORMS); serial paths become their by-id link when known. */
export function parseDeviceFlag(list: DeviceList, role: DeviceRole, v: string): Choice {
  if (v === 'none') return null;
  if (v === 'emulator') return { type: 'emulator' };
  if (role === 'display' && v === 'console') return { type: 'console' };
  const hid = /^hid:([0-9a-fA-F]{4}):([0-9a-fA-F]{4})$/.exec(v);
  if (hid) {
    if (role !== 'scanner') throw usage(`--${role} hid:… is only for scanners`);
    const vendorId = (hid[1] as string).toLowerCase();
    const productId = (hid[2] as string).toLowerCase();
    return { type: 'hid', vendorId, productId, mode: hidMode(list, vendorId, productId) };
  }
  const tcp = /^tcp:([A-Za-z0-9.-]+):(\d{1,5})$/.exec(v);
  if (tcp) {
    if (role !== 'printer') throw usage(`--${role} tcp:… is only for network printers`);
    const port = Number(tcp[2]);
    if (port < 1 || port > 65535) throw usage(`--printer ${v}: port out of range`);
    return { type: 'tcp', host: tcp[1] as string, port };
  }
  const vfd = /^vfd:(\/.+)$/.exec(v);
  if (vfd) {
    if (role !== 'display') throw usage(`--${role} vfd:… is only for displays`);
    return { type: 'vfd', path: stableSerial(list, vfd[1] as string) };
  }
  if (!v.startsWith('/')) throw usage(`--${role} ${v}: expected ${FLAG_FORMS[role]}`);
  if (role === 'display') {
    if (!/^\/dev\/fb\d+$/.test(v)) throw usage(`--display ${v}: expected ${FLAG_FORMS.display}`);
    return { type: 'framebuffer', device: v };
  }
  if (role === 'printer' && /^\/dev\/usb\/lp\d+$/.test(v)) return { type: 'usblp', path: v };
  return { type: 'serial', path: stableSerial(list, v) };
}

/** Keys that say which device an entry is; the rest (baud rate, profile, layout…) are settings kept across a re-pick. */
const IDENTITY_KEYS = ['path', 'device', 'vendorId', 'productId', 'host', 'port'];

/** Keeps the other settings of an entry (baud rate, codepage…) when the device type stays the same. */
function mergeEntry(old: unknown, next: Choice): Choice {
  if (next && isObject(old) && old.type === next.type) {
    const kept = { ...old };
    for (const k of IDENTITY_KEYS) delete kept[k];
    return { ...kept, ...next };
  }
  return next;
}

export async function runDevices(ctx: StepContext, o: DevicesOptions): Promise<StepResult> {
  const config = ctx.requireConfig();
  ctx.deps.validateConfig(config);
  const list = await ctx.deps.listDevices();
  const current = isObject(config.devices) ? config.devices : {};
  const flagsGiven = [o.scanner, o.printer, o.display].some((v) => v !== undefined);
  const prompt = ctx.mayPrompt(flagsGiven);
  const picked: Record<string, Choice> = {};
  const lines: string[] = [];
  for (const role of ['scanner', 'printer', 'display'] as const) {
    const flag = o[role];
    const chosen = current[role] !== undefined; // an entry, or null for none: an earlier choice
    let choice: Choice | undefined;
    if (flag !== undefined) choice = parseDeviceFlag(list, role, flag);
    else if (flagsGiven && chosen) continue; // only the roles named on the command line change
    else {
      const c = candidates(list, role);
      if (chosen && !prompt) continue; // keep what an earlier run chose; flags change it
      if (c.length === 1) choice = c[0]?.choice;
      else if (c.length > 1 && prompt) {
        const menu = c.map((x, i) => `  ${i + 1}) ${x.label}`).join('\n');
        const a = await ctx.deps.io.ask(`${role}:\n${menu}\n  0) none\nchoose`, '1');
        const n = Number(a);
        if (!Number.isInteger(n) || n < 0 || n > c.length) throw usage(`no such choice: ${a}`);
        choice = n === 0 ? null : c[n - 1]?.choice;
      } else if (c.length > 1 && flagsGiven) {
        lines.push(`! ${c.length} possible ${role}s, left unset: choose one with --${role}`);
        continue;
      } else if (c.length > 1) throw usage(`${c.length} possible ${role}s (${c.map((x) => x.label).join('; ')}): choose one with --${role}`);
      else {
        lines.push(`! no ${role} found; set one with --${role} when it is connected`);
        continue;
      }
    }
    if (choice === undefined) continue;
    picked[role] = mergeEntry(current[role], choice);
  }
  // mergeConfig would merge entries key by key (keeping a serial path in a new tcp entry): set them whole.
  const next: ConfigObject = { ...config, devices: { ...current, ...picked } };
  const changed = ctx.writeConfig(next) ? [ctx.configPath] : [];
  const devices = next.devices as Record<string, unknown>;
  for (const role of ['scanner', 'printer', 'display']) {
    const d = devices[role];
    lines.push(d === undefined ? `${role}: not set` : `${role}: ${describe(d)}`);
  }
  lines.unshift(changed.length ? `✓ devices written to ${ctx.configPath}` : '= devices unchanged');
  return { changed, lines, data: { devices, changed } };
}

/** One line for an entry: "serial /dev/serial/by-id/…", "tcp 10.0.0.5:9100", "none". */
export function describe(d: unknown): string {
  if (!isObject(d)) return 'none';
  switch (d.type) {
    case 'hid':
      return `hid ${String(d.vendorId ?? d.path)}${d.productId !== undefined ? `:${String(d.productId)}` : ''}`;
    case 'tcp':
      return `tcp ${String(d.host)}:${String(d.port ?? 9100)}`;
    case 'framebuffer':
      return `framebuffer ${String(d.device ?? '/dev/fb0')}`;
    case 'emulator':
    case 'console':
      return String(d.type);
    default:
      return `${String(d.type)} ${String(d.path)}`;
  }
}
