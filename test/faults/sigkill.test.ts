// SIGKILL the daemon at random moments during a stream of scans and a sync: every shown approval is journaled, verified and settled once.
import t from 'tap';
import { checkNothingLost, createFaultRig, drainAndStop, seededRng } from './harness.js';
import { runKillCycles } from './kill-cycle.js';

const CYCLES = 30;

t.test(`daemon SIGKILLed ${CYCLES} times mid-stream and mid-sync: nothing shown is lost, nothing settles twice`, { timeout: 380_000 }, async (t) => {
  const seed = Number(process.env.TESSERA_FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
  t.comment(`seed ${seed} (replay with TESSERA_FAULT_SEED=${seed})`);
  const rig = await createFaultRig();
  t.teardown(() => rig.close());
  const r = await runKillCycles(rig, { rng: seededRng(seed), cycles: CYCLES, onCycle: (c) => t.comment(JSON.stringify(c)) });
  t.equal(r.cycles, CYCLES, `${r.cycles} kills (${r.startupKills} during start-up), ${r.presented} codes presented, ${r.shown.size} approvals shown`);
  t.ok(r.shown.size > 0, 'approvals were shown before kills');

  // One more clean start: it must come up on the journal the kills left, then drain to the back office.
  await drainAndStop(rig);
  const check = await checkNothingLost(rig, r.shown);
  t.same(check.problems, [], 'every shown approval journaled, chain verified, each approved record settled exactly once');
  t.ok(check.approved >= r.shown.size, `${check.approved} approved records in the journal, ${check.settled} settlements`);
  t.equal(check.settled, check.approved);
});
