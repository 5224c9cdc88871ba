/**
 * The phone layout: below PHONE_MAX_WIDTH the conversation takes the whole screen and the rooms,
 * the people and the header's other actions open over it (popovers, see ChatScreen.svelte). This
 * says whether the window is that narrow and which of those panels is open.
 */
import { MediaQuery } from 'svelte/reactivity';

/** The widest window that gets the phone layout, in CSS pixels (the stylesheets repeat it). */
export const PHONE_MAX_WIDTH = 700;

export type PhonePanel = 'rooms' | 'people' | 'menu';

export class PhoneLayout {
  readonly #query = new MediaQuery(`(max-width: ${PHONE_MAX_WIDTH}px)`, false);
  #open = $state<PhonePanel | null>(null);

  /** True while the window is phone-sized. */
  get phone(): boolean {
    return this.#query.current;
  }

  /** The panel open over the conversation, if any. */
  get open(): PhonePanel | null {
    return this.#open;
  }

  /**
   * A panel's popover opened or closed (its `toggle` event). Opening one closes the others, and
   * their events may come in either order: a late "closed" must not undo a newer "open".
   */
  toggled(panel: PhonePanel, open: boolean): void {
    if (open) this.#open = panel;
    else if (this.#open === panel) this.#open = null;
  }
}
