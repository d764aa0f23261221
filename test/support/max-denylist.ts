// Child process for the heap-cap test: a daemon applies the largest deny list the protocol allows, under the unit's NODE_OPTIONS.
import { MAX_DENYLIST } from '#protocol';
import { seededBytes } from '#protocol/testkit';
import { createTerminalWorld } from '#terminal/testkit';

const tw = await createTerminalWorld({ mode: 'transit', seed: 'max-denylist' });
const d = tw.daemon({ api: false });
await d.start();
const ids = Array.from({ length: MAX_DENYLIST }, (_, i) => seededBytes(`denied-${i}`, 16));
const message = await tw.world.fleetDenylist(1, ids);
const r = d.applyUpdate(message);
const denied = d.store!.isDenied(ids[MAX_DENYLIST - 1]!) && !d.store!.isDenied(seededBytes('not-denied', 16));
const heapMb = Math.round(process.memoryUsage().heapUsed / 2 ** 20);
await d.stop();
tw.cleanup();
console.log(JSON.stringify({ applied: r.ok, size: d.store ? undefined : MAX_DENYLIST, denied, bytes: message.length, heapMb }));
