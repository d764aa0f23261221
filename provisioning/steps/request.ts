// `provision request`: the TE1 enrolment request (terminal id, public key, hardware identity), self-signed by the terminal key, as text and QR.
import QRCode from 'qrcode';
import { TesseraError } from '#common';
import { loadKeyFile, signObject, toHex, toQrText } from '#protocol';
import { terminalSection } from '../config.js';
import { type StepContext, type StepResult, readText } from '../context.js';

export interface RequestOptions {
  qr?: boolean;
}

/** Pi serial from /proc/cpuinfo, else /etc/machine-id, else the terminal id alone (all under the root). */
export function hardwareId(ctx: StepContext): string {
  const cpu = readText(ctx.at('/proc/cpuinfo')) ?? '';
  const serial = /^Serial\s*:\s*([0-9a-fA-F]+)\s*$/m.exec(cpu)?.[1];
  if (serial && !/^0+$/.test(serial)) return `pi:${serial.toLowerCase()}`;
  const mid = readText(ctx.at('/etc/machine-id'))?.trim();
  if (mid && /^[0-9a-f]{32}$/.test(mid)) return `machine-id:${mid}`;
  return 'unknown';
}

export async function runRequest(ctx: StepContext, o: RequestOptions): Promise<StepResult> {
  const config = ctx.requireConfig();
  ctx.deps.validateConfig(config);
  const terminalId = terminalSection(config).id;
  const keyPath = ctx.filePath(config, 'key');
  const key = loadKeyFile(ctx.at(keyPath));
  const hw = hardwareId(ctx);
  const time = ctx.nowSeconds();
  let text: string;
  try {
    text = toQrText('ENROLMENT_REQUEST', await signObject('ENROLMENT_REQUEST', { terminalId, publicKey: key.publicKey, hardwareId: hw, time }, key));
  } catch (e) {
    throw new TesseraError('PROTOCOL_ENCODE', `cannot encode the enrolment request: ${(e as Error).message}`, { cause: e });
  }
  const lines = [
    `enrolment request for terminal ${terminalId}`,
    `  public key  ${toHex(key.publicKey)}`,
    `  hardware    ${hw}`,
    '',
    text,
  ];
  if (o.qr !== false) lines.push('', (await QRCode.toString(text, { type: 'terminal', small: true, errorCorrectionLevel: 'M' })).trimEnd());
  lines.push('', 'give this to the back office (tessera-backoffice issue-terminal), then: tessera provision install BUNDLE');
  return {
    changed: [],
    lines,
    data: { request: text, terminalId, publicKey: toHex(key.publicKey), kid: toHex(key.kid), hardwareId: hw, time },
  };
}
