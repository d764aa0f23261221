// Keyboard layouts for HID keyboard-wedge scanners: HID usage → character, unshifted and shifted.
//
// Adding a layout: copy `us`, change the entries whose keycaps differ (a German keyboard swaps Y/Z and
// moves punctuation), and add it to LAYOUTS. Each entry maps a HID usage ID (Keyboard/Keypad page 0x07)
// to [unshifted, shifted]; an empty string means the key produces nothing we deliver. Configure the
// scanner with `layout: '<name>'` matching the layout the scanner itself is set to emulate.

export type Layout = ReadonlyMap<number, readonly [string, string]>;

export const KEY_ENTER = 0x28;
export const KEY_KEYPAD_ENTER = 0x58;
export const KEY_TAB = 0x2b;
export const MOD_SHIFT = 0x22; // left shift | right shift

function usLayout(): Map<number, readonly [string, string]> {
  const m = new Map<number, readonly [string, string]>();
  for (let i = 0; i < 26; i++) {
    const ch = String.fromCharCode(0x61 + i);
    m.set(0x04 + i, [ch, ch.toUpperCase()]);
  }
  const digits = '1234567890';
  const shifted = '!@#$%^&*()';
  for (let i = 0; i < 10; i++) m.set(0x1e + i, [digits[i] ?? '', shifted[i] ?? '']);
  const rest: Array<[number, string, string]> = [
    [0x2c, ' ', ' '],
    [0x2d, '-', '_'],
    [0x2e, '=', '+'],
    [0x2f, '[', '{'],
    [0x30, ']', '}'],
    [0x31, '\\', '|'],
    [0x33, ';', ':'],
    [0x34, "'", '"'],
    [0x35, '`', '~'],
    [0x36, ',', '<'],
    [0x37, '.', '>'],
    [0x38, '/', '?'],
    // keypad: some scanners send digits and operators from the numeric block
    [0x54, '/', '/'],
    [0x55, '*', '*'],
    [0x56, '-', '-'],
    [0x57, '+', '+'],
    [0x63, '.', '.'],
  ];
  for (const [u, a, b] of rest) m.set(u, [a, b]);
  for (let i = 0; i < 9; i++) m.set(0x59 + i, [String(i + 1), String(i + 1)]);
  m.set(0x62, ['0', '0']);
  return m;
}

/** German (QWERTZ), as an example of adding a layout: only the keys that differ from US. */
function deLayout(): Map<number, readonly [string, string]> {
  const m = usLayout();
  m.set(0x1c, ['z', 'Z']);
  m.set(0x1d, ['y', 'Y']);
  const digitsShifted = '!"§$%&/()=';
  for (let i = 0; i < 10; i++) m.set(0x1e + i, ['1234567890'[i] ?? '', digitsShifted[i] ?? '']);
  m.set(0x2d, ['ß', '?']);
  m.set(0x30, ['+', '*']);
  m.set(0x36, [',', ';']);
  m.set(0x37, ['.', ':']);
  m.set(0x38, ['-', '_']);
  m.set(0x2e, ['´', '`']);
  m.set(0x33, ['ö', 'Ö']);
  m.set(0x34, ['ä', 'Ä']);
  m.set(0x2f, ['ü', 'Ü']);
  return m;
}

export const LAYOUTS: Readonly<Record<string, Layout>> = { us: usLayout(), de: deLayout() };

/** The key presses (usage, shift) that type `ch` on `layout`; undefined when the layout cannot type it. */
export function keyFor(layout: Layout, ch: string): { usage: number; shift: boolean } | undefined {
  for (const [usage, [plain, shifted]] of layout) {
    if (usage >= 0x54) continue; // prefer the main block, as scanners do
    if (plain === ch) return { usage, shift: false };
    if (shifted === ch) return { usage, shift: true };
  }
  return undefined;
}
