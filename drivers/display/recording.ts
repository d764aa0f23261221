// An in-memory display for the demo and tests: records screens and renders any of them to PNG on request.
import { layoutScreen } from './layout.js';
import { DISPLAY_CONNECTED, type DisplayDriver, type DisplayHandle, type Screen } from './screens.js';

export class RecordingDisplay implements DisplayDriver {
  readonly screens: Screen[] = [];

  constructor(
    readonly width = 480,
    readonly height = 320,
  ) {}

  async open(): Promise<DisplayHandle> {
    return {
      show: async (s) => void this.screens.push(s),
      current: () => this.screens[this.screens.length - 1],
      status: () => ({ ...DISPLAY_CONNECTED }),
      close: async () => {},
    };
  }

  /** The last screen as the framebuffer display would draw it. */
  png(): Buffer | undefined {
    const s = this.screens[this.screens.length - 1];
    return s ? layoutScreen(s, this.width, this.height).toPng() : undefined;
  }
}
