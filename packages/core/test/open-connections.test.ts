import { describe, expect, it } from "vitest";
import { type Links, OpenConnections } from "../src/open-connections.ts";

class Item {
  older: Item | undefined;
  newer: Item | undefined;
  constructor(readonly name: string) {}
}

const links: Links<Item> = {
  older: (item) => item.older,
  newer: (item) => item.newer,
  link(item, older, newer) {
    item.older = older;
    item.newer = newer;
  },
  setOlder(item, older) {
    item.older = older;
  },
  setNewer(item, newer) {
    item.newer = newer;
  },
};

const list = () => new OpenConnections<Item>(links);
const names = (items: OpenConnections<Item>) => items.snapshot().map((item) => item.name);
const made = (...labels: string[]) => labels.map((name) => new Item(name));

describe("OpenConnections", () => {
  it("keeps items oldest first and removes any of them in place", () => {
    const open = list();
    const [a, b, c, d] = made("a", "b", "c", "d") as [Item, Item, Item, Item];
    for (const item of [a, b, c, d]) open.add(item);
    expect(names(open)).toEqual(["a", "b", "c", "d"]);
    expect(open.delete(b)).toBe(true);
    expect(names(open)).toEqual(["a", "c", "d"]);
    expect(open.delete(a)).toBe(true);
    expect(open.delete(d)).toBe(true);
    expect(names(open)).toEqual(["c"]);
    expect(open.size).toBe(1);
    expect(open.delete(c)).toBe(true);
    expect(open.size).toBe(0);
    expect(names(open)).toEqual([]);
    open.add(b);
    expect(names(open)).toEqual(["b"]);
  });

  it("refuses an item in no list, never added or removed already, without changing", () => {
    const open = list();
    const [a, b] = made("a", "b") as [Item, Item];
    open.add(a);
    open.add(b);
    expect(open.delete(new Item("never added"))).toBe(false);
    expect(open.delete(a)).toBe(true);
    expect(open.delete(a)).toBe(false);
    expect(names(open)).toEqual(["b"]);
    expect(open.size).toBe(1);
  });

  it("hands out a copy: removing items while walking it visits every one once", () => {
    const open = list();
    const items = made("0", "1", "2", "3", "4");
    for (const item of items) open.add(item);
    const seen: string[] = [];
    for (const item of open.snapshot()) {
      seen.push(item.name);
      open.delete(item);
      if (item.name === "1") open.delete(items[3] as Item);
    }
    expect(seen).toEqual(["0", "1", "2", "3", "4"]);
    expect(open.size).toBe(0);
  });

  it("drops an item's links once removed, so a kept item holds no others", () => {
    const open = list();
    const [a, b, c] = made("a", "b", "c") as [Item, Item, Item];
    for (const item of [a, b, c]) open.add(item);
    open.delete(b);
    expect(b.older).toBeUndefined();
    expect(b.newer).toBeUndefined();
    expect(a.newer).toBe(c);
    expect(c.older).toBe(a);
  });
});
