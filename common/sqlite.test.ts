// sqliteBinding: an explicit TESSERA_SQLITE_BINDING wins, then a build for this Node's ABI in node-pre-gyp's layout, else better-sqlite3's own.
import t from 'tap';
import { Sqlite, sqliteBinding } from './sqlite.js';

const abiDir = `node-v${process.versions.modules}-${process.platform}-${process.arch}`;

t.test('the environment names the addon', async (t) => {
  t.equal(sqliteBinding({ TESSERA_SQLITE_BINDING: '/opt/sqlite/better_sqlite3.node' }, () => false), '/opt/sqlite/better_sqlite3.node');
});

t.test("a build for this Node's ABI is used when the package carries one", async (t) => {
  const seen: string[] = [];
  const picked = sqliteBinding({}, (p) => (seen.push(p), true));
  t.match(picked, new RegExp(`/better-sqlite3/lib/binding/${abiDir}/better_sqlite3\\.node$`));
  t.same(seen, [picked]);
});

t.test("otherwise better-sqlite3's own build (undefined), and Sqlite opens a database with it", async (t) => {
  t.equal(sqliteBinding({}, () => false), undefined);
  const db = new Sqlite(':memory:');
  t.equal((db.prepare('select 41 + 1 as x').get() as { x: number }).x, 42);
  db.close();
});

t.test('an explicit nativeBinding option wins over the picked one', async (t) => {
  t.throws(() => new Sqlite(':memory:', { nativeBinding: '/nonexistent/better_sqlite3.node' }), /Cannot find module/);
});
