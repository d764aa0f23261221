// `node dist/scripts/screenshots.js`: the French screens and receipt of docs/i18n.md, drawn by the display layout and the receipt emulator.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { encodeReceipt, layoutScreen, renderEscPos } from '#drivers';
import { ApiClient } from '#terminal';
import { createTerminalWorld } from '#terminal/testkit';

const OUT = resolve(process.argv[2] ?? 'docs/screenshots/terminal');

const tw = await createTerminalWorld({
  config: {
    merchant: { currency: 'EUR', receiptHeader: ['Crème & Pâtisserie'], receiptFooter: ['Merci, à bientôt !'] },
    locale: { language: 'fr', timeZone: 'Europe/Paris' },
  },
});
const d = tw.daemon();
try {
  await d.start();
  mkdirSync(OUT, { recursive: true });
  const shot = (file: string, png: Buffer): void => {
    writeFileSync(join(OUT, file), png);
    console.log(`wrote ${join(OUT, file)}`);
  };
  await new ApiClient({ socketPath: tw.config.api.socket }).call('POST', '/v1/payments', { amount: 1250, currency: 'EUR' });
  shot('screen-request-fr.png', layoutScreen(tw.display.last!, 480, 320).toPng());
  const decision = await tw.scan(d, await tw.merchantPayment(d, await tw.world.purse()));
  if (decision.outcome !== 'approved') throw new Error(`payment ${decision.outcome}`);
  shot('screen-approved-fr.png', layoutScreen(tw.display.screens.find((s) => s.kind === 'approved')!, 480, 320).toPng());
  for (let i = 0; i < 100 && tw.printer.receipts.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  shot('receipt-fr.png', renderEscPos(encodeReceipt(tw.printer.receipts[0]!, { paperWidth: 58 }), 384).png);
} finally {
  await d.stop();
  tw.cleanup();
}
