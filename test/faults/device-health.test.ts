// Device health on a child daemon with real drivers (pty scanner, ESC/POS TCP printer, framebuffer): `tessera status` and the retained MQTT status.
import t from 'tap';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import mqtt from 'mqtt';
import { createFramebufferEmulator, SerialScannerEmulator, TcpPrinterEmulator } from '#drivers';
import { ApiClient, TESSERA_VERSION } from '#terminal';
import { createTerminalWorld } from '#terminal/testkit';
import { topics } from '#protocol';
import { startMosquitto } from '../support/mosquitto.js';
import { CLI, tessera, until } from './harness.js';

interface Device {
  state: string;
  code?: string;
  paper?: string;
  coverOpen?: boolean;
  error?: boolean;
}
type Devices = Record<'scanner' | 'display' | 'printer', Device>;

t.test('every device kind reports its real state: printer paper/cover from DLE EOT, in tessera status and the retained MQTT status', { timeout: 90_000 }, async (t) => {
  const broker = await startMosquitto();
  t.teardown(() => broker.close());
  const printer = new TcpPrinterEmulator();
  const port = await printer.start();
  t.teardown(() => printer.stop());
  const tw = await createTerminalWorld({
    now: Math.floor(Date.now() / 1000),
    config: { sync: { brokerUrl: broker.url, reconnectMinMs: 50, reconnectMaxMs: 200, statusIntervalMs: 200 } },
  });
  t.teardown(() => tw.cleanup());
  const scanner = new SerialScannerEmulator(`${tw.dir}/ttyScanner`, `${tw.dir}/ttyScannerPeer`);
  await scanner.start();
  t.teardown(() => scanner.stop());
  const fb = createFramebufferEmulator(tw.dir, { width: 320, height: 240, bitsPerPixel: 16 });
  const cfg = JSON.parse(readFileSync(tw.configPath, 'utf8')) as Record<string, unknown>;
  cfg.devices = {
    scanner: { type: 'serial', path: scanner.path, presenceCheckMs: 100 },
    printer: { type: 'tcp', host: '127.0.0.1', port, statusTimeoutMs: 500, statusPollMs: 100 },
    display: { type: 'framebuffer', device: fb.device, fb: fb.fb, sysfsRoot: fb.sysfsRoot },
  };
  writeFileSync(tw.configPath, JSON.stringify(cfg));

  const status = new Map<string, { devices: Devices; version: string }>();
  const sub = await mqtt.connectAsync(broker.url, { clientId: 'status-watch', reconnectPeriod: 100 });
  t.teardown(() => sub.endAsync(true));
  sub.on('message', (topic, payload) => void (payload.length && status.set(topic, JSON.parse(payload.toString()) as { devices: Devices; version: string })));
  await sub.subscribeAsync(topics.status(tw.terminalId), { qos: 1 });
  const mqttStatus = () => status.get(topics.status(tw.terminalId));

  const daemon = spawn(process.execPath, [CLI, 'daemon', '--config', tw.configPath], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_OPTIONS: '', TESSERA_LOG_LEVEL: 'warn' } });
  let stderr = '';
  daemon.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  t.teardown(() => void (daemon.exitCode === null && daemon.signalCode === null && daemon.kill('SIGKILL')));
  const api = new ApiClient({ socketPath: tw.config.api.socket }, 10_000);
  const devices = () => api.call<{ ready: boolean; devices: Devices }>('GET', '/v1/status').then((s) => s.devices, () => undefined);
  const seen = (pred: (d: Devices) => boolean, what: string) =>
    until(async () => {
      if (daemon.exitCode !== null) throw new Error(`daemon exited: ${stderr}`);
      const d = await devices();
      return d && pred(d) ? d : undefined;
    }, 20_000, what);

  const up = await seen((d) => d.printer.state === 'ready' && d.scanner.state === 'connected', 'all devices up');
  t.match(up, { scanner: { state: 'connected' }, display: { state: 'connected' }, printer: { state: 'ready', paper: 'ok', coverOpen: false, error: false } }, 'real states, none "unknown"');
  const retained = await until(() => mqttStatus()?.devices.printer?.state === 'ready' && mqttStatus(), 20_000, 'the MQTT status with devices');
  t.match(retained, { version: TESSERA_VERSION, devices: { scanner: { state: 'connected' }, display: { state: 'connected' }, printer: { state: 'ready', paper: 'ok' } } }, 'the retained status has real devices and version');

  printer.set({ paperNearEnd: true });
  t.match(await seen((d) => d.printer.state === 'paper-near-end', 'paper near end'), { printer: { paper: 'near-end' } }, 'seen between receipts, from the status poll');
  printer.set({ paperNearEnd: false, paperOut: true });
  t.match(await seen((d) => d.printer.state === 'paper-out', 'paper out'), { printer: { code: 'PRINTER_PAPER_OUT', paper: 'out' } });
  printer.set({ paperOut: false, coverOpen: true });
  t.match(await seen((d) => d.printer.state === 'cover-open', 'cover open'), { printer: { code: 'PRINTER_COVER_OPEN', coverOpen: true } });
  await until(() => mqttStatus()?.devices.printer?.state === 'cover-open', 20_000, 'the MQTT status to follow');
  const human = await tessera(['status', '--config', tw.configPath]);
  t.match(human.stdout, /^Devices\s+scanner connected · display connected · printer cover-open \(PRINTER_COVER_OPEN\) \[paper ok, cover open\]$/m, 'tessera status says it in words');

  await printer.stop();
  t.match(await seen((d) => d.printer.state === 'disconnected', 'printer gone'), { printer: { code: /PRINTER_(UNAVAILABLE|TIMEOUT)/ } });
  await printer.start(port);
  printer.set({ coverOpen: false });
  await seen((d) => d.printer.state === 'ready', 'printer back');
  daemon.kill('SIGTERM');
});
