// Client-certificate broker setup with real openssl (key, CSR, CA signing) and the default TLS probe against a real mosquitto requiring certificates.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import t from 'tap';
import { brokerProbe } from '#provisioning';
import { freePort, startMosquitto } from '../support/mosquitto.js';
import { getWorld, harness, initialised, makeRoot, snapshot } from './harness.js';

function openssl(args: string[], cwd: string): string {
  return execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

t.test('broker: key + CSR, CA-signed certificate installed, TLS handshake with a broker that requires it', async (t) => {
  const world = await getWorld();
  const root = makeRoot();
  const pki = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-pki-'));
  t.teardown(() => {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(pki, { recursive: true, force: true });
  });
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '30', '-subj', '/CN=Tessera Test CA'], pki);
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost'], pki);
  fs.writeFileSync(path.join(pki, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '30', '-extfile', 'san.ext'], pki);

  const h = harness(root, world.now);
  await initialised(h);
  const port = await freePort();
  const url = `mqtts://localhost:${port}`;
  const first = await h.run('broker', '--url', url, '--ca', path.join(pki, 'ca.crt'), '--json');
  t.equal(first.code, 0, first.err);
  t.same(first.json?.changed, ['/var/lib/tessera/ca.crt', '/var/lib/tessera/mqtt.key', '/var/lib/tessera/mqtt.csr', '/etc/tessera/terminal.json']);
  const sd = path.join(root, 'var/lib/tessera');
  t.equal(fs.statSync(path.join(sd, 'mqtt.key')).mode & 0o777, 0o600, 'MQTT key is private');
  t.same(JSON.parse(fs.readFileSync(path.join(root, 'etc/tessera/terminal.json'), 'utf8')).sync, { brokerUrl: url, tls: { ca: '/var/lib/tessera/ca.crt' } }, 'tls.key is named only with its certificate (terminal/sync takes them together)');
  t.match(openssl(['req', '-in', path.join(sd, 'mqtt.csr'), '-noout', '-subject', '-verify'], pki), /CN\s*=\s*T-0042/);

  const snap = snapshot(root);
  const again = await h.run('broker', '--json');
  t.same(again.json?.changed, [], 'a re-run keeps the key and the CSR');
  t.same(snapshot(root), snap);

  openssl(['x509', '-req', '-in', path.join(sd, 'mqtt.csr'), '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.crt', '-days', '30'], pki);
  const strangerKey = path.join(pki, 'server.key');
  const wrong = await h.run('broker', '--cert', path.join(pki, 'client.crt'), '--key', strangerKey);
  t.not(wrong.code, 0);
  t.match(wrong.err, /client certificate .*client\.crt does not belong to/);
  const withCert = await h.run('broker', '--cert', path.join(pki, 'client.crt'), '--json');
  t.equal(withCert.code, 0, withCert.err);
  t.same(withCert.json?.changed, ['/var/lib/tessera/mqtt.crt', '/etc/tessera/terminal.json']);
  const sync = JSON.parse(fs.readFileSync(path.join(root, 'etc/tessera/terminal.json'), 'utf8')).sync;
  t.same(sync, { brokerUrl: url, tls: { ca: '/var/lib/tessera/ca.crt', key: '/var/lib/tessera/mqtt.key', cert: '/var/lib/tessera/mqtt.crt' } });

  // mosquitto drops to its own user: it must be able to read the PKI files.
  fs.chmodSync(pki, 0o755);
  for (const f of fs.readdirSync(pki)) fs.chmodSync(path.join(pki, f), 0o644);
  const broker = await startMosquitto({
    extraConfig: [`listener ${port} 127.0.0.1`, `cafile ${pki}/ca.crt`, `certfile ${pki}/server.crt`, `keyfile ${pki}/server.key`, 'require_certificate true'].join('\n'),
  });
  t.teardown(() => broker.close());
  const at = (p: string) => path.join(root, p);
  const ok = await brokerProbe(sync, { at });
  t.ok(ok.ok, ok.detail);
  t.match(ok.detail, /TLS/);
  const badCa = await brokerProbe({ brokerUrl: url, tls: { ca: '/var/lib/tessera/mqtt.crt' } }, { at });
  t.notOk(badCa.ok, `a broker not signed by the configured CA is refused: ${badCa.detail}`);
  const closed = await brokerProbe({ brokerUrl: `mqtts://localhost:${await freePort()}`, tls: sync.tls }, { at });
  t.notOk(closed.ok);
  t.match(closed.detail, /ECONNREFUSED/);
});
