// Device discovery for `tessera devices`: serial ports with by-id paths, HID devices, framebuffers, usblp printers.
import { readdirSync, readlinkSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { errorMessage } from '#common';
import { readFbGeometry } from './display/fb-geometry.js';

export interface SerialPortInfo {
  path: string;
  /** The stable /dev/serial/by-id/… link to put in the config, when udev made one. */
  byId?: string;
  vendorId?: string;
  productId?: string;
  manufacturer?: string;
  serialNumber?: string;
}

export interface HidDeviceInfo {
  vendorId: number;
  productId: number;
  product?: string;
  manufacturer?: string;
  path?: string;
  usagePage?: number;
  usage?: number;
}

export interface DeviceSeams {
  /** Default: serialport's SerialPort.list() (needs udevadm). */
  listSerial?: () => Promise<Array<Omit<SerialPortInfo, 'byId'>>>;
  /** Default: node-hid's devicesAsync(). */
  listHid?: () => Promise<HidDeviceInfo[]>;
  devRoot?: string;
  sysfsRoot?: string;
}

export interface DeviceList {
  serial: SerialPortInfo[];
  hid: Array<{ vendorId: string; productId: string; product?: string; manufacturer?: string; path?: string; kind: 'keyboard-wedge' | 'hid-pos' | 'other' }>;
  framebuffers: Array<{ device: string; fb: string; width?: number; height?: number; bitsPerPixel?: number; stride?: number; supported: boolean; problem?: string }>;
  printers: Array<{ device: string; kind: 'usblp' }>;
  /** Lookups that failed (a missing udevadm, no HID access); the rest of the list is still valid. */
  problems: string[];
}

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

function list(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

export async function listDevices(seams: DeviceSeams = {}): Promise<DeviceList> {
  const devRoot = seams.devRoot ?? '/dev';
  const sysfsRoot = seams.sysfsRoot ?? '/sys';
  const problems: string[] = [];

  const byIdDir = join(devRoot, 'serial', 'by-id');
  const byTarget = new Map<string, string>();
  for (const name of list(byIdDir)) {
    try {
      byTarget.set(resolve(dirname(join(byIdDir, name)), readlinkSync(join(byIdDir, name))), join(byIdDir, name));
    } catch {
      // not a symlink: ignore
    }
  }
  let ports: Array<Omit<SerialPortInfo, 'byId'>> = [];
  try {
    ports = await (seams.listSerial ?? (async () => (await import('serialport')).SerialPort.list()))();
  } catch (e) {
    problems.push(`serial ports: ${errorMessage(e)}`);
  }
  const serial: SerialPortInfo[] = ports.map((p) => {
    const byId = byTarget.get(p.path);
    byTarget.delete(p.path);
    return { ...p, ...(byId ? { byId } : {}) };
  });
  for (const [target, byId] of byTarget) serial.push({ path: target, byId });

  let hidRaw: HidDeviceInfo[] = [];
  try {
    hidRaw = await (seams.listHid ?? (async () => ((await import('node-hid')) as unknown as { devicesAsync(): Promise<HidDeviceInfo[]> }).devicesAsync()))();
  } catch (e) {
    problems.push(`HID devices: ${errorMessage(e)}`);
  }
  const hid = hidRaw.map((d) => ({
    vendorId: hex4(d.vendorId),
    productId: hex4(d.productId),
    ...(d.product ? { product: d.product } : {}),
    ...(d.manufacturer ? { manufacturer: d.manufacturer } : {}),
    ...(d.path ? { path: d.path } : {}),
    kind: d.usagePage === 0x8c ? ('hid-pos' as const) : d.usagePage === 1 && d.usage === 6 ? ('keyboard-wedge' as const) : ('other' as const),
  }));

  const framebuffers: DeviceList['framebuffers'] = [];
  for (const fb of list(join(sysfsRoot, 'class', 'graphics')).filter((n) => /^fb\d+$/.test(n))) {
    const device = join(devRoot, fb);
    try {
      framebuffers.push({ device, fb, ...readFbGeometry(fb, sysfsRoot), supported: true });
    } catch (e) {
      framebuffers.push({ device, fb, supported: false, problem: errorMessage(e) });
    }
  }

  const printers = list(join(devRoot, 'usb'))
    .filter((n) => /^lp\d+$/.test(n))
    .map((n) => ({ device: join(devRoot, 'usb', n), kind: 'usblp' as const }));

  return { serial, hid, framebuffers, printers, problems };
}

/** The list as a technician reads it over SSH. */
export function formatDevicesTable(d: DeviceList): string {
  const out: string[] = [];
  const section = (title: string, rows: string[]): void => {
    out.push(`${title}:`);
    out.push(...(rows.length ? rows.map((r) => `  ${r}`) : ['  (none found)']));
  };
  section(
    'Serial ports (scanner type "serial", printer type "serial")',
    d.serial.map((p) => [p.byId ?? p.path, p.byId ? `-> ${p.path}` : '', p.vendorId ? `${p.vendorId}:${p.productId ?? '????'}` : '', p.manufacturer ?? ''].filter(Boolean).join('  ')),
  );
  section(
    'HID devices (scanner type "hid")',
    d.hid.map((h) => [`${h.vendorId}:${h.productId}`, h.kind, h.product ?? '', h.manufacturer ?? '', h.path ?? ''].filter(Boolean).join('  ')),
  );
  section(
    'Framebuffers (display type "framebuffer")',
    d.framebuffers.map((f) => (f.supported ? `${f.device}  ${f.width}x${f.height}  ${f.bitsPerPixel} bpp  stride ${f.stride}` : `${f.device}  unusable: ${f.problem}`)),
  );
  section('USB printers (printer type "usblp")', d.printers.map((p) => p.device));
  if (d.problems.length) section('Problems', d.problems);
  return out.join('\n') + '\n';
}
