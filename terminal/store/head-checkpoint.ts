// The journal's signed head checkpoint: the terminal key vouches for the latest head and the acknowledged index, so deleted tail rows and an edited cursor show.
import { equalBytes, fromHex, toHex, utf8, type CryptoBackend, type Signer } from '#protocol';

/** The kv key the checkpoint is kept under, next to `acked_upto`. */
export const HEAD_CHECKPOINT_KEY = 'head_checkpoint';

export interface HeadCheckpoint {
  terminalId: string;
  /** The journal head when signed: the journal never ends before it. */
  idx: number;
  hash: Uint8Array;
  /** kv.acked_upto when signed; every ack writes it together with a new checkpoint. */
  ackedUpTo: number;
}

/**
 * What is signed. It starts with a text prefix, never a CBOR array, so it can never be mistaken
 * for the Sig_structure of a signed protocol object (COSE signs an array).
 */
function message(c: HeadCheckpoint): Uint8Array {
  return utf8(`tessera journal head checkpoint v1\n${c.terminalId}\n${c.idx}\n${toHex(c.hash)}\n${c.ackedUpTo}`);
}

/** The checkpoint as stored in kv: JSON with the signature. */
export async function signHeadCheckpoint(c: HeadCheckpoint, signer: Signer): Promise<string> {
  const sig = await signer.sign(message(c));
  return JSON.stringify({ terminalId: c.terminalId, idx: c.idx, hash: toHex(c.hash), ackedUpTo: c.ackedUpTo, sig: toHex(sig) });
}

/** The stored checkpoint when its signature verifies under `publicKey`, else the reason it does not. */
export function readHeadCheckpoint(text: string, publicKey: Uint8Array, backend: CryptoBackend): { ok: true; checkpoint: HeadCheckpoint } | { ok: false; problem: string } {
  let c: HeadCheckpoint;
  let sig: Uint8Array;
  try {
    const j = JSON.parse(text) as Record<string, unknown>;
    if (typeof j.terminalId !== 'string' || !Number.isSafeInteger(j.idx) || !Number.isSafeInteger(j.ackedUpTo) || typeof j.hash !== 'string' || typeof j.sig !== 'string') throw new TypeError('fields');
    c = { terminalId: j.terminalId, idx: j.idx as number, hash: fromHex(j.hash), ackedUpTo: j.ackedUpTo as number };
    sig = fromHex(j.sig);
  } catch {
    return { ok: false, problem: 'the head checkpoint is not well-formed' };
  }
  if (!backend.verify(publicKey, message(c), sig)) return { ok: false, problem: 'the head checkpoint signature does not verify' };
  return { ok: true, checkpoint: c };
}

/** Why the journal's head and cursor contradict a verified checkpoint, if they do. */
export function headProblem(c: HeadCheckpoint, head: { idx: number; hashAt: (idx: number) => Uint8Array | undefined; ackedUpTo: number; terminalId?: string }): string | undefined {
  if (head.terminalId !== undefined && c.terminalId !== head.terminalId) return `the head checkpoint is for terminal ${c.terminalId}`;
  if (head.idx < c.idx) return `the journal ends at ${head.idx} but its signed head checkpoint says ${c.idx}: records were deleted from the end`;
  const h = head.hashAt(c.idx);
  if (c.idx > 0 && (!h || !equalBytes(h, c.hash))) return `record ${c.idx} is not the one the signed head checkpoint names`;
  if (head.ackedUpTo !== c.ackedUpTo) return `acked_upto is ${head.ackedUpTo} but the signed head checkpoint says ${c.ackedUpTo}`;
  return undefined;
}
