// The PostgreSQL harness: a real server as an unprivileged user, on loopback, fsync on, separate databases, gone after close.
import { existsSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import pg from 'pg';
import t from 'tap';
import { startPostgres } from './postgres.js';

async function query<T>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

t.test('starts a server of its own and removes it at close', async (t) => {
  const server = await startPostgres();
  let closed = false;
  t.teardown(() => (closed ? undefined : server.close()));

  const [row] = await query<{ version: string; fsync: string; listen: string; port: string }>(
    server.url(),
    "SELECT version() AS version, current_setting('fsync') AS fsync, current_setting('listen_addresses') AS listen, current_setting('port') AS port",
  );
  t.match(row?.version, /^PostgreSQL 15\./);
  t.equal(row?.fsync, 'on', 'fsync on, as in production');
  t.equal(row?.listen, '127.0.0.1', 'loopback only');
  t.equal(row?.port, String(server.port));
  // The data directory belongs to the unprivileged user the server runs as.
  const owner = statSync(`${server.dir}/data`).uid;
  t.not(owner, 0, 'the cluster is not owned by root');
  t.not(server.user, 'root');

  // Two databases are independent.
  const a = await server.createDatabase();
  const b = await server.createDatabase();
  t.not(a, b);
  await query(a, 'CREATE TABLE only_in_a (x int)');
  t.same(await query(a, "SELECT to_regclass('only_in_a')::text AS r"), [{ r: 'only_in_a' }]);
  t.same(await query(b, "SELECT to_regclass('only_in_a')::text AS r"), [{ r: null }]);

  await server.close();
  closed = true;
  t.notOk(existsSync(server.dir), 'the temp dir is removed');
  t.notOk(await accepts(server.port), 'nothing listens on the port any more');
});

t.test('two servers run side by side on different ports', async (t) => {
  const [s1, s2] = await Promise.all([startPostgres(), startPostgres()]);
  t.teardown(async () => {
    await s1.close();
    await s2.close();
  });
  t.not(s1.port, s2.port);
  await query(s1.url(), 'CREATE TABLE here (x int)');
  t.same(await query(s2.url(), "SELECT to_regclass('here')::text AS r"), [{ r: null }]);
});
