// `provision devices`: picks the scanner, printer and display from discovery (or flags) and writes stable /dev/serial/by-id paths.
import { mergeConfig, isObject } from '../config.js';
import { type StepContext, type StepResult, usage } from '../context.js';
import type { DeviceList, DeviceRole } from '../types.js';

export interface DevicesOptions {
  scanner?: string;
  printer?: string;
  display?: string;
}

type Choice = Record<string, unknown> & { kind: string };
interface Candidate {
  label: string;
  choice: Choice;
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

/** Candidates per role, best first; ambiguity is left to the caller. */
export function candidates(list: DeviceList, role: DeviceRole): Candidate[] {
  const serial = (words: RegExp): Candidate[] =>
    list.serial.filter((d) => words.test(serialText(d))).map((d) => ({ label: `serial ${d.byId ?? d.path} ${d.product ?? ''}`.trim(), choice: { kind: 'serial', path: d.byId ?? d.path } }));
  if (role === 'scanner') {
    const hid = [...list.hid]
      .sort((a, b) => Number(b.usage === 'pos') - Number(a.usage === 'pos'))
      .map((d) => ({ label: `hid ${d.vendorId}:${d.productId} ${d.product ?? ''}`.trim(), choice: { kind: 'hid', vendorId: d.vendorId, productId: d.productId } as Choice }));
    return [...serial(SCANNER_WORDS), ...hid];
  }
  if (role === 'printer') {
    return [...serial(PRINTER_WORDS), ...list.usblp.map((d) => ({ label: `usblp ${d.byId ?? d.path} ${d.product ?? ''}`.trim(), choice: { kind: 'usblp', path: d.byId ?? d.path } as Choice }))];
  }
  return list.framebuffers.map((d) => ({ label: `framebuffer ${d.path} ${d.width}x${d.height} ${d.bitsPerPixel}bpp ${d.name ?? ''}`.trim(), choice: { kind: 'framebuffer', path: d.path } }));
}

/** A flag value → a device entry: none, hid:VID:PID, tcp:HOST:PORT, /dev/fbN, /dev/usb/lpN or a serial path. */
export function parseDeviceFlag(list: DeviceList, role: DeviceRole, v: string): Choice {
  if (v === 'none') return { kind: 'none' };
  const hid = /^hid:([0-9a-fA-F]{4}):([0-9a-fA-F]{4})$/.exec(v);
  if (hid) {
    if (role !== 'scanner') throw usage(`--${role} hid:… is only for scanners`);
    return { kind: 'hid', vendorId: (hid[1] as string).toLowerCase(), productId: (hid[2] as string).toLowerCase() };
  }
  const tcp = /^tcp:([A-Za-z0-9.-]+):(\d{1,5})$/.exec(v);
  if (tcp) {
    if (role !== 'printer') throw usage(`--${role} tcp:… is only for network printers`);
    const port = Number(tcp[2]);
    if (port < 1 || port > 65535) throw usage(`--printer ${v}: port out of range`);
    return { kind: 'tcp', host: tcp[1] as string, port };
  }
  if (!v.startsWith('/dev/')) throw usage(`--${role} ${v}: expected a /dev path, ${role === 'scanner' ? 'hid:VID:PID, ' : ''}${role === 'printer' ? 'tcp:HOST:PORT, ' : ''}or none`);
  if (role === 'display') {
    if (!/^\/dev\/fb\d+$/.test(v)) throw usage(`--display ${v}: expected a framebuffer such as /dev/fb0, or none`);
    return { kind: 'framebuffer', path: v };
  }
  if (role === 'printer' && /^\/dev\/usb\/lp\d+$/.test(v)) return { kind: 'usblp', path: v };
  return { kind: 'serial', path: stableSerial(list, v) };
}

/** Keeps the other engineer's extra keys of an entry (baud rate, codepage…) when the device kind stays the same. */
function mergeEntry(old: unknown, next: Choice): Record<string, unknown> {
  if (isObject(old) && old.kind === next.kind) {
    const kept = { ...old };
    for (const k of ['path', 'vendorId', 'productId', 'host', 'port']) delete kept[k];
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
  const picked: Record<string, Record<string, unknown>> = {};
  const lines: string[] = [];
  for (const role of ['scanner', 'printer', 'display'] as const) {
    const flag = o[role];
    let choice: Choice | undefined;
    if (flag !== undefined) choice = parseDeviceFlag(list, role, flag);
    else if (flagsGiven && isObject(current[role])) continue; // only the roles named on the command line change
    else {
      const c = candidates(list, role);
      if (isObject(current[role]) && !prompt) continue; // keep what an earlier run chose; flags change it
      if (c.length === 1) choice = c[0]?.choice;
      else if (c.length > 1 && prompt) {
        const menu = c.map((x, i) => `  ${i + 1}) ${x.label}`).join('\n');
        const a = await ctx.deps.io.ask(`${role}:\n${menu}\n  0) none\nchoose`, '1');
        const n = Number(a);
        if (!Number.isInteger(n) || n < 0 || n > c.length) throw usage(`no such choice: ${a}`);
        choice = n === 0 ? { kind: 'none' } : c[n - 1]?.choice;
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
  const next = mergeConfig(config, { devices: { ...current, ...picked } });
  const changed = ctx.writeConfig(next) ? [ctx.configPath] : [];
  const devices = next.devices as Record<string, unknown>;
  for (const role of ['scanner', 'printer', 'display']) {
    const d = devices[role];
    lines.push(isObject(d) ? `${role}: ${describe(d)}` : `${role}: not set`);
  }
  lines.unshift(changed.length ? `✓ devices written to ${ctx.configPath}` : '= devices unchanged');
  return { changed, lines, data: { devices, changed } };
}

export function describe(d: Record<string, unknown>): string {
  switch (d.kind) {
    case 'hid':
      return `hid ${String(d.vendorId)}:${String(d.productId)}`;
    case 'tcp':
      return `tcp ${String(d.host)}:${String(d.port)}`;
    case 'none':
      return 'none';
    default:
      return `${String(d.kind)} ${String(d.path)}`;
  }
}
