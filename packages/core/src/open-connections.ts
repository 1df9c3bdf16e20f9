/**
 * The listener's open connections, threaded through the connections themselves: two private
 * fields on each, where a `Set` holding 5,000 of them costs 28-34 (V8) to 52 (JavaScriptCore)
 * bytes a connection in its entries and backing store. Oldest first; adding and removing are O(1).
 *
 * @module
 */

/** How the list reads and sets an item's two neighbours, which only the list sets. */
export interface Links<T> {
  older(item: T): T | undefined;
  newer(item: T): T | undefined;
  link(item: T, older: T | undefined, newer: T | undefined): void;
  setOlder(item: T, older: T | undefined): void;
  setNewer(item: T, newer: T | undefined): void;
}

/** A doubly linked list of items that carry their own links. */
export class OpenConnections<T> {
  readonly #links: Links<T>;
  #oldest: T | undefined;
  #newest: T | undefined;
  #size = 0;

  /** @param links How to reach an item's links, kept private to the item's class. */
  constructor(links: Links<T>) {
    this.#links = links;
  }

  /** How many items the list holds. */
  get size(): number {
    return this.#size;
  }

  /** Adds an item that is in no list, as the newest. */
  add(item: T): void {
    const newest = this.#newest;
    this.#links.link(item, newest, undefined);
    if (newest === undefined) this.#oldest = item;
    else this.#links.setNewer(newest, item);
    this.#newest = item;
    this.#size++;
  }

  /**
   * Removes an item of this list; false, and nothing changes, when the item is in no list (never
   * added, or removed already). An item of another list is not told apart from one of this one:
   * only the list that added an item may remove it (each listener removes its own connections).
   */
  delete(item: T): boolean {
    const links = this.#links;
    const older = links.older(item);
    const newer = links.newer(item);
    if (older === undefined ? this.#oldest !== item : links.newer(older) !== item) return false;
    if (older === undefined) this.#oldest = newer;
    else links.setNewer(older, newer);
    if (newer === undefined) this.#newest = older;
    else links.setOlder(newer, older);
    links.link(item, undefined, undefined);
    this.#size--;
    return true;
  }

  /** The items now, oldest first: a copy, so they may be closed (and removed) while it is walked. */
  snapshot(): T[] {
    const items = new Array<T>(this.#size);
    const links = this.#links;
    let at = 0;
    for (let item = this.#oldest; item !== undefined; item = links.newer(item)) items[at++] = item;
    return items;
  }
}
