import { describe, expect, it } from "vitest";
import { type Linked, OpenConnections } from "../src/open-connections.ts";

class Item implements Linked<Item> {
  older: Item | undefined;
  newer: Item | undefined;
  constructor(readonly name: string) {}
}

const names = (list: OpenConnections<Item>) => list.snapshot().map((item) => item.name);

describe("OpenConnections", () => {
  it("keeps items oldest first and removes any of them in place", () => {
    const list = new OpenConnections<Item>();
    const [a, b, c, d] = ["a", "b", "c", "d"].map((name) => new Item(name)) as [Item, Item, Item, Item];
    for (const item of [a, b, c, d]) list.add(item);
    expect(names(list)).toEqual(["a", "b", "c", "d"]);
    expect(list.delete(b)).toBe(true);
    expect(names(list)).toEqual(["a", "c", "d"]);
    expect(list.delete(a)).toBe(true);
    expect(list.delete(d)).toBe(true);
    expect(names(list)).toEqual(["c"]);
    expect(list.size).toBe(1);
    expect(list.delete(c)).toBe(true);
    expect(list.size).toBe(0);
    expect(names(list)).toEqual([]);
    list.add(b);
    expect(names(list)).toEqual(["b"]);
  });

  it("refuses an item it does not hold, and one removed twice, without changing", () => {
    const list = new OpenConnections<Item>();
    const other = new OpenConnections<Item>();
    const [a, b, stranger] = ["a", "b", "stranger"].map((name) => new Item(name)) as [Item, Item, Item];
    list.add(a);
    list.add(b);
    other.add(stranger);
    expect(list.delete(stranger)).toBe(false);
    expect(list.delete(new Item("never added"))).toBe(false);
    expect(list.delete(a)).toBe(true);
    expect(list.delete(a)).toBe(false);
    expect(names(list)).toEqual(["b"]);
    expect(list.size).toBe(1);
    expect(names(other)).toEqual(["stranger"]);
  });

  it("hands out a copy: removing items while walking it visits every one once", () => {
    const list = new OpenConnections<Item>();
    const items = Array.from({ length: 5 }, (_, i) => new Item(String(i)));
    for (const item of items) list.add(item);
    const seen: string[] = [];
    for (const item of list.snapshot()) {
      seen.push(item.name);
      list.delete(item);
      if (item.name === "1") list.delete(items[3] as Item);
    }
    expect(seen).toEqual(["0", "1", "2", "3", "4"]);
    expect(list.size).toBe(0);
  });

  it("drops an item's links once removed, so a kept item holds no others", () => {
    const list = new OpenConnections<Item>();
    const [a, b, c] = ["a", "b", "c"].map((name) => new Item(name)) as [Item, Item, Item];
    for (const item of [a, b, c]) list.add(item);
    list.delete(b);
    expect(b.older).toBeUndefined();
    expect(b.newer).toBeUndefined();
    expect(a.newer).toBe(c);
    expect(c.older).toBe(a);
  });
});
